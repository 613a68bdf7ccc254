from datetime import timedelta

from service.database import utcnow
from service.people.models import ApiToken


def test_token_login_and_me(client, world):
    r = client.post("/api/v1/auth/token", json={"phone": world.member_a.phone, "password": "password-123"})
    assert r.status_code == 201
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert me.json["member_id"] == world.member_a.id


def test_wrong_password_and_unknown_phone_get_the_same_answer(client, world):
    a = client.post("/api/v1/auth/token", json={"phone": world.member_a.phone, "password": "nope-nope"})
    b = client.post("/api/v1/auth/token", json={"phone": "13999999999", "password": "nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.json["error"]["message"] == b.json["error"]["message"]


def test_revoked_and_expired_tokens_are_refused(api, world, session):
    me = api.as_("member")
    assert me.get("/api/v1/auth/me").status_code == 200
    assert me.delete("/api/v1/auth/token").status_code == 204
    assert me.get("/api/v1/auth/me").status_code == 401
    admin_token = session.query(ApiToken).filter_by(account_id=world.accounts["city_admin"].id).one()
    admin_token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert api.as_("city_admin").get("/api/v1/auth/me").status_code == 401


def test_anonymous_api_calls_get_401_with_the_error_body(client, world):
    r = client.get("/api/v1/members")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_api_ignores_the_web_session_cookie(client, world):
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"phone": world.member_a.phone, "password": "password-123", "csrf_token": token})
    assert client.get("/", follow_redirects=True).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401


def test_login_is_throttled_per_phone(make_app, world):
    app = make_app(LOGIN_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post(
            "/api/v1/auth/token",
            json={"phone": world.member_a.phone, "password": "wrong-wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        ).status_code
        for i in range(5)
    ]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    r = client.post(
        "/api/v1/auth/token",
        json={"phone": world.member_a.phone, "password": "password-123"},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert r.status_code == 429 and r.json["error"]["code"] == "rate_limited"


def test_login_is_throttled_per_ip(make_app, world):
    app = make_app(LOGIN_LIMIT="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/api/v1/auth/token", json={"phone": f"1390000{i:04d}", "password": "wrong-wrong"}).status_code
        for i in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_password_hash_is_argon2id(session, world):
    assert world.accounts["member"].password_hash.startswith("$argon2id$")
