from sqlalchemy import func, select

from service.notifications.models import Notification
from service.points.models import LedgerEntry
from service.tasks.models import Claim, Invitation, Task
from tests.factories import add_login, make_member, make_registration, settle

from .conftest import make_task


def claim(api, role, task_id, **body):
    return api.as_(role).post(f"/api/v1/tasks/{task_id}/claims", json=body)


def test_registered_member_claims_and_is_notified(api, loop, session):
    task = make_task(session, loop)
    r = claim(api, "member", task.id)
    assert r.status_code == 201 and r.json["status"] == "claimed"
    assert session.get(Task, task.id).taken == 1
    assert (
        session.scalar(select(Notification.kind).where(Notification.account_id == loop.accounts["member"].id))
        == "claim.confirmed"
    )
    assert api.as_("member").get("/api/v1/notifications").json["unread"] == 1


def test_unregistered_member_is_refused_with_a_reason(api, loop, session):
    task = make_task(session, loop, community=loop.community_b)
    r = claim(api, "member", task.id)
    assert r.status_code == 404  # not registered there: the task is not even visible
    everyone = make_task(session, loop, community=loop.community_b, policy="everyone")
    assert claim(api, "member", everyone.id).status_code == 201


def test_invited_only_and_required_skills(api, loop, session):
    invited = make_task(session, loop, policy="invited")
    assert claim(api, "member", invited.id).status_code == 404
    session.add(Invitation(task_id=invited.id, member_id=loop.member_a.id))
    settle(session)
    assert claim(api, "member", invited.id).status_code == 201
    skilled = make_task(session, loop, skills=["nursing"], start=48)
    r = claim(api, "member", skilled.id)
    assert r.status_code == 422 and "nursing" in r.json["error"]["message"]


def test_already_claimed_and_overlap_are_409(api, loop, session):
    first = make_task(session, loop, start=24, length=2)
    overlapping = make_task(session, loop, start=25, length=2, title="义诊")
    assert claim(api, "member", first.id).status_code == 201
    again = claim(api, "member", first.id)
    assert again.status_code == 409 and again.json["error"]["details"]["claim_id"]
    r = claim(api, "member", overlapping.id)
    assert r.status_code == 409 and "楼道清理" in r.json["error"]["message"]


def _second_member(session, world, key="member2"):
    m = make_member(session, "王五", building=world.building_a)
    make_registration(session, m, world.community_a, "residence")
    return add_login(session, world, key, member=m)


def test_full_task_waitlists_or_refuses(api, loop, session):
    task = make_task(session, loop, slots=1)
    _second_member(session, loop)
    assert claim(api, "member", task.id).json["status"] == "claimed"
    assert session.get(Task, task.id).status == "full"
    assert claim(api, "member2", task.id, waitlist=False).status_code == 409
    r = claim(api, "member2", task.id)
    assert r.status_code == 201 and r.json["status"] == "waiting" and r.json["waitlist_position"] == 1


def test_cancel_frees_the_slot_for_the_first_waiting(api, loop, session):
    task = make_task(session, loop, slots=1, start=72)
    _second_member(session, loop)
    mine = claim(api, "member", task.id).json
    waiting = claim(api, "member2", task.id).json
    r = api.as_("member").delete(f"/api/v1/claims/{mine['id']}")
    assert r.status_code == 200 and r.json["status"] == "cancelled" and r.json["late_cancel"] is False
    assert session.get(Claim, waiting["id"]).status == "claimed"
    assert session.get(Task, task.id).taken == 1
    kinds = set(
        session.scalars(select(Notification.kind).where(Notification.account_id == loop.accounts["member2"].id))
    )
    assert "claim.promoted" in kinds


def test_cancelling_within_a_day_is_recorded_as_late(api, loop, session):
    task = make_task(session, loop, start=3)
    mine = claim(api, "member", task.id).json
    assert api.as_("member").delete(f"/api/v1/claims/{mine['id']}").json["late_cancel"] is True


def test_the_whole_claim_path_awards_once(api, loop, session):
    task = make_task(session, loop, start=-1, length=3, beneficiary_group="special")
    c = claim(api, "member", task.id).json
    assert api.as_("member").post(f"/api/v1/claims/{c['id']}/check-in").json["status"] == "checked_in"
    assert api.as_("member").post(f"/api/v1/claims/{c['id']}/done", json={"hours": 99}).status_code == 422
    done = api.as_("member").post(f"/api/v1/claims/{c['id']}/done", json={"hours": 2, "note": "清理三层楼道"})
    assert done.json["status"] == "done" and done.json["hours"] == 2.0
    queue = api.as_("community_admin").get("/api/v1/claims").json
    assert [x["id"] for x in queue["items"]] == [c["id"]]
    first = api.as_("community_admin").post(f"/api/v1/claims/{c['id']}/verify")
    second = api.as_("community_admin").post(f"/api/v1/claims/{c['id']}/verify")
    assert first.status_code == second.status_code == 200
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    entry = session.scalar(select(LedgerEntry))
    assert entry.idempotency_key == f"award:claim:{c['id']}" and entry.amount == 60 and entry.side == "residence"
    assert "特殊群体" in entry.explanation


