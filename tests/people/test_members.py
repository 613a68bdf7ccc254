import pytest

from service.people.phones import is_mobile, mask_phone, normalise_phone


@pytest.mark.parametrize(
    "raw,ok",
    [
        ("13800138000", True),
        ("+86 138-0013-8000", True),
        ("12800138000", False),
        ("1380013800", False),
        ("0791-8888888", False),
        ("abc", False),
    ],
)
def test_mainland_mobile_validation(raw, ok):
    assert is_mobile(normalise_phone(raw)) is ok


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"


def _new_member(world, **kw):
    body = {
        "name": "王五",
        "phone": "13912340000",
        "party_status": "in_service",
        "home_building_id": world.building_a.id,
        "unit_id": world.unit.id,
        "skills": ["plumbing", "haircut"],
        "availability": [{"weekday": 5, "start": "09:00", "end": "12:00"}],
    }
    body.update(kw)
    return body


def test_community_admin_creates_member_with_skills_and_availability(api, world):
    r = api.as_("community_admin").post("/api/v1/members", json=_new_member(world))
    assert r.status_code == 201, r.json
    assert r.json["skills"] == ["haircut", "plumbing"]
    assert r.json["availability"] == [{"weekday": 5, "start": "09:00", "end": "12:00"}]


def test_member_phone_is_validated_and_unique(api, world):
    admin = api.as_("community_admin")
    assert admin.post("/api/v1/members", json=_new_member(world, phone="12345")).status_code == 422
    assert admin.post("/api/v1/members", json=_new_member(world, phone=world.member_a.phone)).status_code == 409


def test_unknown_skill_and_bad_window_are_refused(api, world):
    admin = api.as_("community_admin")
    r = admin.post("/api/v1/members", json=_new_member(world, skills=["flying"]))
    assert r.status_code == 422 and "skills" in r.json["error"]["fields"]
    r = admin.post(
        "/api/v1/members", json=_new_member(world, availability=[{"weekday": 1, "start": "12:00", "end": "09:00"}])
    )
    assert r.status_code == 422
    r = admin.post(
        "/api/v1/members", json=_new_member(world, availability=[{"weekday": 1, "start": "25:00", "end": "26:00"}])
    )
    assert r.status_code == 422


def test_member_outside_scope_is_404_for_read_update_and_list(api, world):
    admin = api.as_("community_admin")
    assert admin.get(f"/api/v1/members/{world.member_b.id}").status_code == 404
    assert admin.patch(f"/api/v1/members/{world.member_b.id}", json={"name": "x"}).status_code == 404
    ids = {m["id"] for m in admin.get("/api/v1/members").json["items"]}
    assert world.member_b.id not in ids and world.member_a.id in ids
    r = admin.post("/api/v1/members", json=_new_member(world, home_building_id=world.building_b.id))
    assert r.status_code == 422


def test_staff_cannot_move_a_member_out_of_their_scope(api, world):
    r = api.as_("community_admin").patch(
        f"/api/v1/members/{world.member_a.id}", json={"home_building_id": world.building_b.id}
    )
    assert r.status_code == 422


def test_unit_admin_sees_own_unit_members_wherever_they_live(api, world):
    ua = api.as_("unit_admin")
    assert ua.get(f"/api/v1/members/{world.member_a.id}").status_code == 200
    assert ua.get(f"/api/v1/members/{world.member_b.id}").status_code == 404


def test_member_updates_own_skills_but_not_own_status(api, world):
    me = api.as_("member")
    r = me.patch(f"/api/v1/members/{world.member_a.id}", json={"skills": ["nursing"], "hide_public": True})
    assert r.status_code == 200 and r.json["skills"] == ["nursing"] and r.json["hide_public"] is True
    assert me.patch(f"/api/v1/members/{world.member_a.id}", json={"party_status": "retired"}).status_code == 403
    assert me.get(f"/api/v1/members/{world.member_b.id}").status_code == 404


def test_member_list_filters(api, world):
    admin = api.as_("city_admin")
    assert [m["name"] for m in admin.get("/api/v1/members?q=张").json["items"]] == ["张三"]
    assert [m["name"] for m in admin.get("/api/v1/members?skill=plumbing").json["items"]] == ["张三"]
    assert [m["name"] for m in admin.get(f"/api/v1/members?area_id={world.community_b.id}").json["items"]] == ["李四"]
    assert [m["name"] for m in admin.get(f"/api/v1/members?unit_id={world.other_unit.id}").json["items"]] == ["李四"]


def test_ids_and_unknown_fields_are_not_mass_assignable(api, world):
    r = api.as_("community_admin").post("/api/v1/members", json=_new_member(world, id=999))
    assert r.status_code == 422 and "id" in r.json["error"]["fields"]


def test_a_member_downloads_their_own_data_and_nobody_elses(api, world):
    r = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/export")
    assert r.status_code == 200
    assert r.json["member"]["phone"] == world.member_a.phone and r.json["member"]["skills"] == ["plumbing"]
    assert set(r.json) == {"member", "account", "registrations", "claims", "ledger", "notifications"}
    assert api.as_("member").get(f"/api/v1/members/{world.member_b.id}/export").status_code == 404
    assert api.as_("city_admin").get(f"/api/v1/members/{world.member_a.id}/export").status_code == 403
