"""Throttling that counts real people: one canonical phone, per-account and per-IP limits, the real
client address behind trusted proxies only, and counters shared through Redis."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import select

from config import Config
from service.people.models import Account, Member
from service.people.phones import normalise_phone

from ..web.test_pages import csrf_from

PHONE = "13800138000"
VARIANTS = (
    "+86 138-0013-8000",
    "0086 13800138000",
    "138 0013 8000",
    "+86 (138) 0013.8000",
    "86 138 0013 8000",
    "１３８００１３８０００",  # typed with a full-width input method
    "+８６\u3000138\u00a00013\u20138000",  # ideographic and no-break spaces, an en dash
)


@pytest.mark.parametrize("raw", VARIANTS)
def test_every_way_of_writing_a_mobile_number_is_one_canonical_form(raw):
    assert normalise_phone(raw) == PHONE


def test_digits_of_other_scripts_are_not_a_mobile_number(api, world):
    # Arabic-Indic digits are "digits" to a Unicode regex; stored as they are they would be a
    # second account for a number nobody can type at the login page.
    body = {"name": "王五", "phone": "13" + "\u0660" * 9, "party_status": "non_party"}
    r = api.as_("community_admin").post("/api/v1/members", json=body | {"home_building_id": world.building_a.id})
    assert r.status_code in (400, 422) and "phone" in r.json["error"]["fields"]


def _api_login(client, phone, password="wrong-wrong", ip="10.0.0.1", headers=None):
    return client.post(
        "/api/v1/auth/token",
        json={"phone": phone, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers or {},
    )


def _page_login(client, phone, password="wrong-wrong", ip="10.0.0.1"):
    token = csrf_from(client.get("/login", environ_base={"REMOTE_ADDR": ip}).text)
    return client.post(
        "/login",
        data={"phone": phone, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_api_login_variants_of_one_phone_share_one_counter(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute").test_client()
    phone = world.member_a.phone
    spaced = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    codes = [
        _api_login(client, variant, ip=f"10.0.1.{i}").status_code
        for i, variant in enumerate([phone, spaced, "0086" + phone, " ".join(phone)])
    ]
    assert codes == [401, 401, 401, 429]
    # The right password from yet another address and another spelling: still this account's limit.
    assert _api_login(client, "+86" + phone, "password-123", ip="10.0.1.99").status_code == 429


def test_page_login_variants_of_one_phone_share_one_counter(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute").test_client()
    phone = world.member_a.phone
    codes = [
        _page_login(client, variant, ip=f"10.0.2.{i}").status_code
        for i, variant in enumerate([phone, "+86 " + phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}", "0086" + phone])
    ]
    assert codes == [422, 422, 422, 429]


def test_the_page_and_the_api_count_against_one_limit(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute").test_client()
    phone = world.member_a.phone
    assert _page_login(client, phone, ip="10.0.7.1").status_code == 422
    assert _api_login(client, "+86" + phone, ip="10.0.7.2").status_code == 401
    assert _page_login(client, "0086" + phone, ip="10.0.7.3").status_code == 422
    assert _api_login(client, phone, ip="10.0.7.4").status_code == 429
    assert _page_login(client, phone, ip="10.0.7.5").status_code == 429


def test_one_account_is_reached_through_any_spelling(make_app, world):
    client = make_app().test_client()
    phone = world.member_a.phone
    full_width = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for variant in ("+86 " + phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", full_width):
        r = _api_login(client, variant, "password-123", ip="10.0.3.1")
        assert r.status_code == 201 and r.json["account_id"] == world.accounts["member"].id
    assert _page_login(client, full_width, "password-123", ip="10.0.3.2").status_code == 302


def test_members_and_grants_store_the_canonical_phone(api, world, session):
    admin = api.as_("community_admin")
    created = admin.post(
        "/api/v1/members",
        json={
            "name": "王五",
            "phone": "+86 １３９-0000-1234",
            "party_status": "non_party",
            "home_building_id": world.building_a.id,
        },
    )
    assert created.status_code == 201 and created.json["phone"] == "13900001234"
    again = admin.post(
        "/api/v1/members",
        json={
            "name": "王五",
            "phone": "139 0000 1234",
            "party_status": "non_party",
            "home_building_id": world.building_a.id,
        },
    )
    assert again.status_code == 409
    found = admin.get("/api/v1/members", query_string={"phone": "0086-139-0000-1234"})
    assert [m["id"] for m in found.json["items"]] == [created.json["id"]]
    grant = admin.post(
        "/api/v1/role-grants",
        json={
            "phone": "+8613900001234",
            "role": "grid_worker",
            "area_id": world.community_a.id,
            "name": "王五",
            "password": "password-456",
        },
    )
    assert grant.status_code == 201
    account = session.scalar(select(Account).where(Account.id == grant.json["account_id"]))
    assert account.phone == "13900001234"
    # the member record with that phone waits for its holder's confirmation (not tied here)
    assert account.member_id is None
    assert session.scalar(select(Member.id).where(Member.phone == "13900001234")) is not None


def test_login_is_limited_per_ip_across_phones(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute").test_client()
    codes = [_api_login(client, f"1390000{i:04d}", ip="10.0.4.1").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert _api_login(client, "13900009999", ip="10.0.4.2").status_code == 401


# --- the client's address behind a reverse proxy ------------------------------------------------


def _from_behind_proxy(client, phone, forwarded_for):
    # Every request reaches the app from the proxy's own address.
    return _api_login(client, phone, ip="192.0.2.1", headers={"X-Forwarded-For": forwarded_for})


def test_behind_one_trusted_proxy_two_clients_are_throttled_separately(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute", TRUSTED_PROXIES=1).test_client()
    first = [_from_behind_proxy(client, f"1390001{i:04d}", "203.0.113.7").status_code for i in range(4)]
    assert first == [401, 401, 401, 429]
    assert _from_behind_proxy(client, "13900029999", "203.0.113.8").status_code == 401
    # A client cannot pick its own address: the proxy appends the real one, and only that hop counts.
    spoofed = _from_behind_proxy(client, "13900039999", "198.51.100.1, 203.0.113.7")
    assert spoofed.status_code == 429


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app, world):
    client = make_app(LOGIN_LIMIT="3 per minute").test_client()
    codes = [_from_behind_proxy(client, f"1390004{i:04d}", f"203.0.113.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_the_forwarded_scheme_host_and_address_are_used(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_probe")
    def _probe():
        from flask import request

        seen.update(scheme=request.scheme, host=request.host, addr=request.remote_addr)
        return "ok"

    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "hd.example.cn"}
    app.test_client().get("/_probe", headers=forwarded, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert seen == {"scheme": "https", "host": "hd.example.cn", "addr": "203.0.113.7"}
    seen.clear()
    plain = make_app()
    plain.add_url_rule("/_probe", view_func=_probe)
    plain.test_client().get("/_probe", headers=forwarded, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert seen == {"scheme": "http", "host": "localhost", "addr": "192.0.2.1"}


def test_trusted_proxies_setting(tmp_path):
    assert Config.from_env({}, tmp_path)["TRUSTED_PROXIES"] == 0
    assert Config.from_env({"TRUSTED_PROXIES": "2"}, tmp_path)["TRUSTED_PROXIES"] == 2
    for wrong in ("yes", "-1", "1.5", "99"):
        with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
            Config.from_env({"TRUSTED_PROXIES": wrong}, tmp_path)


# --- counters shared by every worker ------------------------------------------------------------

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def test_with_redis_the_limit_holds_across_workers(make_app, world, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    prefix = f"test-{uuid.uuid4().hex}"  # this run's counters only
    workers = [make_app(LOGIN_LIMIT="3 per minute", RATELIMIT_KEY_PREFIX=prefix).test_client() for _ in range(2)]
    phone = world.member_a.phone
    codes = [_api_login(workers[i % 2], phone, ip=f"10.0.5.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert _api_login(workers[1], "+86" + phone, ip="10.0.5.9").status_code == 429


def test_redis_url_given_to_the_factory_is_the_limiter_storage(tmp_path):
    settings = Config.from_env({}, tmp_path, {"REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert Config.from_env({}, tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"


def test_an_unreachable_redis_does_not_break_login(make_app, world):
    # A Redis that is down must not turn every login into a 500: each worker counts on its own.
    client = make_app(REDIS_URL="redis://127.0.0.1:1/0", LOGIN_LIMIT="3 per minute").test_client()
    codes = [_api_login(client, world.member_a.phone, ip="10.0.6.1").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