def test_refused_transitions_answer_409_with_the_allowed_ones(api, loop, session):
    task = make_task(session, loop, start=24)
    c = claim(api, "member", task.id).json
    r = api.as_("community_admin").post(f"/api/v1/claims/{c['id']}/verify")
    assert r.status_code == 409 and r.json["error"]["details"]["allowed"] == ["cancel", "check-in", "done", "no-show"]
    r = api.as_("member").post(f"/api/v1/claims/{c['id']}/check-in")  # a day early
    assert r.status_code == 409
    r = api.as_("community_admin").post(f"/api/v1/claims/{c['id']}/no-show")  # not started yet
    assert r.status_code == 409


def test_reject_needs_a_reason_and_no_show_costs_the_penalty(api, loop, session):
    task = make_task(session, loop, start=-1, length=3)
    _second_member(session, loop)
    a = claim(api, "member", task.id).json
    b = claim(api, "member2", task.id).json
    api.as_("member").post(f"/api/v1/claims/{a['id']}/done", json={"hours": 1})
    assert api.as_("community_admin").post(f"/api/v1/claims/{a['id']}/reject", json={"reason": ""}).status_code == 422
    r = api.as_("community_admin").post(f"/api/v1/claims/{a['id']}/reject", json={"reason": "照片与任务不符"})
    assert r.json["status"] == "rejected"
    r = api.as_("community_admin").post(f"/api/v1/claims/{b['id']}/no-show")
    assert r.json["status"] == "no_show"
    penalty = session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "penalty"))
    assert penalty.amount == -20 and penalty.idempotency_key == f"penalty:claim:{b['id']}"


def test_staff_of_another_community_get_404_on_tasks_and_claims(api, loop, session):
    task = make_task(session, loop, start=-1, length=3)
    c = claim(api, "member", task.id).json
    other = api.as_("other_community_admin")
    assert other.get(f"/api/v1/tasks/{task.id}").status_code == 404
    assert other.patch(f"/api/v1/tasks/{task.id}", json={"title": "x"}).status_code == 404
    assert other.post(f"/api/v1/tasks/{task.id}/cancel", json={}).status_code == 404
    for action in ("verify", "no-show", "check-in"):
        assert other.post(f"/api/v1/claims/{c['id']}/{action}").status_code == 404
    assert other.get(f"/api/v1/claims/{c['id']}").status_code == 404
    assert other.get(f"/api/v1/members/{loop.member_a.id}/claims").status_code == 404
    assert other.get("/api/v1/tasks").json["total"] == 0
    assert other.get("/api/v1/claims?status=claimed").json["total"] == 0


def test_task_creation_is_validated_and_scoped(api, loop):
    body = {
        "title": "便民理发",
        "community_id": loop.community_a.id,
        "category": "everyday_help",
        "slots": 3,
        "starts_at": "2030-05-01T09:00:00+08:00",
        "ends_at": "2030-05-01T11:00:00+08:00",
        "required_skills": ["haircut"],
    }
    r = api.as_("community_admin").post("/api/v1/tasks", json=body)
    assert r.status_code == 201 and r.json["status"] == "open" and r.json["required_skills"] == ["haircut"]
    assert api.as_("community_admin").post("/api/v1/tasks", json=dict(body, category="karaoke")).status_code == 422
    assert (
        api.as_("community_admin")
        .post("/api/v1/tasks", json=dict(body, ends_at="2030-05-01T08:00:00+08:00"))
        .status_code
        == 422
    )
    assert (
        api.as_("community_admin").post("/api/v1/tasks", json=dict(body, place_id=loop.building_b.id)).status_code
        == 422
    )
    assert (
        api.as_("community_admin").post("/api/v1/tasks", json=dict(body, community_id=loop.community_b.id)).status_code
        == 404
    )
    assert api.as_("grid_worker").post("/api/v1/tasks", json=body).status_code == 403
    assert api.as_("community_admin").post("/api/v1/tasks", json=dict(body, slots=0)).status_code == 422


