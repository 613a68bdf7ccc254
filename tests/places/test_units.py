def test_community_admin_creates_unit_paired_with_own_community(api, world):
    r = api.as_("community_admin").post(
        "/api/v1/units",
        json={
            "name": "区教育局",
            "kind": "government",
            "area_id": world.community_a.id,
            "community_ids": [world.community_a.id],
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["community_ids"] == [world.community_a.id]


def test_pairing_with_a_community_outside_scope_is_refused(api, world):
    r = api.as_("community_admin").post(
        "/api/v1/units",
        json={
            "name": "区教育局",
            "kind": "government",
            "area_id": world.community_a.id,
            "community_ids": [world.community_b.id],
        },
    )
    assert r.status_code == 422
    assert "community_ids" in r.json["error"]["fields"]


def test_units_are_visible_through_pairings_only(api, world):
    a = api.as_("community_admin")
    ids = {u["id"] for u in a.get("/api/v1/units").json["items"]}
    assert ids == {world.unit.id}
    assert a.get(f"/api/v1/units/{world.other_unit.id}").status_code == 404
    assert a.patch(f"/api/v1/units/{world.other_unit.id}", json={"name": "x"}).status_code == 404


def test_unit_admin_sees_and_renames_own_unit_but_not_others(api, world):
    ua = api.as_("unit_admin")
    assert ua.get(f"/api/v1/units/{world.unit.id}").status_code == 200
    assert ua.patch(f"/api/v1/units/{world.unit.id}", json={"name": "市税务局（新）"}).json["name"] == "市税务局（新）"
    assert ua.get(f"/api/v1/units/{world.other_unit.id}").status_code == 404


def test_city_admin_updates_pairings(api, world):
    r = api.as_("city_admin").patch(
        f"/api/v1/units/{world.unit.id}", json={"community_ids": [world.community_a.id, world.community_b.id]}
    )
    assert r.status_code == 200 and r.json["community_ids"] == sorted([world.community_a.id, world.community_b.id])
    r = api.as_("city_admin").get(f"/api/v1/units?community_id={world.community_b.id}")
    assert {u["id"] for u in r.json["items"]} == {world.unit.id, world.other_unit.id}


def test_community_admin_of_a_paired_unit_cannot_rename_a_unit_it_does_not_own(api, world):
    r = api.as_("community_admin").patch(f"/api/v1/units/{world.unit.id}", json={"name": "x"})
    assert r.status_code == 403
