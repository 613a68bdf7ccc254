def test_scoped_admins_see_their_subtrees_events_only(api, world):
    api.as_("community_admin").patch(f"/api/v1/areas/{world.grid_a.id}", json={"name": "金山一网格"})
    api.as_("other_community_admin").patch(f"/api/v1/areas/{world.grid_b.id}", json={"name": "银湖一网格"})
    mine = api.as_("community_admin").get("/api/v1/audit-events?action=area.").json["items"]
    assert [e["object_id"] for e in mine] == [world.grid_a.id]
    everything = api.as_("city_admin").get("/api/v1/audit-events?action=area.").json["items"]
    assert {e["object_id"] for e in everything} == {world.grid_a.id, world.grid_b.id}


def test_logins_are_audited_and_members_cannot_read_the_log(api, client, world):
    client.post("/api/v1/auth/token", json={"phone": world.member_a.phone, "password": "password-123"})
    logins = api.as_("city_admin").get("/api/v1/audit-events?action=login").json
    assert logins["total"] >= 1
    assert api.as_("member").get("/api/v1/audit-events").status_code == 403
    assert api.as_("grid_worker").get("/api/v1/audit-events").status_code == 403
