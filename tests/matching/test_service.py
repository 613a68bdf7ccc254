"""The matcher on live data: loading, settings, standing pairs, and dispatch preview versus send."""

from datetime import timedelta

from sqlalchemy import func, select

from service.matching import loading, service
from service.matching.models import AreaNeighbour, DispatchRun, MatchingSettings
from service.notifications.models import Notification
from service.periods import app_timezone
from service.tasks.models import Invitation
from tests.factories import make_area, make_member, make_registration, settle

from .conftest import free_all_week, plumbing_task, staff_scope, utcnow


def _window(hours_from=0, hours_to=24 * 7):
    now = utcnow()
    return now + timedelta(hours=hours_from), now + timedelta(hours=hours_to)


def test_loading_fills_the_arrays_from_the_tables(session, crew):
    task = plumbing_task(session, crew, slots=3)
    now = utcnow()
    loaded = loading.load(session, loading.TaskFilter(task_ids=(task.id,)), now=now, tz=app_timezone())
    p = loaded.problem
    # Everyone registered in the community or living in it (active), nobody from community B.
    assert set(loaded.member_row) == {crew.a.id, crew.wang.id, crew.zhou.id, crew.zhao.id, crew.qian.id, crew.sun.id}
    m = loaded.member_row[crew.a.id]
    assert p.members.residence_community[m] == crew.world.community_a.id
    assert p.members.home_building[m] == crew.world.building_a.id
    assert p.members.home_zones[m, 0] == crew.world.grid_a.id
    assert p.members.home_community[m] == crew.world.community_a.id
    assert p.members.avail_ptr[m + 1] - p.members.avail_ptr[m] == 7
    assert p.tasks.place_building[0] == crew.world.building_a.id and p.tasks.slots[0] == 3
    assert loaded.vocabulary.names_zh[loaded.vocabulary.codes.index("plumbing")] == "水电维修"
    assert p.members.unit_community[loaded.member_row[crew.zhou.id]] == crew.world.community_a.id


def test_history_feeds_fairness_and_reliability(session, crew, api):
    done = plumbing_task(session, crew, start=2, slots=2, skills=())
    assert api.as_("member").post(f"/api/v1/tasks/{done.id}/claims", json={}).status_code == 201
    task = plumbing_task(session, crew, start=72)
    loaded = loading.load(session, loading.TaskFilter(task_ids=(task.id,)), now=utcnow(), tz=app_timezone())
    p = loaded.problem
    assert p.members.recent_tasks[loaded.member_row[crew.a.id]] == 1
    assert p.members.recent_tasks[loaded.member_row[crew.wang.id]] == 0
    items = service.candidates_for_task(session, staff_scope(session, crew.world), task.id, utcnow())["items"]
    # 王五 has served less this month: fairness now puts him ahead of 张三.
    assert [i["member_id"] for i in items][:2] == [crew.wang.id, crew.a.id]


def test_area_settings_change_the_weights(session, crew):
    task = plumbing_task(session, crew)
    session.add(MatchingSettings(area_id=crew.world.community_a.id, weights={"near": 0.0}, invitation_hours=6))
    session.commit()
    loaded = loading.load(session, loading.TaskFilter(task_ids=(task.id,)), now=utcnow(), tz=app_timezone())
    assert loaded.problem.weights["near"] == 0.0 and loaded.invitation_hours == 6
    items = service.candidates_for_task(session, staff_scope(session, crew.world), task.id, utcnow())["items"]
    assert items[0]["breakdown"]["near"] == 0.0


def test_neighbouring_grids_count_as_near(session, crew):
    w = crew.world
    grid_c = make_area(session, "grid", "金山第二网格", w.community_a)
    building_c = make_area(session, "building", "金山9栋", grid_c)
    neighbour = make_member(session, "吴十", building=building_c, skills=["plumbing"])
    make_registration(session, neighbour, w.community_b, "residence")  # registered elsewhere: everyone-task only
    free_all_week(session, neighbour)
    session.add(AreaNeighbour(area_id=w.grid_a.id, neighbour_id=grid_c.id))
    settle(session)
    task = plumbing_task(session, crew, policy="everyone")
    items = service.candidates_for_task(session, staff_scope(session, w), task.id, utcnow())["items"]
    row = next(i for i in items if i["member_id"] == neighbour.id)
    assert "同社区" in row["text"]["zh"] or "相邻网格" in row["text"]["zh"]


