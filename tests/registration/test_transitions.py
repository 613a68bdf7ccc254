"""The state machine: pending → approved | rejected, approved → withdrawn | superseded."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.audit.models import AuditEvent
from service.registration.models import Registration, RegistrationEvent

from ..factories import make_registration

STATUSES = ("pending", "approved", "rejected", "withdrawn", "superseded")
# (status, action) → allowed?; anything not listed answers 409.
ALLOWED = {("pending", "approve"), ("pending", "reject"), ("approved", "withdraw")}
NEXT = {"pending": ["approve", "reject"], "approved": ["withdraw"], "rejected": [], "withdrawn": [], "superseded": []}
ACTOR = {"approve": "community_admin", "reject": "community_admin", "withdraw": "member"}
RESULT = {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["approve", "reject", "withdraw"])
def test_every_transition_is_allowed_or_refused_with_the_allowed_ones(api, world, session, settled, status, action):
    registration_id = make_registration(session, world.member_a, world.community_a, "residence", status=status).id
    settled()
    body = {"reason": "材料不全"} if action == "reject" else {}
    r = api.as_(ACTOR[action]).post(f"/api/v1/registrations/{registration_id}/{action}", json=body)
    if (status, action) in ALLOWED:
        assert r.status_code == 200, r.json
        assert r.json["status"] == RESULT[action]
        assert r.json["events"][-1]["action"] == RESULT[action]
        assert r.json["events"][-1]["actor_id"] == api.world.accounts[ACTOR[action]].id
    else:
        assert r.status_code == 409, r.json
        assert r.json["error"]["code"] == "conflict"
        assert (
            r.json["error"]["details"]["allowed"] == NEXT[status]
            and r.json["error"]["details"]["current_status"] == status
        )
        assert session.get(Registration, registration_id).status == status


def test_approval_records_who_when_and_an_audit_event(api, world, session):
    filed = api.as_("member").post("/api/v1/registrations", json={"community_id": world.community_a.id, "side": "unit"})
    r = api.as_("community_admin").post(f"/api/v1/registrations/{filed.json['id']}/approve")
    assert r.status_code == 200
    assert r.json["approved_at"] is not None and r.json["approved_at"] == r.json["decided_at"]
    assert r.json["decided_by_id"] == world.accounts["community_admin"].id and r.json["ended_at"] is None
    assert [(e["action"], e["from_status"], e["to_status"]) for e in r.json["events"]] == [
        ("filed", None, "pending"),
        ("approved", "pending", "approved"),
    ]
    assert r.json["events"][1]["actor_name"] == "金山书记"
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == filed.json["id"])))
    assert {"registration.file", "registration.approve"} <= actions


def test_rejection_needs_a_reason_and_keeps_it(api, world, session):
    filed = api.as_("member").post("/api/v1/registrations", json={"community_id": world.community_a.id, "side": "unit"})
    url = f"/api/v1/registrations/{filed.json['id']}/reject"
    admin = api.as_("community_admin")
    assert admin.post(url, json={}).status_code == 422
    r = admin.post(url, json={"reason": "  "})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = admin.post(url, json={"reason": "单位证明未上传"})
    assert r.status_code == 200 and r.json["status"] == "rejected" and r.json["reason"] == "单位证明未上传"
    assert r.json["events"][-1]["reason"] == "单位证明未上传" and r.json["approved_at"] is None
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.reject"))
    assert audit.details["reason"] == "单位证明未上传" and audit.actor_id == world.accounts["community_admin"].id
    # A rejected registration does not block a new one.
    again = api.as_("member").post("/api/v1/registrations", json={"community_id": world.community_a.id, "side": "unit"})
    assert again.status_code == 201


def test_withdrawal_ends_the_registration_and_keeps_the_why(api, world, session, settled):
    registration_id = make_registration(session, world.member_a, world.community_a, "unit").id
    settled()
    r = api.as_("member").post(f"/api/v1/registrations/{registration_id}/withdraw", json={"reason": "已调离税务局"})
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    again = api.as_("member").post(f"/api/v1/registrations/{registration_id}/withdraw")  # no body at all
    assert again.status_code == 409 and again.json["error"]["details"]["allowed"] == []
    assert r.json["ended_at"] is not None and r.json["approved_at"] is not None and r.json["reason"] == "已调离税务局"
    assert api.as_("member").get(f"/api/v1/members/{world.member_a.id}/registrations").json["missing"] == [
        "residence",
        "unit",
    ]


def test_only_the_right_people_may_move_a_registration(api, world, session, settled):
    pending = make_registration(session, world.member_a, world.community_a, "residence", status="pending").id
    approved = make_registration(session, world.member_a, world.community_a, "unit").id
    settled()
    # The member sees their own, but may not approve it.
    assert api.as_("member").post(f"/api/v1/registrations/{pending}/approve").status_code == 403
    # A grid worker reads the community, the unit admin reads its members: neither approves.
    assert api.as_("grid_worker").post(f"/api/v1/registrations/{pending}/approve").status_code == 403
    assert api.as_("unit_admin").post(f"/api/v1/registrations/{pending}/approve").status_code == 403
    # Withdrawing is the member's own act.
    assert api.as_("community_admin").post(f"/api/v1/registrations/{approved}/withdraw", json={}).status_code == 403
    assert session.get(Registration, pending).status == "pending"
    assert session.get(Registration, approved).status == "approved"


def test_moving_house_supersedes_the_old_residence_and_keeps_history(api, world, session, settled):
    old_id = make_registration(session, world.member_a, world.community_a, "residence").id
    settled()
    moved = api.as_("city_admin").patch(
        f"/api/v1/members/{world.member_a.id}", json={"home_building_id": world.building_b.id}
    )
    assert moved.status_code == 200
    filed = api.as_("member").post(
        "/api/v1/registrations", json={"community_id": world.community_b.id, "side": "residence"}
    )
    assert filed.status_code == 201
    # Until the new community approves, the old registration still counts.
    status = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/registrations").json
    assert status["active"] == {"residence": world.community_a.id} and status["pending"] == {
        "residence": world.community_b.id
    }

    approved = api.as_("other_community_admin").post(f"/api/v1/registrations/{filed.json['id']}/approve")
    assert approved.status_code == 200
    old = api.as_("member").get(f"/api/v1/registrations/{old_id}").json
    assert old["status"] == "superseded" and old["superseded_by_id"] == filed.json["id"]
    assert old["ended_at"] == approved.json["approved_at"] and old["approved_at"] is not None
    assert [e["action"] for e in old["events"]] == ["filed", "superseded"]
    assert old["events"][-1]["actor_id"] == world.accounts["other_community_admin"].id

    status = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/registrations").json
    assert status["active"] == {"residence": world.community_b.id}
    assert {i["id"]: i["status"] for i in status["items"]} == {old_id: "superseded", filed.json["id"]: "approved"}
    # The old community's admin can still read the history of its own record.
    assert api.as_("community_admin").get(f"/api/v1/registrations/{old_id}").json["status"] == "superseded"


def test_at_most_one_active_and_one_pending_per_side_in_the_database(session, world):
    make_registration(session, world.member_a, world.community_a, "residence", status="approved")
    make_registration(session, world.member_a, world.community_b, "unit", status="approved")  # other side: fine
    make_registration(session, world.member_a, world.community_a, "residence", status="withdrawn")  # ended: fine
    session.commit()
    with pytest.raises(IntegrityError):
        make_registration(session, world.member_a, world.community_b, "residence", status="approved")
    session.rollback()
    make_registration(session, world.member_a, world.community_b, "residence", status="pending")
    session.commit()
    with pytest.raises(IntegrityError):
        make_registration(session, world.member_a, world.community_a, "residence", status="pending")
    session.rollback()


def test_approving_never_leaves_two_active_on_a_side(api, world, session, settled):
    make_registration(session, world.member_a, world.community_a, "unit")
    pending = make_registration(session, world.member_a, world.community_b, "unit", status="pending").id
    settled()
    assert api.as_("other_community_admin").post(f"/api/v1/registrations/{pending}/approve").status_code == 200
    active = session.scalars(
        select(Registration).where(
            Registration.member_id == world.member_a.id, Registration.side == "unit", Registration.status == "approved"
        )
    ).all()
    assert [r.id for r in active] == [pending]
    assert (
        session.scalar(select(RegistrationEvent.action).where(RegistrationEvent.action == "superseded")) == "superseded"
    )
