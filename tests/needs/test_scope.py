"""Staff see needs inside their scope; everything else is 404 (never 403), and anonymous callers 401."""

import pytest

from tests.factories import make_need, settle

ACTIONS = {
    "accept": {},
    "reject": {"reason": "x"},
    "transfer": {"department_id": 1},
    "resolve": {"result": "x"},
    "reopen": {"reason": "x"},
}


@pytest.fixture
def two_needs(session, needs_world):
    a = make_need(session, needs_world.community_a, needs_world.building_a, status="submitted")
    b = make_need(session, needs_world.community_b, needs_world.building_b, status="submitted")
    ids = (a.id, b.id)
    settle(session)
    return ids


@pytest.mark.parametrize("status", ["submitted", "accepted", "in_progress", "resolved"])
def test_another_communitys_admin_gets_404_on_every_record(api, needs_world, session, status):
    need = make_need(session, needs_world.community_a, needs_world.building_a, status=status)
    need_id = need.id
    settle(session)
    other = api.as_("other_community_admin")
    assert other.get(f"/api/v1/needs/{need_id}").status_code == 404
    for action, body in ACTIONS.items():
        r = other.post(f"/api/v1/needs/{need_id}/{action}", json=body)
        assert r.status_code == 404, (action, r.json)
    assert api.as_("community_admin").get(f"/api/v1/needs/{need_id}").status_code == 200


def test_lists_hold_only_needs_in_scope(api, needs_world, two_needs):
    a, b = two_needs
    ids = lambda role: {n["id"] for n in api.as_(role).get("/api/v1/needs").json["items"]}
    assert ids("community_admin") == {a} and ids("other_community_admin") == {b}
    assert ids("street_admin") == {a} and ids("city_admin") == {a, b}
    assert ids("member") == set() and ids("unit_admin") == set()
    r = api.as_("community_admin").get(f"/api/v1/needs?area_id={needs_world.community_b.id}")
    assert r.status_code == 404


def test_anonymous_calls_to_staff_endpoints_are_401(api, two_needs, needs_world):
    a, _b = two_needs
    assert api.get("/api/v1/needs").status_code == 401
    assert api.get(f"/api/v1/needs/{a}").status_code == 401
    for action, body in ACTIONS.items():
        assert api.post(f"/api/v1/needs/{a}/{action}", json=body).status_code == 401
    assert api.get("/api/v1/departments").status_code == 401
    assert api.post("/api/v1/departments", json={"name": "公安"}).status_code == 401
    assert api.get(f"/api/v1/need-policies/{needs_world.community_a.id}").status_code == 401


def test_staff_dump_carries_the_group_and_phone(api, needs_world, session):
    need = make_need(session, needs_world.community_a, needs_world.building_a, beneficiary_group="hardship")
    settle(session)
    body = api.as_("grid_worker").get(f"/api/v1/needs/{need.id}").json
    assert body["beneficiary_group"] == "hardship" and body["resident_phone"] == "13912345678"
    assert body["community_name"] == "金山社区" and body["place_name"] == "金山1栋"


def test_queue_filters_and_puts_overdue_first(api, needs_world, session):
    from datetime import timedelta

    from service.database import utcnow

    w = needs_world
    now = utcnow()
    soon = make_need(session, w.community_a, w.building_a, status="accepted", created_at=now - timedelta(days=1))
    late = make_need(session, w.community_a, w.compound_a, status="submitted", created_at=now - timedelta(days=9))
    later_late = make_need(
        session, w.community_a, w.building_a, status="in_progress", created_at=now - timedelta(days=8)
    )
    done = make_need(session, w.community_a, w.building_a, status="closed", created_at=now - timedelta(days=30))
    ids = [soon.id, late.id, later_late.id, done.id]
    settle(session)
    admin = api.as_("community_admin")
    listed = admin.get("/api/v1/needs").json
    assert [n["id"] for n in listed["items"]] == [ids[1], ids[2], ids[0], ids[3]]
    assert [n["overdue"] for n in listed["items"]] == [True, True, False, False]
    overdue = admin.get("/api/v1/needs?overdue=true").json
    assert [n["id"] for n in overdue["items"]] == [ids[1], ids[2]]
    assert [n["id"] for n in admin.get("/api/v1/needs?status=closed").json["items"]] == [ids[3]]
    compound = admin.get(f"/api/v1/needs?area_id={w.compound_a.id}").json
    assert [n["id"] for n in compound["items"]] == [ids[1]]
    paged = admin.get("/api/v1/needs?per_page=2&page=2").json
    assert paged["total"] == 4 and [n["id"] for n in paged["items"]] == [ids[0], ids[3]]


def test_departments_are_kept_by_city_admins(api, needs_world):
    r = api.as_("city_admin").post("/api/v1/departments", json={"name": "公安", "due_days": 2})
    assert r.status_code == 201 and r.json["due_days"] == 2
    assert api.as_("city_admin").post("/api/v1/departments", json={"name": "公安"}).status_code == 409
    assert api.as_("community_admin").post("/api/v1/departments", json={"name": "住建"}).status_code == 403
    assert api.as_("city_admin").post("/api/v1/departments", json={"name": "住建", "due_days": 0}).status_code == 422
    names = [d["name"] for d in api.as_("grid_worker").get("/api/v1/departments").json]
    assert names == ["城管", "物业", "公安"]
    dept = r.json["id"]
    assert api.as_("street_admin").patch(f"/api/v1/departments/{dept}", json={"active": False}).status_code == 403
    r = api.as_("city_admin").patch(f"/api/v1/departments/{dept}", json={"active": False, "due_days": 4})
    assert r.status_code == 200 and r.json["active"] is False
    assert "公安" not in [d["name"] for d in api.as_("grid_worker").get("/api/v1/departments").json]
    everything = api.as_("grid_worker").get("/api/v1/departments?include_inactive=true").json
    assert "公安" in [d["name"] for d in everything]
    assert api.as_("city_admin").patch("/api/v1/departments/999", json={"active": False}).status_code == 404
