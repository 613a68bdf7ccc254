"""The smaller holes: error bodies as published, empty PATCHes, blank names, members with no address
yet, and unit admins kept to their units' communities."""

from __future__ import annotations

import jsonschema_rs
import pytest

from ..factories import make_area, make_member, make_registration, settle

BLANKS = ["   ", "\t", "\u3000"]  # spaces, a tab, the ideographic space a Chinese keyboard types


@pytest.fixture
def error_validator(client):
    spec = client.get("/api/v1/openapi.json").json
    return jsonschema_rs.validator_for({"$ref": "#/components/schemas/Error", "components": spec["components"]})


def _assert_published(validator, r):
    errors = [str(e) for e in validator.iter_errors(r.json)]
    assert not errors, (r.status_code, r.json, errors)


def test_the_published_error_detail_has_an_optional_details_object(client):
    detail = client.get("/api/v1/openapi.json").json["components"]["schemas"]["ErrorDetail"]
    assert detail["properties"]["details"]["type"] == "object"
    assert "details" not in detail["required"] and detail["additionalProperties"] is False


def test_a_conflict_names_the_allowed_actions_inside_details(api, world, session, error_validator):
    registration_id = make_registration(session, world.member_a, world.community_a, "unit").id
    settle(session)
    r = api.as_("community_admin").post(f"/api/v1/registrations/{registration_id}/approve", json={})
    assert r.status_code == 409
    _assert_published(error_validator, r)
    assert r.json["error"]["details"] == {"allowed": ["withdraw"], "current_status": "approved"}


def test_a_second_reversal_names_the_first_inside_details(api, world, error_validator):
    admin = api.as_("community_admin")
    body = {"member_id": world.member_a.id, "community_id": world.community_a.id, "points": 2, "reason": "补录"}
    entry = admin.post("/api/v1/points/adjustments", json=body).json
    first = admin.post(f"/api/v1/points/entries/{entry['id']}/reverse", json={"reason": "重复"})
    again = admin.post(f"/api/v1/points/entries/{entry['id']}/reverse", json={"reason": "重复"})
    assert again.status_code == 409
    _assert_published(error_validator, again)
    assert again.json["error"]["details"] == {"reversal_id": first.json["id"]}


def test_batch_results_carry_published_error_details(api, world, session, client):
    registration_id = make_registration(session, world.member_a, world.community_a, "unit").id
    settle(session)
    spec = client.get("/api/v1/openapi.json").json
    detail = jsonschema_rs.validator_for({"$ref": "#/components/schemas/ErrorDetail", "components": spec["components"]})
    r = api.as_("community_admin").post(
        "/api/v1/registrations/batch", json={"ids": [registration_id], "action": "approve"}
    )
    assert r.status_code == 200, r.json
    (result,) = r.json["results"]
    assert detail.is_valid(result["error"]), result
    assert result["error"]["details"]["allowed"] == ["withdraw"]


# --- PATCH with nothing to change ------------------------------------------------


def _patch_targets(world, session):
    from sqlalchemy import select

    from service.people.models import RoleGrant

    from ..factories import make_department

    department_id = make_department(session).id
    grant_id = session.scalar(select(RoleGrant.id).where(RoleGrant.account_id == world.accounts["grid_worker"].id))
    settle(session)
    return [
        f"/api/v1/members/{world.member_a.id}",
        f"/api/v1/areas/{world.building_a.id}",
        f"/api/v1/units/{world.unit.id}",
        f"/api/v1/departments/{department_id}",
        f"/api/v1/role-grants/{grant_id}",
    ]


def test_patch_with_no_body_or_an_empty_object_is_a_400_saying_so(api, world, session, error_validator):
    for url in _patch_targets(world, session):
        for kwargs in ({}, {"json": {}}):
            r = api.as_("city_admin").patch(url, **kwargs)
            assert r.status_code == 400, (url, kwargs, r.status_code, r.json)
            _assert_published(error_validator, r)
            assert r.json["error"]["code"] == "bad_request" and "没有要修改的内容" in r.json["error"]["message"]


def test_patch_of_a_task_with_nothing_in_it_is_a_400(api, world, session):
    from ..tasks.conftest import make_task

    task = make_task(session, world)
    assert api.as_("community_admin").patch(f"/api/v1/tasks/{task.id}", json={}).status_code == 400
    changed = api.as_("community_admin").patch(f"/api/v1/tasks/{task.id}", json={"slots": 3})
    assert changed.status_code == 200 and changed.json["slots"] == 3


def test_the_refusals_read_in_english(api, world, session):
    en = {"Accept-Language": "en"}
    admin = api.as_("city_admin")
    r = admin.patch(f"/api/v1/members/{world.member_a.id}", json={}, headers=en)
    assert r.status_code == 400 and "nothing to change" in r.json["error"]["message"].lower()
    r = admin.patch(f"/api/v1/members/{world.member_a.id}", json={"name": " "}, headers=en)
    assert r.json["error"]["fields"]["name"] == ["Must not be blank"]
    stray = make_member(session, "孙七")
    settle(session)
    assert admin.get(f"/api/v1/members/{stray.id}", headers=en).json["address"] == "No address yet"


# --- blank names -------------------------------------------------------------------


