"""Four-eyes on manual adjustments, and nobody posting points on their own member record.

An adjustment above the cap (20 points per entry, or past 20 in a member's calendar month)
is not posted: it waits until a second admin of the same or a higher role approves it (one
ledger entry, naming both) or rejects it (nothing posted). The requester and the member it
is about may not decide; a staff account never awards, adjusts or reverses its own points.
Through the API and through the staff page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.points.models import LedgerEntry, PendingAdjustment
from tests.factories import ApiClient, add_login, make_entry, make_member, settle
from tests.web.test_pages import csrf_from, login

ADJUSTMENTS = "/api/v1/points/adjustments"
SECRETARY = "secretary_volunteer"
DEPUTY = "deputy"


@pytest.fixture
def deputy(session, world):
    """A second community admin of 金山社区: the one who approves."""
    return add_login(session, world, DEPUTY, role="community_admin", area=world.community_a)


@pytest.fixture
def secretary(session, world):
    """金山社区's admin, who is also a volunteer there (one account, one member record)."""
    member = make_member(session, "王书记", building=world.building_a, unit=world.unit)
    add_login(session, world, SECRETARY, member=member, role="community_admin", area=world.community_a)
    return member


def _body(world, points, member=None, **extra):
    member_id = member.id if member is not None else world.member_a.id
    return {
        "member_id": member_id,
        "community_id": world.community_a.id,
        "points": points,
        "reason": "年度表彰",
        **extra,
    }


def _entries(session, member) -> list[LedgerEntry]:
    session.expire_all()
    return list(session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == member.id)))


def _balance(api, world) -> float:
    r = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/points")
    return r.json["all_time"]["total"]


def _refusals(session, kind: str, object_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            AuditEvent.action == "policy.refused_self_dealing",
            AuditEvent.object_type == kind,
            AuditEvent.object_id == object_id,
        )
    )


def _pending(api, world, points=500, role="community_admin", **extra) -> dict:
    r = api.as_(role).post(ADJUSTMENTS, json=_body(world, points, **extra))
    assert r.status_code == 202, r.json
    return r.json


# --- the API ----------------------------------------------------------------------------------


def test_a_500_point_adjustment_by_one_admin_waits_and_the_balance_is_unchanged(api, session, world):
    pending = _pending(api, world)
    assert pending["status"] == "pending" and pending["cause"] == "per_entry" and pending["points"] == 500
    assert pending["requested_by_id"] == world.accounts["community_admin"].id and pending["entry_id"] is None
    assert _entries(session, world.member_a) == [] and _balance(api, world) == 0
    listed = api.as_("street_admin").get(ADJUSTMENTS).json
    assert [p["id"] for p in listed["items"]] == [pending["id"]]
    assert api.as_("other_community_admin").get(ADJUSTMENTS).json["items"] == []
    assert api.as_("member").get(ADJUSTMENTS).json["items"] == []


def test_a_second_admin_approves_and_one_ledger_entry_names_both(api, session, world, deputy):
    key = "annual-award-2026"
    pending = _pending(api, world, idempotency_key=key)
    r = api.as_(DEPUTY).post(f"{ADJUSTMENTS}/{pending['id']}/approve")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "approved" and r.json["decided_by_id"] == deputy.id
    [entry] = _entries(session, world.member_a)
    assert entry.id == r.json["entry_id"] and entry.amount == 5000 and entry.kind == "adjustment"
    assert entry.actor_id == deputy.id and (entry.source_type, entry.source_id) == ("pending_adjustment", pending["id"])
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "points.adjust"))
    assert audit.details["requested_by"] == world.accounts["community_admin"].id
    assert audit.details["approved_by"] == deputy.id
    assert _balance(api, world) == 500
    # Approving twice, or the requester's retry with the same key, posts nothing more.
    assert api.as_("street_admin").post(f"{ADJUSTMENTS}/{pending['id']}/approve").status_code == 409
    retry = api.as_("community_admin").post(ADJUSTMENTS, json=_body(world, 500, idempotency_key=key))
    # a replay is the first answer again (the request as it was filed), never a second request
    assert retry.status_code == 202 and retry.json["id"] == pending["id"]
    assert len(_entries(session, world.member_a)) == 1


def test_the_requester_cannot_approve_or_reject_their_own_request(api, session, world):
    pending = _pending(api, world)
    admin = api.as_("community_admin")
    r = admin.post(f"{ADJUSTMENTS}/{pending['id']}/approve", headers={"Accept-Language": "en"})
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    assert "approving an adjustment" in r.json["error"]["message"]
    r = admin.post(f"{ADJUSTMENTS}/{pending['id']}/reject", json={"reason": "撤回"})
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    assert session.get(PendingAdjustment, pending["id"]).status == "pending"
    assert _entries(session, world.member_a) == []
    assert _refusals(session, "pending_adjustment", pending["id"]) == 2


