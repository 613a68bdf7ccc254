from service.places.models import Area
from service.database import subtree_condition
from tests.factories import make_area


def test_subtree_query_returns_the_node_and_everything_under_it_only(session, world):
    # A sibling whose id shares a prefix with the community must not leak in ("/…/5/" vs "/…/50/").
    for i in range(12):
        make_area(session, "community", f"填充社区{i}", world.street)
    ids = set(session.scalars(db_select_ids(world.community_a.path)))
    assert ids == {world.community_a.id, world.grid_a.id, world.building_a.id}
    everything = set(session.scalars(db_select_ids(world.city.path)))
    assert world.building_b.id in everything and world.community_a.id in everything


def db_select_ids(path):
    from sqlalchemy import select

    return select(Area.id).where(subtree_condition(Area.path, [path]))


def test_street_admin_creates_a_community_and_it_gets_its_path(api, world):
    r = api.as_("street_admin").post(
        "/api/v1/areas", json={"parent_id": world.street.id, "kind": "community", "name": "新社区"}
    )
    assert r.status_code == 201, r.json
    body = r.json
    assert body["path"] == f"{world.street.path}{body['id']}/" and body["depth"] == world.street.depth + 1


def test_area_kind_must_sit_below_its_parent(api, world):
    r = api.as_("community_admin").post(
        "/api/v1/areas", json={"parent_id": world.building_a.id, "kind": "grid", "name": "x"}
    )
    assert r.status_code == 422
    assert "kind" in r.json["error"]["fields"]


def test_compound_may_be_cut_into_grids(api, world):
    r = api.as_("community_admin").post(
        "/api/v1/areas", json={"parent_id": world.community_a.id, "kind": "compound", "name": "老小区"}
    )
    compound_id = r.json["id"]
    r = api.as_("community_admin").post(
        "/api/v1/areas", json={"parent_id": compound_id, "kind": "grid", "name": "一网格"}
    )
    assert r.status_code == 201


def test_community_admin_cannot_create_or_read_in_another_community(api, world):
    admin = api.as_("community_admin")
    assert (
        admin.post("/api/v1/areas", json={"parent_id": world.community_b.id, "kind": "grid", "name": "x"}).status_code
        == 404
    )
    assert admin.get(f"/api/v1/areas/{world.community_b.id}").status_code == 404
    assert admin.patch(f"/api/v1/areas/{world.grid_b.id}", json={"name": "改名"}).status_code == 404
    listed = {a["id"] for a in admin.get("/api/v1/areas?per_page=200").json["items"]}
    assert listed == {world.community_a.id, world.grid_a.id, world.building_a.id}


def test_grid_worker_reads_but_does_not_change_areas(api, world):
    gw = api.as_("grid_worker")
    assert gw.get(f"/api/v1/areas/{world.grid_a.id}").status_code == 200
    assert gw.patch(f"/api/v1/areas/{world.grid_a.id}", json={"name": "x"}).status_code == 403


def test_area_list_filters_and_paginates(api, world):
    admin = api.as_("city_admin")
    r = admin.get("/api/v1/areas?kind=community&per_page=1")
    assert r.json["total"] == 2 and len(r.json["items"]) == 1
    r = admin.get(f"/api/v1/areas?within_id={world.community_b.id}")
    assert {a["id"] for a in r.json["items"]} == {world.community_b.id, world.grid_b.id, world.building_b.id}
    r = admin.get(f"/api/v1/areas?parent_id={world.street.id}")
    assert [a["name"] for a in r.json["items"]] == ["金山社区"]


def test_area_code_is_unique(api, world):
    r = api.as_("city_admin").post(
        "/api/v1/areas", json={"parent_id": world.street.id, "kind": "community", "name": "重复", "code": "T-CA"}
    )
    assert r.status_code == 409