def _creations(world):
    return [
        ("/api/v1/members", {"name": None, "phone": "13900009999", "party_status": "in_service",
                             "home_building_id": world.building_a.id}, "name"),
        ("/api/v1/areas", {"parent_id": world.grid_a.id, "kind": "building", "name": None}, "name"),
        ("/api/v1/units", {"name": None, "kind": "enterprise", "area_id": world.city.id}, "name"),
        ("/api/v1/departments", {"name": None}, "name"),
        ("/api/v1/tasks", {"title": None, "community_id": world.community_a.id, "category": "everyday_help",
                           "slots": 1, "starts_at": "2030-05-01T09:00:00+08:00",
                           "ends_at": "2030-05-01T11:00:00+08:00"}, "title"),
        ("/api/v1/needs", {"community_id": world.community_a.id, "category": "everyday_help",
                           "description": "楼道灯坏了", "resident_name": None, "resident_phone": "13912345678"},
         "resident_name"),
    ]  # fmt: skip


@pytest.mark.parametrize("blank", BLANKS)
def test_blank_names_and_titles_are_refused_beside_the_field(api, world, blank):
    for url, body, field in _creations(world):
        r = api.as_("city_admin").post(url, json=dict(body, **{field: blank}))
        assert r.status_code == 422, (url, r.status_code, r.json)
        assert list(r.json["error"]["fields"]) == [field], (url, r.json)
        assert r.json["error"]["fields"][field] == ["不能只有空格"]


def test_blank_renames_are_refused_too(api, world):
    admin = api.as_("city_admin")
    for url in (f"/api/v1/members/{world.member_a.id}", f"/api/v1/areas/{world.building_a.id}"):
        r = admin.patch(url, json={"name": "  "})
        assert r.status_code == 422 and "name" in r.json["error"]["fields"], (url, r.json)
    assert admin.get(f"/api/v1/members/{world.member_a.id}").json["name"] == "张三"


# --- members with no address yet ----------------------------------------------------


def test_a_member_with_no_building_is_listed_under_the_units_communities_marked_no_address_yet(api, world):
    made = api.as_("unit_admin").post(
        "/api/v1/members", json={"name": "赵六", "phone": "13900001111", "party_status": "in_service",
                                 "unit_id": world.unit.id},
    )  # fmt: skip
    assert made.status_code == 201, made.json
    assert made.json["no_address_yet"] is True and made.json["address"] == "暂无楼栋"
    # 市税务局 is paired with 金山 (A): A's secretary and everyone above see the member there.
    for role in ("community_admin", "street_admin", "city_admin"):
        listed = api.as_(role).get(f"/api/v1/members?area_id={world.community_a.id}&per_page=200").json["items"]
        assert made.json["id"] in [m["id"] for m in listed], role
    others = api.as_("other_community_admin").get("/api/v1/members?per_page=200").json["items"]
    assert made.json["id"] not in [m["id"] for m in others]
    # A's secretary may give them an address; then they are an ordinary member of A.
    moved = api.as_("community_admin").patch(
        f"/api/v1/members/{made.json['id']}", json={"home_building_id": world.building_a.id}
    )
    assert moved.status_code == 200 and moved.json["no_address_yet"] is False and moved.json["address"] == "金山1栋"


def test_a_member_with_neither_building_nor_unit_never_vanishes(api, world, session):
    stray = make_member(session, "孙七")
    settle(session)
    listed = api.as_("city_admin").get("/api/v1/members?per_page=200").json["items"]
    row = next(m for m in listed if m["id"] == stray.id)
    assert row["no_address_yet"] is True
    assert api.as_("community_admin").get(f"/api/v1/members/{stray.id}").status_code == 404


def test_the_staff_roster_page_marks_no_address_yet(client, world, session):
    from ..registration.conftest import page_login

    make_member(session, "孙七")
    settle(session)
    page_login(client, world.accounts["city_admin"].phone)
    html = client.get("/staff/members").get_data(as_text=True)
    assert "孙七" in html and "暂无楼栋" in html and "金山1栋" in html


# --- unit admins and buildings -------------------------------------------------------


def test_unit_admins_may_move_members_only_into_their_units_communities(api, world, session):
    elsewhere = make_area(session, "building", "银湖2栋", world.grid_b)
    inside = make_area(session, "building", "金山2栋", world.grid_a)
    settle(session)
    unit_admin = api.as_("unit_admin")
    out = unit_admin.patch(f"/api/v1/members/{world.member_a.id}", json={"home_building_id": elsewhere.id})
    assert out.status_code == 422 and "home_building_id" in out.json["error"]["fields"]
    assert api.as_("city_admin").get(f"/api/v1/members/{world.member_a.id}").json["home_building_id"] == (
        world.building_a.id
    )
    made = unit_admin.post(
        "/api/v1/members",
        json={"name": "周八", "phone": "13900002222", "party_status": "in_service", "unit_id": world.unit.id,
              "home_building_id": elsewhere.id},
    )  # fmt: skip
    assert made.status_code == 422 and "home_building_id" in made.json["error"]["fields"]
    ok = unit_admin.patch(f"/api/v1/members/{world.member_a.id}", json={"home_building_id": inside.id})
    assert ok.status_code == 200 and ok.json["home_building_id"] == inside.id
