from service.people.models import Account, RoleGrant


def test_community_admin_grants_grid_worker_to_a_new_account(api, world, session):
    r = api.as_("community_admin").post(
        "/api/v1/role-grants",
        json={
            "phone": "13700000001",
            "role": "grid_worker",
            "area_id": world.grid_a.id,
            "name": "新网格员",
            "password": "initial-pass",
        },
    )
    assert r.status_code == 201, r.json
    account = session.get(Account, r.json["account_id"])
    assert account.name == "新网格员"


def test_cannot_grant_a_role_above_your_own(api, world):
    r = api.as_("community_admin").post(
        "/api/v1/role-grants",
        json={
            "phone": "13700000002",
            "role": "street_admin",
            "area_id": world.street.id,
            "name": "x",
            "password": "initial-pass",
        },
    )
    assert r.status_code == 404  # the street is outside a community admin's scope
    r = api.as_("street_admin").post(
        "/api/v1/role-grants",
        json={
            "phone": "13700000002",
            "role": "city_admin",
            "area_id": world.city.id,
            "name": "x",
            "password": "initial-pass",
        },
    )
    assert r.status_code == 404


def test_grid_worker_cannot_grant(api, world):
    r = api.as_("grid_worker").post(
        "/api/v1/role-grants",
        json={
            "phone": "13700000003",
            "role": "grid_worker",
            "area_id": world.grid_a.id,
            "name": "x",
            "password": "initial-pass",
        },
    )
    assert r.status_code == 404


def test_role_must_match_area_kind(api, world):
    r = api.as_("city_admin").post(
        "/api/v1/role-grants",
        json={
            "phone": "13700000004",
            "role": "community_admin",
            "area_id": world.street.id,
            "name": "x",
            "password": "initial-pass",
        },
    )
    assert r.status_code == 422


def test_grant_is_revoked_not_deleted_and_revocation_ends_access(api, world, session):
    admin = api.as_("street_admin")
    grant_id = session.query(RoleGrant).filter_by(account_id=world.accounts["community_admin"].id).one().id
    assert api.as_("community_admin").get(f"/api/v1/areas/{world.community_a.id}").status_code == 200
    r = admin.patch(f"/api/v1/role-grants/{grant_id}", json={"revoked": True})
    assert r.status_code == 200 and r.json["revoked_at"]
    # The revocation ends the account's token (a role change ends its sessions); signed in anew,
    # the account no longer reaches the community.
    assert api.as_("community_admin").get(f"/api/v1/areas/{world.community_a.id}").status_code == 401
    fresh = api.client.post(
        "/api/v1/auth/token", json={"phone": world.accounts["community_admin"].phone, "password": "password-123"}
    ).json["token"]
    again = api.client.get(f"/api/v1/areas/{world.community_a.id}", headers={"Authorization": f"Bearer {fresh}"})
    assert again.status_code == 404
    listed = admin.get("/api/v1/role-grants?include_revoked=true").json["items"]
    assert grant_id in {g["id"] for g in listed}


def test_other_communitys_grants_are_invisible(api, world, session):
    other = session.query(RoleGrant).filter_by(account_id=world.accounts["other_community_admin"].id).one()
    a = api.as_("community_admin")
    assert a.get(f"/api/v1/role-grants/{other.id}").status_code == 404
    assert a.patch(f"/api/v1/role-grants/{other.id}", json={"revoked": True}).status_code == 404
    assert other.id not in {g["id"] for g in a.get("/api/v1/role-grants").json["items"]}


def test_duplicate_live_grant_conflicts(api, world):
    body = {"phone": world.accounts["grid_worker"].phone, "role": "grid_worker", "area_id": world.community_a.id}
    assert api.as_("community_admin").post("/api/v1/role-grants", json=body).status_code == 409


def test_create_admin_cli_bootstraps_a_city_admin(app, world, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--phone", "13600000009", "--password-stdin", "--area", str(world.city.id)],
        input="a-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    client = app.test_client()
    r = client.post("/api/v1/auth/token", json={"phone": "13600000009", "password": "a-strong-password"})
    assert r.status_code == 201
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json['token']}"}).json
    assert me["grants"] == [{"role": "city_admin", "area_id": world.city.id, "unit_id": None}]


def test_create_admin_refuses_a_short_password(app, world):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--phone", "13600000008", "--password-stdin", "--area", str(world.city.id)],
        input="short\n",
    )
    assert result.exit_code == 1