def test_the_approver_needs_the_requesters_role_or_a_higher_one(api, session, world):
    pending = _pending(api, world, role="street_admin")
    assert pending["requester_role"] == "street_admin"
    r = api.as_("community_admin").post(f"{ADJUSTMENTS}/{pending['id']}/approve")
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert api.as_("grid_worker").post(f"{ADJUSTMENTS}/{pending['id']}/approve").status_code == 403
    assert api.as_("other_community_admin").post(f"{ADJUSTMENTS}/{pending['id']}/approve").status_code == 404
    assert _entries(session, world.member_a) == []
    assert api.as_("city_admin").post(f"{ADJUSTMENTS}/{pending['id']}/approve").status_code == 200
    assert len(_entries(session, world.member_a)) == 1


def test_the_member_it_is_about_cannot_approve_it(api, session, world, secretary):
    pending = _pending(api, world, member=secretary)
    r = api.as_(SECRETARY).post(f"{ADJUSTMENTS}/{pending['id']}/approve")
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    assert _entries(session, secretary) == []
    assert _refusals(session, "pending_adjustment", pending["id"]) == 1


def test_nobody_adjusts_awards_or_reverses_their_own_points(api, session, world, rules, secretary):
    own = api.as_(SECRETARY)
    r = own.post(ADJUSTMENTS, json=_body(world, 5, member=secretary))
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    award = {
        "member_id": secretary.id,
        "community_id": world.community_a.id,
        "category": "caring_help",
        "hours": 2,
        "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    }
    r = own.post("/api/v1/points/awards", json=award)
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    assert _refusals(session, "member", secretary.id) == 2
    entry = make_entry(session, secretary, world.community_a, -8, datetime.now(UTC) - timedelta(days=3), kind="penalty")
    settle(session)
    r = own.post(f"/api/v1/points/entries/{entry.id}/reverse", json={"reason": "误扣"})
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    assert _refusals(session, "ledger_entry", entry.id) == 1
    assert [e.id for e in _entries(session, secretary)] == [entry.id]
    # a member without a staff role may not adjust their own balance either
    r = api.as_("member").post(ADJUSTMENTS, json=_body(world, 5))
    assert r.status_code == 403
    assert _entries(session, world.member_a) == []
    # the same adjustment by another admin is posted
    assert api.as_("community_admin").post(ADJUSTMENTS, json=_body(world, 5, member=secretary)).status_code == 201


def test_the_monthly_sum_of_adjustments_is_capped_too(api, session, world):
    # last month's adjustments do not count towards this month's
    make_entry(
        session, world.member_a, world.community_a, 20, datetime.now(UTC) - timedelta(days=40), kind="adjustment"
    )
    settle(session)
    admin = api.as_("community_admin")
    assert admin.post(ADJUSTMENTS, json=_body(world, 15)).status_code == 201
    assert admin.post(ADJUSTMENTS, json=_body(world, -5)).status_code == 201  # |15| + |-5| = 20: at the cap
    r = admin.post(ADJUSTMENTS, json=_body(world, 1))
    assert r.status_code == 202 and r.json["cause"] == "monthly"
    assert sorted(e.amount for e in _entries(session, world.member_a)) == [-50, 150, 200]


def test_a_rejection_needs_a_reason_and_leaves_the_ledger_unchanged(api, session, world, deputy):
    pending = _pending(api, world, points=-300)
    url = f"{ADJUSTMENTS}/{pending['id']}"
    r = api.as_(DEPUTY).post(f"{url}/reject", json={})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = api.as_(DEPUTY).post(f"{url}/reject", json={"reason": "依据不足"})
    assert r.status_code == 200 and r.json["status"] == "rejected" and r.json["decision_reason"] == "依据不足"
    assert api.as_(DEPUTY).post(f"{url}/approve").status_code == 409
    assert _entries(session, world.member_a) == [] and _balance(api, world) == 0
    rejected = api.as_(DEPUTY).get(ADJUSTMENTS, query_string={"status": "rejected"}).json["items"]
    assert [p["id"] for p in rejected] == [pending["id"]]
    assert api.as_(DEPUTY).get(ADJUSTMENTS).json["items"] == []


def test_the_cap_is_a_setting(make_app, session, world):
    client = make_app(ADJUSTMENT_CAP_POINTS=600).test_client()
    r = ApiClient(client, world, "community_admin").post(ADJUSTMENTS, json=_body(world, 500))
    assert r.status_code == 201
    assert len(_entries(session, world.member_a)) == 1


def test_the_openapi_document_describes_the_four_eyes_routes(api):
    paths = api.as_(None).get("/api/v1/openapi.json").json["paths"]
    assert {"201", "202"} <= set(paths[ADJUSTMENTS]["post"]["responses"])
    assert "get" in paths[ADJUSTMENTS]
    assert "post" in paths[ADJUSTMENTS + "/{adjustment_id}/approve"]
    assert "requestBody" in paths[ADJUSTMENTS + "/{adjustment_id}/reject"]["post"]


# --- the staff page --------------------------------------------------------------------------------


def _page_post(client, url, page_html, **data):
    return client.post(url, data={"csrf_token": csrf_from(page_html), **data}, follow_redirects=True)


def _request_on_page(client, world, points="500", member=None):
    page = client.get("/staff/adjustments").text
    member_id = (member or world.member_a).id
    return _page_post(
        client,
        "/staff/adjustments",
        page,
        member_id=str(member_id),
        community_id=str(world.community_a.id),
        points=points,
        reason="年度表彰",
    )


def test_the_page_leaves_a_500_point_adjustment_pending(client, api, session, world):
    login(client, world.accounts["community_admin"].phone)
    assert "/staff/adjustments" in client.get("/").text  # the nav offers it to admins
    r = _request_on_page(client, world)
    assert r.status_code == 200 and "已提交复核" in r.text
    [pending] = session.scalars(select(PendingAdjustment)).all()
    assert pending.amount == 5000 and pending.status == "pending"
    assert f'id="adjustment-{pending.id}"' in r.text and "须由其他管理员复核" in r.text
    assert _entries(session, world.member_a) == [] and _balance(api, world) == 0
    # the requester's own approve is refused on the page too
    r = _page_post(client, f"/staff/adjustments/{pending.id}/approve", r.text)
    assert "不能处理与本人有关的记录" in r.text
    assert _entries(session, world.member_a) == []


def test_a_second_admin_approves_on_the_page(client, api, session, world, deputy):
    pending = _pending(api, world)
    login(client, deputy.phone)
    page = client.get("/staff/adjustments").text
    assert "确认批准" in page and "确认驳回" in page  # both ask for a confirmation first
    r = _page_post(client, f"/staff/adjustments/{pending['id']}/approve", page)
    assert r.status_code == 200 and "已批准" in r.text
    assert [e.amount for e in _entries(session, world.member_a)] == [5000]
    assert f'id="adjustment-{pending["id"]}"' not in r.text


def test_rejecting_on_the_page_asks_for_a_reason(client, api, session, world, deputy):
    pending = _pending(api, world)
    login(client, deputy.phone)
    page = client.get("/staff/adjustments").text
    r = _page_post(client, f"/staff/adjustments/{pending['id']}/reject", page, reason="")
    assert session.get(PendingAdjustment, pending["id"]).status == "pending"
    r = _page_post(client, f"/staff/adjustments/{pending['id']}/reject", r.text, reason="依据不足")
    assert "已驳回" in r.text
    session.expire_all()
    assert session.get(PendingAdjustment, pending["id"]).status == "rejected"
    assert _entries(session, world.member_a) == []


def test_a_secretary_cannot_adjust_their_own_points_on_the_page(client, session, world, secretary):
    login(client, world.accounts[SECRETARY].phone)
    r = _request_on_page(client, world, points="5", member=secretary)
    assert r.status_code == 403 and "不能处理与本人有关的记录" in r.text
    assert _entries(session, secretary) == [] and session.scalars(select(PendingAdjustment)).all() == []
    assert _refusals(session, "member", secretary.id) == 1


def test_the_page_shows_bad_input_beside_the_field(client, session, world):
    login(client, world.accounts["community_admin"].phone)
    r = _request_on_page(client, world, points="lots")
    assert r.status_code == 422 and 'name="points"' in r.text and "field-error" in r.text
    assert _entries(session, world.member_a) == []


def test_members_without_an_admin_role_cannot_open_the_page(client, session, world):
    login(client, world.member_a.phone)
    assert client.get("/staff/adjustments").status_code == 403
    token = csrf_from(client.get("/points/me").text)
    body = {"member_id": world.member_a.id, "community_id": world.community_a.id, "points": "5", "reason": "自评"}
    assert client.post("/staff/adjustments", data={"csrf_token": token, **body}).status_code == 403
    assert _entries(session, world.member_a) == []
    login(client, world.accounts["grid_worker"].phone)
    assert client.get("/staff/adjustments").status_code == 403


def test_two_admins_equal_keys_on_the_page_are_two_adjustments(app, client, session, world, deputy):
    """The page's key is the caller's own, as on the API: another admin's equal key is never
    answered with the first admin's entry."""
    other = app.test_client()
    login(client, world.accounts["community_admin"].phone)
    login(other, deputy.phone)
    for browser, points in ((client, "5"), (other, "3")):
        page = browser.get("/staff/adjustments").text
        _page_post(
            browser,
            "/staff/adjustments",
            page,
            member_id=str(world.member_a.id),
            community_id=str(world.community_a.id),
            points=points,
            reason="年度表彰",
            idempotency_key="same-key-typed-twice",
        )
    assert sorted(float(e.amount) for e in _entries(session, world.member_a)) == [30.0, 50.0]  # tenths
