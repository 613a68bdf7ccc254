"""Idempotency keys are the caller's own: a retry replays, a changed body is refused, nobody gets another's entry."""

from __future__ import annotations

from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.points.models import LedgerEntry

KEY = "retry-key-0001"


def _adjustment(world, community="a", **changes):
    body = {
        "member_id": (world.member_a if community == "a" else world.member_b).id,
        "community_id": (world.community_a if community == "a" else world.community_b).id,
        "points": 3,
        "reason": "补录线下活动",
        "idempotency_key": KEY,
    }
    body.update(changes)
    return body


def _count(session, model, *where):
    count = session.scalar(select(func.count()).select_from(model).where(*where))
    session.close()
    return count


def test_replay_gives_the_same_body_and_no_second_entry_or_audit_record(api, world, session):
    admin = api.as_("community_admin")
    first = admin.post("/api/v1/points/adjustments", json=_adjustment(world))
    again = admin.post("/api/v1/points/adjustments", json=_adjustment(world))
    assert first.status_code == again.status_code == 201, again.json
    assert again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _count(session, LedgerEntry, LedgerEntry.kind == "adjustment") == 1
    assert _count(session, AuditEvent, AuditEvent.action == "points.adjust") == 1


def test_the_same_key_from_another_community_is_a_fresh_request_and_leaks_nothing(api, world, session):
    mine = api.as_("community_admin").post("/api/v1/points/adjustments", json=_adjustment(world))
    # The other community's admin sending A's exact request (same key, same body) sees nothing of A's.
    peek = api.as_("other_community_admin").post("/api/v1/points/adjustments", json=_adjustment(world))
    assert peek.status_code == 404 and str(mine.json["id"]) not in peek.get_data(as_text=True)
    theirs = api.as_("other_community_admin").post("/api/v1/points/adjustments", json=_adjustment(world, "b"))
    assert mine.status_code == theirs.status_code == 201, theirs.json
    assert theirs.json["id"] != mine.json["id"]
    assert theirs.json["member_id"] == world.member_b.id and theirs.json["community_id"] == world.community_b.id
    assert "Idempotent-Replayed" not in theirs.headers
    audited = session.scalars(select(AuditEvent.actor_id).where(AuditEvent.action == "points.adjust")).all()
    session.close()
    assert sorted(audited) == sorted([world.accounts["community_admin"].id, world.accounts["other_community_admin"].id])


def test_the_same_key_with_a_different_amount_is_409(api, world, session):
    admin = api.as_("community_admin")
    assert admin.post("/api/v1/points/adjustments", json=_adjustment(world)).status_code == 201
    changed = admin.post("/api/v1/points/adjustments", json=_adjustment(world, points=30))
    assert changed.status_code == 409, changed.json
    assert changed.json["error"]["code"] == "idempotency_key_reused"
    assert "idempotency_key" in changed.json["error"]["fields"]
    assert _count(session, LedgerEntry, LedgerEntry.kind == "adjustment") == 1


def test_key_order_in_the_body_does_not_matter(api, world):
    admin = api.as_("community_admin")
    body = _adjustment(world)
    assert admin.post("/api/v1/points/adjustments", json=body).status_code == 201
    reordered = dict(reversed(list(body.items())))
    assert admin.post("/api/v1/points/adjustments", json=reordered).status_code == 201
    assert admin.post("/api/v1/points/adjustments", json=_adjustment(world, reason="别的原因")).status_code == 409


def test_a_refused_first_attempt_leaves_the_key_free(api, world, session):
    admin = api.as_("community_admin")
    refused = admin.post("/api/v1/points/adjustments", json=_adjustment(world, points=0))
    assert refused.status_code == 422
    assert admin.post("/api/v1/points/adjustments", json=_adjustment(world)).status_code == 201
    assert _count(session, LedgerEntry, LedgerEntry.kind == "adjustment") == 1


def test_without_a_key_every_request_is_its_own(api, world, session):
    admin = api.as_("community_admin")
    body = _adjustment(world)
    del body["idempotency_key"]
    assert admin.post("/api/v1/points/adjustments", json=body).status_code == 201
    assert admin.post("/api/v1/points/adjustments", json=body).status_code == 201
    assert _count(session, LedgerEntry, LedgerEntry.kind == "adjustment") == 2


def test_the_refusal_reads_in_the_readers_language(api, world):
    admin = api.as_("community_admin")
    assert admin.post("/api/v1/points/adjustments", json=_adjustment(world)).status_code == 201
    r = admin.post("/api/v1/points/adjustments", json=_adjustment(world, points=5), headers={"Accept-Language": "en"})
    assert r.status_code == 409 and "idempotency key" in r.json["error"]["message"].lower()
