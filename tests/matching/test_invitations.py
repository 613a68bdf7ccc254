"""Invitations: one-click invite, accept (an atomic claim), decline and expiry (the next best is asked)."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from service.database import db
from service.errors import Conflict, DomainError
from service.matching import invitations
from service.notifications.models import Notification
from service.periods import app_timezone
from service.tasks.models import Claim, Invitation, Task
from tests.factories import make_member, make_registration, settle

from .conftest import free_all_week, member_scope, plumbing_task, staff_scope, utcnow


def _statuses(session, task_id):
    session.rollback()
    return [
        (i.member_id, i.status)
        for i in session.scalars(select(Invitation).where(Invitation.task_id == task_id).order_by(Invitation.id))
    ]


def test_invite_then_accept_makes_the_claim(session, crew, api):
    task = plumbing_task(session, crew)
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.a.id})
    assert r.status_code == 201, r.json
    inv = r.json
    assert inv["status"] == "pending" and inv["reason"].startswith("同楼栋 · 会水电维修") and inv["score"] > 0
    # Deadline: 24 h by default.
    mine = api.as_("member").get("/api/v1/invitations").json
    assert [i["id"] for i in mine["items"]] == [inv["id"]] and mine["items"][0]["task_title"] == task.title
    session.rollback()
    note = session.scalar(select(Notification).where(Notification.kind == "invitation.new"))
    assert note.link == f"/invitations#invitation-{inv['id']}" and note.title == f"派单邀请：{task.title}"
    row = session.get(Invitation, inv["id"])
    assert abs((row.expires_at - row.created_at) - timedelta(hours=24)) < timedelta(seconds=5)
    session.rollback()
    # Someone else cannot answer it; the member can, once.
    assert api.as_("wang").post(f"/api/v1/invitations/{inv['id']}/accept").status_code == 404
    r = api.as_("member").post(f"/api/v1/invitations/{inv['id']}/accept")
    assert r.status_code == 200, r.json
    assert r.json["invitation"]["status"] == "accepted" and r.json["claim"]["status"] == "claimed"
    assert api.as_("member").post(f"/api/v1/invitations/{inv['id']}/accept").status_code == 409
    session.rollback()
    assert session.get(Task, task.id).taken == 1


def test_a_member_outside_the_staff_scope_cannot_be_invited(session, crew, api, world):
    task = plumbing_task(session, crew)
    # 李四 lives and is registered in community B only: to A's admin, no such member.
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": world.member_b.id})
    assert r.status_code == 404
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_one_pending_invitation_per_slot_and_no_duplicates(session, crew, api):
    task = plumbing_task(session, crew, slots=1)
    staff = api.as_("community_admin")
    assert staff.post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.a.id}).status_code == 201
    again = staff.post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.a.id})
    assert again.status_code == 409
    full = staff.post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.wang.id})
    assert full.status_code == 409 and "名额" in full.json["error"]["message"]


def test_an_invitation_cannot_override_a_missing_skill(session, crew, api):
    task = plumbing_task(session, crew)
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.zhao.id})
    assert r.status_code == 422 and "水电维修" in r.json["error"]["message"]
    # ...but it does answer "not registered": the invitation is the permission.
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.sun.id})
    assert r.status_code == 201


def test_a_decline_offers_the_slot_to_the_next_best(session, crew, api):
    task = plumbing_task(session, crew)
    inv = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.a.id}).json
    r = api.as_("member").post(f"/api/v1/invitations/{inv['id']}/decline", json={"reason": "那天出差"})
    assert r.status_code == 200, r.json
    assert r.json["invitation"]["status"] == "declined" and r.json["next_invitation_id"]
    assert _statuses(session, task.id) == [(crew.a.id, "declined"), (crew.wang.id, "pending")]
    # 王五 declines too: 周九 (far, but eligible) is next; then nobody is left.
    nxt = api.as_("wang").post(f"/api/v1/invitations/{r.json['next_invitation_id']}/decline", json={})
    assert nxt.status_code == 200
    assert _statuses(session, task.id)[-1] == (crew.zhou.id, "pending")
    last = api.as_("zhou").post(f"/api/v1/invitations/{nxt.json['next_invitation_id']}/decline")
    assert last.status_code == 200 and last.json["next_invitation_id"] is None


def test_expiry_offers_the_slot_to_the_next_best(session, crew):
    task = plumbing_task(session, crew)
    now = utcnow()
    first = invitations.invite(session, staff_scope(session, crew.world), task.id, crew.a.id, now, hours=2)
    session.commit()
    assert invitations.expire_and_reoffer(session, now + timedelta(hours=1), app_timezone()) == 0
    assert invitations.expire_and_reoffer(session, now + timedelta(hours=2, minutes=1), app_timezone()) == 1
    session.commit()
    assert _statuses(session, task.id) == [(crew.a.id, "expired"), (crew.wang.id, "pending")]
    session.rollback()
    assert session.get(Invitation, first.id).status == "expired"
    # The expired one can no longer be accepted.
    try:
        invitations.accept(session, member_scope(crew.a.id), first.id, now + timedelta(hours=3))
        raise AssertionError("accepted an expired invitation")
    except Conflict:
        session.rollback()


def test_a_dispatch_invitation_past_its_deadline_cannot_be_accepted(session, crew):
    task = plumbing_task(session, crew)
    now = utcnow()
    inv = invitations.invite(session, staff_scope(session, crew.world), task.id, crew.a.id, now, hours=1)
    session.commit()
    try:
        invitations.accept(session, member_scope(crew.a.id), inv.id, now + timedelta(hours=2))
        raise AssertionError("accepted after the deadline")
    except Conflict as error:
        assert "过期" in error.message
    session.rollback()


def test_concurrent_accepts_never_overbook(app, session, loop):
    """Eight members hold invitations to a two-slot task (written directly, as if staff
    over-invited) and accept at the same instant; one member also double-clicks."""
    members = []
    for i in range(8):
        m = make_member(session, f"志愿者{i}", building=loop.building_a)
        make_registration(session, m, loop.community_a, "residence")
        free_all_week(session, m)
        members.append(m.id)
    settle(session)
    task_id = plumbing_task(session, SimpleWorld(loop), slots=2, skills=()).id
    invitation_ids = []
    for m in members:
        inv = Invitation(task_id=task_id, member_id=m, status="pending", expires_at=utcnow() + timedelta(hours=5))
        session.add(inv)
        session.flush()
        invitation_ids.append((m, inv.id))
    session.commit()
    session.close()  # let go of the test's own transaction before the threads start
    jobs = invitation_ids + [invitation_ids[0]]  # the first member clicks twice
    barrier = threading.Barrier(len(jobs), timeout=60)
    accepted, refused, unexpected = [], [], []

    def worker(member_id, invitation_id):
        with app.app_context():
            try:
                barrier.wait()
                invitations.accept(db.session, member_scope(member_id), invitation_id, utcnow())
                db.session.commit()
                accepted.append(member_id)
            except DomainError as exc:
                db.session.rollback()
                refused.append(exc)
            except Exception as exc:  # reported below, never silently lost
                db.session.rollback()
                unexpected.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert unexpected == []
    assert len(accepted) == 2 and len(refused) == len(jobs) - 2
    with app.app_context():
        task = db.session.get(Task, task_id)
        held = db.session.scalar(
            select(func.count()).select_from(Claim).where(Claim.task_id == task_id, Claim.status == "claimed")
        )
        assert (task.taken, task.status, held) == (2, "full", 2)
        statuses = db.session.scalars(select(Invitation.status).where(Invitation.task_id == task_id)).all()
        assert sorted(statuses).count("accepted") == 2 and statuses.count("pending") == 6
        db.session.remove()


class SimpleWorld:
    """``plumbing_task`` wants a crew; the storm only needs its world."""

    def __init__(self, world):
        self.world = world
