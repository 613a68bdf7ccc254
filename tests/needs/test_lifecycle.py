"""The state machine: every allowed step, every refused one (409 with what is allowed), and the history."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from service.database import utcnow
from service.errors import Conflict
from service.needs import service
from service.needs.models import STATUSES, Need
from service.notifications.models import Notification
from tests.factories import make_need, settle
from tests.needs.conftest import public_need

ACTION_BODIES = {
    "accept": {},
    "reject": {"reason": "不属于社区职责范围"},
    "transfer": {"department_id": None},  # filled in per test
    "resolve": {"result": "已更换灯泡"},
    "reopen": {"reason": "灯又坏了"},
}
ALLOWED = {
    "submitted": ["accept", "reject"],
    "accepted": ["start", "transfer"],
    "in_progress": ["resolve"],
    "transferred": ["resolve"],
    "resolved": ["rate", "reopen", "close"],
    "rejected": [],
    "closed": [],
}


def _body(action, world):
    body = dict(ACTION_BODIES[action])
    if action == "transfer":
        body["department_id"] = world.departments[0].id
    return body


def _notes(session, account_id, kind):
    return session.scalars(
        select(Notification.title).where(Notification.account_id == account_id, Notification.kind == kind)
    ).all()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["accept", "reject", "transfer", "resolve", "reopen"])
def test_every_staff_action_from_every_status(api, needs_world, session, status, action):
    owner = needs_world.accounts["community_admin"]
    need = make_need(session, needs_world.community_a, needs_world.building_a, status=status, owner=owner)
    need_id = need.id
    settle(session)
    r = api.as_("community_admin").post(f"/api/v1/needs/{need_id}/{action}", json=_body(action, needs_world))
    if action in ALLOWED[status]:
        assert r.status_code == 200, r.json
        expected = {
            "accept": "accepted",
            "reject": "rejected",
            "transfer": "transferred",
            "resolve": "resolved",
            "reopen": "accepted",
        }[action]
        assert r.json["status"] == expected
        last = r.json["events"][-1]
        assert (last["from_status"], last["to_status"]) == (status, expected)
        assert last["actor_id"] == owner.id
    else:
        assert r.status_code == 409, r.json
        assert r.json["error"]["details"]["allowed"] == ALLOWED[status]
        assert r.json["error"]["details"]["current_status"] == status
        assert session.get(Need, need_id).status == status


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "resolved"])
def test_feedback_is_refused_unless_resolved(api, needs_world, session, status):
    need = make_need(session, needs_world.community_a, needs_world.building_a, status=status)
    code = need.tracking_code
    settle(session)
    r = api.post(f"/api/v1/needs/track/{code}/feedback", json={"stars": 5, "phone_last4": "5678"})
    assert r.status_code == 409 and r.json["error"]["details"]["allowed"] == ALLOWED[status]


def test_the_whole_loop_through_a_department(api, needs_world, session, sms):
    admin = api.as_("community_admin")
    code = api.post("/api/v1/needs", json=public_need(needs_world)).json["tracking_code"]
    need_id = session.scalar(select(Need.id).where(Need.tracking_code == code))
    r = admin.post(f"/api/v1/needs/{need_id}/accept", json={"beneficiary_group": "hardship"})
    assert r.json["owner_id"] == needs_world.accounts["community_admin"].id  # 首问负责: the caller by default
    assert r.json["beneficiary_group"] == "hardship"
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    r = admin.post(
        f"/api/v1/needs/{need_id}/transfer",
        json={"department_id": needs_world.departments[0].id, "due_at": due.isoformat()},
    )
    assert r.status_code == 200 and r.json["department_name"] == "城管"
    assert datetime.fromisoformat(r.json["due_at"]) == due
    assert "城管" in r.json["events"][-1]["note"]
    r = admin.post(f"/api/v1/needs/{need_id}/resolve", json={"result": "城管已清理占道摊点"})
    assert r.json["status"] == "resolved" and r.json["resolved_at"]
    r = api.post(f"/api/v1/needs/track/{code}/feedback", json={"stars": 5, "comment": "很满意", "phone_last4": "5678"})
    assert r.status_code == 200 and r.json["status"] == "closed" and r.json["rating"] == 5
    history = api.as_("community_admin").get(f"/api/v1/needs/{need_id}").json["events"]
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history] == [
        ("submitted", None, "submitted"),
        ("accepted", "submitted", "accepted"),
        ("transferred", "accepted", "transferred"),
        ("resolved", "transferred", "resolved"),
        ("rated", "resolved", "closed"),
    ]
    assert history[-1]["actor_id"] is None  # the resident
    texts = sms.to("13912345678")
    assert any("城管" in t for t in texts) and any("已办结" in t for t in texts)


def test_transfer_without_a_date_takes_the_departments_span(api, needs_world, session):
    need = make_need(session, needs_world.community_a, needs_world.building_a, status="accepted")
    need_id = need.id
    settle(session)
    before = utcnow()
    r = api.as_("community_admin").post(
        f"/api/v1/needs/{need_id}/transfer", json={"department_id": needs_world.departments[1].id}
    )
    due = datetime.fromisoformat(r.json["due_at"])
    assert before + timedelta(days=3) <= due <= utcnow() + timedelta(days=3)
    past = (utcnow() - timedelta(hours=1)).isoformat()
    need2 = make_need(session, needs_world.community_a, status="accepted")
    settle(session)
    r = api.as_("community_admin").post(
        f"/api/v1/needs/{need2.id}/transfer", json={"department_id": needs_world.departments[0].id, "due_at": past}
    )
    assert r.status_code == 422 and "due_at" in r.json["error"]["fields"]


def test_transfer_to_a_retired_or_unknown_department_is_refused(api, needs_world, session):
    need = make_need(session, needs_world.community_a, status="accepted")
    settle(session)
    api.as_("city_admin").patch(f"/api/v1/departments/{needs_world.departments[0].id}", json={"active": False})
    for department_id in (needs_world.departments[0].id, 9999):
        r = api.as_("community_admin").post(f"/api/v1/needs/{need.id}/transfer", json={"department_id": department_id})
        assert r.status_code == 422 and "department_id" in r.json["error"]["fields"]


def test_accept_names_another_owner_who_is_told(api, needs_world, session):
    need = make_need(session, needs_world.community_a, needs_world.building_a)
    settle(session)
    worker = needs_world.accounts["grid_worker"]
    r = api.as_("community_admin").post(f"/api/v1/needs/{need.id}/accept", json={"owner_account_id": worker.id})
    assert r.status_code == 200 and r.json["owner_name"] == worker.name
    assert _notes(session, worker.id, "need.owner")


def test_owner_must_be_staff_of_that_place(api, needs_world, session):
    need = make_need(session, needs_world.community_a, needs_world.building_a)
    settle(session)
    for account in ("other_community_admin", "member", "unit_admin"):
        r = api.as_("community_admin").post(
            f"/api/v1/needs/{need.id}/accept", json={"owner_account_id": needs_world.accounts[account].id}
        )
        assert r.status_code == 422 and "owner_account_id" in r.json["error"]["fields"], account


def test_raising_urgency_at_acceptance_shortens_the_limit_from_submission(api, needs_world, session):
    created = utcnow() - timedelta(hours=2)
    need = make_need(session, needs_world.community_a, needs_world.building_a, created_at=created)
    settle(session)
    r = api.as_("community_admin").post(f"/api/v1/needs/{need.id}/accept", json={"urgency": "urgent"})
    assert datetime.fromisoformat(r.json["due_at"]) == created + timedelta(hours=24)


def test_grid_workers_see_but_only_managers_accept_and_owners_resolve(api, needs_world, session):
    worker = needs_world.accounts["grid_worker"]
    need = make_need(session, needs_world.community_a, needs_world.building_a)
    mine = make_need(session, needs_world.community_a, needs_world.building_a, status="in_progress", owner=worker)
    theirs = make_need(
        session,
        needs_world.community_a,
        needs_world.building_a,
        status="in_progress",
        owner=needs_world.accounts["community_admin"],
    )
    settle(session)
    grid = api.as_("grid_worker")
    assert grid.get(f"/api/v1/needs/{need.id}").status_code == 200
    assert grid.post(f"/api/v1/needs/{need.id}/accept", json={}).status_code == 403
    assert grid.post(f"/api/v1/needs/{theirs.id}/resolve", json={"result": "好了"}).status_code == 403
    r = grid.post(f"/api/v1/needs/{mine.id}/resolve", json={"result": "已修好"})
    assert r.status_code == 200 and r.json["status"] == "resolved"


def test_reject_needs_a_reason_that_the_resident_sees(api, needs_world, session, sms):
    need = make_need(session, needs_world.community_a, needs_world.building_a)
    settle(session)
    assert api.as_("community_admin").post(f"/api/v1/needs/{need.id}/reject", json={"reason": ""}).status_code == 422
    r = api.as_("community_admin").post(f"/api/v1/needs/{need.id}/reject", json={"reason": "属于私人房屋装修"})
    assert r.json["status"] == "rejected"
    track = api.get(f"/api/v1/needs/track/{need.tracking_code}").json
    assert track["reject_reason"] == "属于私人房屋装修" and track["status"] == "rejected"
    assert any("属于私人房屋装修" in t for t in sms.to("13912345678"))


def test_start_progress_is_the_tasks_packages_door(session, needs_world):
    owner = needs_world.accounts["community_admin"]
    need = make_need(session, needs_world.community_a, needs_world.building_a, status="accepted", owner=owner)
    now = utcnow()
    service.start_progress(session, need, 41, owner.id, now)
    assert need.status == "in_progress"
    service.start_progress(session, need, 42, owner.id, now)  # a second task: noted, no change
    assert need.status == "in_progress"
    assert [(e.action, e.to_status, e.note) for e in need.events[1:]] == [
        ("started", "in_progress", "任务 #41"),
        ("started", "in_progress", "追加任务 #42"),
    ]
    waiting = make_need(session, needs_world.community_a, needs_world.building_a)
    with pytest.raises(Conflict) as refused:
        service.start_progress(session, waiting, 43, owner.id, now)
    assert refused.value.extra["allowed"] == ["accept", "reject"]


def test_low_rating_reopens_for_the_owner_and_high_rating_closes(api, needs_world, session, sms):
    owner = needs_world.accounts["community_admin"]
    need = make_need(session, needs_world.community_a, needs_world.building_a, status="resolved", owner=owner)
    settle(session)
    r = api.post(
        f"/api/v1/needs/track/{need.tracking_code}/feedback",
        json={"stars": 2, "comment": "还是不亮", "phone_last4": "5678"},
    )
    assert r.status_code == 200 and r.json["status"] == "accepted"
    assert r.json["events"][-1]["action"] == "reopened" and "还是不亮" in r.json["events"][-1]["note"]
    assert _notes(session, owner.id, "need.reopened")
    reopened = session.get(Need, need.id)
    assert reopened.due_at > utcnow() + timedelta(days=6)  # a fresh time limit for the second try
    session.close()
    api.as_("community_admin").post(
        f"/api/v1/needs/{need.id}/transfer", json={"department_id": needs_world.departments[1].id}
    )
    api.as_("community_admin").post(f"/api/v1/needs/{need.id}/resolve", json={"result": "物业更换了线路"})
    r = api.post(f"/api/v1/needs/track/{need.tracking_code}/feedback", json={"stars": 4, "phone_last4": "5678"})
    assert r.json["status"] == "closed" and r.json["rating"] == 4


def test_staff_reopen_a_resolved_need(api, needs_world, session):
    owner = needs_world.accounts["grid_worker"]
    need = make_need(session, needs_world.community_a, needs_world.building_a, status="resolved", owner=owner)
    settle(session)
    assert api.as_("community_admin").post(f"/api/v1/needs/{need.id}/reopen", json={"reason": ""}).status_code == 422
    r = api.as_("community_admin").post(f"/api/v1/needs/{need.id}/reopen", json={"reason": "回访发现未解决"})
    assert r.json["status"] == "accepted" and r.json["resolved_at"] is None
    assert _notes(session, owner.id, "need.reopened")


def test_feedback_validates_stars(api, needs_world, session):
    need = make_need(session, needs_world.community_a, status="resolved")
    settle(session)
    for stars in (0, 6, "5", None):
        r = api.post(f"/api/v1/needs/track/{need.tracking_code}/feedback", json={"stars": stars})
        assert r.status_code == 422, stars
    assert session.get(Need, need.id).status == "resolved"