def test_standing_pairs_lift_the_paired_member(session, crew, monkeypatch):
    task = plumbing_task(session, crew)
    monkeypatch.setattr(loading, "task_beneficiaries", lambda session, ids: {task.id: 777})
    loaded = loading.load(
        session,
        loading.TaskFilter(task_ids=(task.id,)),
        now=utcnow(),
        tz=app_timezone(),
        standing_pairs={crew.zhou.id: [777]},
    )
    from service.matching import build_candidates, suggest

    top = suggest(loaded.problem, build_candidates(loaded.problem), 0)[0]
    assert top.member_id == crew.zhou.id and top.reasons[0].zh == "结对帮扶对象"
    # Without the pairs package's model the hook answers nothing, and nothing breaks.
    assert isinstance(loading.standing_pairs_for(session, [crew.a.id]), dict)


def test_dispatch_preview_writes_nothing_and_send_invites(session, crew):
    w = crew.world
    scope = staff_scope(session, w)
    first = plumbing_task(session, crew, start=30, slots=1, title="修水管")
    second = plumbing_task(session, crew, start=54, slots=2, title="换水龙头")
    nursing = plumbing_task(session, crew, start=60, slots=1, title="上门护理", skills=("nursing",))
    start, end = _window()
    plan = service.preview_dispatch(session, scope, w.community_a.id, start, end, utcnow())
    assert plan.solver == "exact" and plan.tasks == 3 and plan.slots == 4 and plan.filled == 3
    pairs = [(a["task_id"], a["member_id"]) for a in plan.assignments]
    assert {m for _t, m in pairs} <= {crew.a.id, crew.wang.id, crew.zhou.id}
    assert sorted(t for t, _m in pairs) == [first.id, second.id, second.id] and len(set(pairs)) == 3
    assert all(a["text"]["zh"] for a in plan.assignments)
    unfilled = {u["task_id"]: u for u in plan.unfilled}
    assert unfilled[nursing.id]["reasons"][0]["code"] == "no_eligible"
    assert unfilled[nursing.id]["reasons"][0]["zh"] == "没有符合条件的人选"
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0
    greedy = service.preview_dispatch(session, scope, w.community_a.id, start, end, utcnow(), method="greedy")
    assert greedy.solver == "greedy" and greedy.filled <= plan.filled

    sent = service.send_dispatch(session, scope, w.community_a.id, start, end, utcnow(), hours=12)
    session.commit()
    assert sent.dispatch_id and len(sent.invitations) == sent.filled == 3
    assert {(i.task_id, i.member_id) for i in sent.invitations} == {
        (a["task_id"], a["member_id"]) for a in sent.assignments
    }
    run = session.get(DispatchRun, sent.dispatch_id)
    assert (run.solver, run.filled, run.slots) == ("exact", 3, 4) and run.unfilled[0]["task_id"] == nursing.id
    inv = sent.invitations[0]
    assert inv.dispatch_id == run.id and inv.expires_at - inv.created_at <= timedelta(hours=12)
    assert (
        session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "invitation.new")) >= 2
    )
    # Pending invitations hold their slots: a second run finds only the nursing slot open.
    again = service.preview_dispatch(session, scope, w.community_a.id, start, end, utcnow())
    assert again.slots == 1 and again.filled == 0


def test_dispatch_respects_scope_and_window(session, crew):
    w = crew.world
    other = staff_scope(session, w, "other_community_admin")
    start, end = _window()
    import pytest

    from service.errors import Forbidden, Invalid, NotFound

    with pytest.raises(NotFound):
        service.preview_dispatch(session, other, w.community_a.id, start, end, utcnow())
    with pytest.raises(Forbidden):
        service.preview_dispatch(
            session, staff_scope(session, w, "grid_worker"), w.community_a.id, start, end, utcnow()
        )
    with pytest.raises(Invalid):
        service.preview_dispatch(session, staff_scope(session, w), w.community_a.id, end, start, utcnow())
    with pytest.raises(Invalid):
        service.preview_dispatch(
            session, staff_scope(session, w), w.community_a.id, start, start + timedelta(days=40), utcnow()
        )
