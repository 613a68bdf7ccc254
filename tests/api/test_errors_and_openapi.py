def _assert_error_body(r, status):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.json
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_malformed_json_is_400(api):
    r = api.as_("city_admin").post("/api/v1/units", data="{not json", headers={"Content-Type": "application/json"})
    _assert_error_body(r, 400)


def test_wrong_types_and_unknown_fields_are_422_with_fields(api, world):
    r = api.as_("city_admin").post(
        "/api/v1/units", json={"name": 5, "kind": "government", "area_id": "x", "colour": "red"}
    )
    _assert_error_body(r, 422)
    assert {"name", "area_id", "colour"} <= set(r.json["error"]["fields"])


def test_json_array_instead_of_object_is_422(api):
    _assert_error_body(api.as_("city_admin").post("/api/v1/units", json=[1, 2]), 422)


def test_bad_query_parameters_are_422(api):
    _assert_error_body(api.as_("city_admin").get("/api/v1/members?page=0"), 422)
    _assert_error_body(api.as_("city_admin").get("/api/v1/members?per_page=100000"), 422)
    _assert_error_body(api.as_("city_admin").get("/api/v1/areas?kind=planet"), 422)


def test_oversize_body_is_413(api):
    r = api.as_("city_admin").post("/api/v1/units", json={"name": "x" * 300_000, "kind": "government", "area_id": 1})
    _assert_error_body(r, 413)


def test_unknown_api_route_and_method_get_the_error_body(api):
    _assert_error_body(api.as_("city_admin").get("/api/v1/nothing-here"), 404)
    _assert_error_body(api.as_("city_admin").delete("/api/v1/units"), 405)


def test_unknown_ids_are_404(api):
    for url in ("/api/v1/areas/987654", "/api/v1/units/987654", "/api/v1/members/987654", "/api/v1/role-grants/987654"):
        _assert_error_body(api.as_("city_admin").get(url), 404)


def test_openapi_document_lists_every_endpoint_of_the_foundation(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.0")
    paths = spec["paths"]
    expected = {
        "/api/v1/areas": {"get", "post"},
        "/api/v1/areas/{area_id}": {"get", "patch"},
        "/api/v1/units": {"get", "post"},
        "/api/v1/units/{unit_id}": {"get", "patch"},
        "/api/v1/members": {"get", "post"},
        "/api/v1/members/{member_id}": {"get", "patch"},
        "/api/v1/role-grants": {"get", "post"},
        "/api/v1/role-grants/{grant_id}": {"get", "patch"},
        "/api/v1/auth/token": {"post", "delete"},
        "/api/v1/auth/me": {"get"},
        "/api/v1/skills": {"get", "post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert "bearer" in spec["components"]["securitySchemes"]
    # Ids are never accepted on input.
    assert "id" not in spec["components"]["schemas"]["MemberCreate"]["properties"]


def test_interactive_docs_are_served(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and b"swagger" in r.data.lower()


def test_healthz_ok(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/x.db")
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.json["database"] == "unreachable"