def test_task_transitions_and_cancellation_notifies_claimants(api, loop, session):
    task = make_task(session, loop, status="draft")
    admin = api.as_("community_admin")
    assert claim(api, "member", task.id).status_code == 404  # drafts are invisible to members
    assert admin.post(f"/api/v1/tasks/{task.id}/complete", json={}).json["error"]["details"]["allowed"] == [
        "cancel",
        "publish",
    ]
    assert admin.post(f"/api/v1/tasks/{task.id}/publish", json={}).json["status"] == "open"
    assert claim(api, "member", task.id).status_code == 201
    r = admin.post(f"/api/v1/tasks/{task.id}/cancel", json={"reason": "暴雨"})
    assert r.json["status"] == "cancelled"
    assert session.scalar(select(Claim.status)) == "cancelled"
    kinds = list(
        session.scalars(select(Notification.kind).where(Notification.account_id == loop.accounts["member"].id))
    )
    assert "task.cancelled" in kinds


def test_raising_slots_promotes_the_waitlist_and_lowering_below_claims_is_refused(api, loop, session):
    task = make_task(session, loop, slots=1)
    _second_member(session, loop)
    claim(api, "member", task.id)
    waiting = claim(api, "member2", task.id).json
    admin = api.as_("community_admin")
    assert admin.patch(f"/api/v1/tasks/{task.id}", json={"slots": 2}).json["taken"] == 2
    assert session.get(Claim, waiting["id"]).status == "claimed"
    assert admin.patch(f"/api/v1/tasks/{task.id}", json={"slots": 1}).status_code == 409


def test_task_hall_lists_claimable_tasks_nearest_first(api, loop, session):
    far = make_task(session, loop, start=5, title="社区广场活动")
    near = make_task(session, loop, start=30, title="本楼栋探访", place_id=loop.building_a.id)
    make_task(session, loop, start=5, community=loop.community_b, title="别的社区")
    titles = [t["title"] for t in api.as_("member").get("/api/v1/tasks").json["items"]]
    assert titles == ["本楼栋探访", "社区广场活动"]
    item = api.as_("member").get(f"/api/v1/tasks/{near.id}").json
    assert "beneficiary_group" not in item and far.id


def test_task_hall_filters_and_shows_invitations_only_to_the_invitee(api, loop, session):
    """Each filter narrows the hall; a task open by invitation appears for the invitee alone."""
    from service.periods import app_timezone
    from service.tasks.service import task_hall

    from .conftest import hours_from_now

    make_task(session, loop, start=5, title="清扫", category="environment")
    nursing = make_task(session, loop, start=60, title="护理", category="care", skills=["nursing"])
    elsewhere = make_task(session, loop, start=6, title="外社区", community=loop.community_b, policy="everyone")
    invited = make_task(session, loop, start=7, title="受邀任务", policy="invited")
    member = api.as_("member")

    def titles(query=""):
        return sorted(t["title"] for t in member.get(f"/api/v1/tasks{query}").json["items"])

    assert titles() == sorted(["清扫", "护理", "外社区"])
    assert titles("?skill=nursing") == ["护理"]
    assert titles(f"?community_id={loop.community_b.id}") == ["外社区"]
    day = nursing.starts_at.astimezone(app_timezone()).date()  # its day begins after every other task ends
    assert titles(f"?date={day.isoformat()}") == ["护理"]
    session.add(Invitation(task_id=invited.id, member_id=loop.member_a.id))
    settle(session)
    assert "受邀任务" in titles()
    # The page's path (ORM objects) sees the same tasks, filtered by category.
    hall = task_hall(session, loop.member_a.id, hours_from_now(0), category="care")
    assert [t.id for t in hall["items"]] == [nursing.id] and hall["total"] == 1
    assert elsewhere.id not in [
        t.id for t in task_hall(session, loop.member_a.id, hours_from_now(0), community_id=loop.community_a.id)["items"]
    ]


def test_task_hall_pages_count_every_claimable_task(api, loop, session):
    """The count rides on the page's rows; past the last page it is still the whole count."""
    for hours in range(3):
        make_task(session, loop, start=5 + hours, title=f"任务 {hours}")
    member = api.as_("member")
    first = member.get("/api/v1/tasks?page=1&per_page=2").json
    second = member.get("/api/v1/tasks?page=2&per_page=2").json
    beyond = member.get("/api/v1/tasks?page=9&per_page=2").json
    assert [len(first["items"]), len(second["items"]), len(beyond["items"])] == [2, 1, 0]
    assert first["total"] == second["total"] == beyond["total"] == 3
    assert first["items"][0]["community_name"] and first["items"][0]["place_name"]
