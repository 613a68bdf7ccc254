"""Scoping: records outside the caller's scope answer 404 and lists never leak."""

from ..factories import make_registration


def _two_communities(session, world):
    a = make_registration(session, world.member_a, world.community_a, "residence", status="pending").id
    b = make_registration(session, world.member_b, world.community_b, "residence", status="pending").id
    return a, b


def _ids(response):
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def test_admin_of_b_cannot_see_or_touch_a(api, world, session, settled):
    a, b = _two_communities(session, world)
    settled()
    other = api.as_("other_community_admin")
    assert other.get(f"/api/v1/registrations/{a}").status_code == 404
    assert other.post(f"/api/v1/registrations/{a}/approve").status_code == 404
    assert other.post(f"/api/v1/registrations/{a}/reject", json={"reason": "x"}).status_code == 404
    assert other.post(f"/api/v1/registrations/{a}/withdraw", json={}).status_code == 404
    assert _ids(other.get("/api/v1/registrations")) == {b}
    assert _ids(other.get(f"/api/v1/registrations?community_id={world.community_a.id}")) == set()
    assert other.get(f"/api/v1/members/{world.member_a.id}/registrations").status_code == 404


def test_lists_follow_the_area_tree_and_the_unit(api, world, session, settled):
    a, b = _two_communities(session, world)
    settled()
    assert _ids(api.as_("community_admin").get("/api/v1/registrations")) == {a}
    assert _ids(api.as_("grid_worker").get("/api/v1/registrations")) == {a}
    assert _ids(api.as_("street_admin").get("/api/v1/registrations")) == {a}
    assert _ids(api.as_("city_admin").get("/api/v1/registrations")) == {a, b}
    # The unit admin sees its members' registrations wherever they report.
    assert _ids(api.as_("unit_admin").get("/api/v1/registrations")) == {a}
    assert _ids(api.as_("member").get("/api/v1/registrations")) == {a}
    assert _ids(api.as_("nobody").get("/api/v1/registrations")) == set()
    assert api.get("/api/v1/registrations").status_code == 401


def test_list_filters_and_pagination(api, world, session, settled):
    ids = [
        make_registration(session, world.member_a, world.community_a, "residence", status="rejected").id
        for _ in range(3)
    ]
    active = make_registration(session, world.member_a, world.community_a, "unit").id
    settled()
    admin = api.as_("community_admin")
    assert _ids(admin.get("/api/v1/registrations?side=unit")) == {active}
    assert _ids(admin.get("/api/v1/registrations?status=rejected")) == set(ids)
    page = admin.get("/api/v1/registrations?per_page=2&page=2").json
    assert page["total"] == 4 and len(page["items"]) == 2
    assert admin.get("/api/v1/registrations?side=home").status_code == 422


def test_members_see_only_their_own(api, world, session, settled, member_b_login):
    a, b = _two_communities(session, world)
    settled()
    me = api.as_("member_b")
    assert me.get(f"/api/v1/registrations/{a}").status_code == 404
    assert me.get(f"/api/v1/registrations/{b}").status_code == 200
    assert me.get(f"/api/v1/members/{world.member_a.id}/registrations").status_code == 404
    status = me.get(f"/api/v1/members/{world.member_b.id}/registrations").json
    assert status["pending"] == {"residence": world.community_b.id} and status["missing"] == ["residence", "unit"]
    assert status["complete"] is False and [i["id"] for i in status["items"]] == [b]


def test_staff_see_members_who_report_to_their_community(api, world, newcomer):
    """王五 lives in B; while his unit-side registration with A is pending or approved, A's staff see him."""
    admin = api.as_("community_admin")
    assert admin.get(f"/api/v1/members/{newcomer.id}").status_code == 404
    filed = api.as_("newcomer").post(
        "/api/v1/registrations", json={"community_id": world.community_a.id, "side": "unit"}
    )
    assert filed.status_code == 201
    assert admin.get(f"/api/v1/members/{newcomer.id}").status_code == 200
    assert newcomer.id in {m["id"] for m in admin.get("/api/v1/members?per_page=200").json["items"]}
    assert api.as_("grid_worker").get(f"/api/v1/members/{newcomer.id}").status_code == 200
    # A community with no registration from him still does not see him.
    assert api.as_("other_community_admin").get(f"/api/v1/members/{world.member_a.id}").status_code == 404
    rejected = admin.post(f"/api/v1/registrations/{filed.json['id']}/reject", json={"reason": "非本单位"})
    assert rejected.status_code == 200
    assert admin.get(f"/api/v1/members/{newcomer.id}").status_code == 404
