"""Sessions that can be ended: logout, password change, deactivation and role change end every
session cookie and every API token of the account; a replayed cookie is a visitor's (the login
page), a replayed token is 401. One answer for every failed login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.people.models import Account, RoleGrant

from ..web.test_pages import csrf_from, login

PASSWORD = "password-123"
MEMBER_PAGE = "/inbox"  # any signed-in account's page


def _signed_in(app, phone, password=PASSWORD):
    browser = app.test_client()
    assert login(browser, phone, password).status_code == 302
    assert browser.get(MEMBER_PAGE).status_code == 200
    return browser


def _sent_to_login(browser, url=MEMBER_PAGE) -> bool:
    r = browser.get(url)
    return r.status_code == 302 and r.headers["Location"].startswith("/login")


def _token_works(client, token) -> bool:
    status = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
    assert status in (200, 401)
    return status == 200


def _cookie(browser) -> str:
    return browser.get_cookie("session").value


def _logout(browser):
    return browser.post("/logout", data={"csrf_token": csrf_from(browser.get("/").text)})


# --- logout ---------------------------------------------------------------------------------------


def test_a_replayed_cookie_after_logout_gets_the_login_page(app, world, make_app):
    browser = _signed_in(app, world.member_a.phone)
    stolen = _cookie(browser)
    _logout(browser)
    assert _sent_to_login(browser)
    thief = make_app().test_client()  # another worker, same secret key
    thief.set_cookie("session", stolen)
    assert _sent_to_login(thief)
    assert "我的档案" not in thief.get("/").text  # the landing page, nobody signed in


def test_logout_ends_the_other_sessions_and_the_api_tokens_of_the_account(app, world, client):
    here, there = _signed_in(app, world.member_a.phone), _signed_in(app, world.member_a.phone)
    token = world.tokens["member"]
    assert _token_works(client, token)
    _logout(here)
    assert _sent_to_login(there)
    assert not _token_works(client, token)
    # Someone else's sessions are untouched.
    assert _token_works(client, world.tokens["community_admin"])


def test_signing_in_again_after_logout_works(app, world, client):
    browser = _signed_in(app, world.member_a.phone)
    _logout(browser)
    assert login(browser, world.member_a.phone).status_code == 302
    assert browser.get(MEMBER_PAGE).status_code == 200
    fresh = client.post("/api/v1/auth/token", json={"phone": world.member_a.phone, "password": PASSWORD})
    assert fresh.status_code == 201 and _token_works(client, fresh.json["token"])


def test_a_cookie_made_before_session_versions_is_a_visitor(app, world):
    # What Flask-Login wrote before this release: the bare account id.
    signer = app.session_interface.get_signing_serializer(app)
    browser = app.test_client()
    browser.set_cookie("session", signer.dumps({"_user_id": str(world.accounts["member"].id), "_fresh": True}))
    assert _sent_to_login(browser)


# --- 退出所有设备 ----------------------------------------------------------------------------------


def test_account_page_offers_log_out_everywhere_and_asks_first(app, world, client):
    here, there = _signed_in(app, world.member_a.phone), _signed_in(app, world.member_a.phone)
    page = here.get("/account")
    assert page.status_code == 200 and "退出所有设备" in page.text and 'href="/account/logout-everywhere"' in page.text
    assert 'href="/account"' in here.get("/").text  # reached from every page's top bar
    confirm = here.get("/account/logout-everywhere")
    assert confirm.status_code == 200 and "确定要在所有设备上退出登录吗" in confirm.text
    assert "确认退出所有设备" in confirm.text and 'href="/account"' in confirm.text  # and a way back
    # Asking is not doing: everything still works.
    assert here.get(MEMBER_PAGE).status_code == 200 and there.get(MEMBER_PAGE).status_code == 200
    assert _token_works(client, world.tokens["member"])
    # A post without the form's token changes nothing.
    assert here.post("/account/logout-everywhere").status_code in (303, 400)
    assert there.get(MEMBER_PAGE).status_code == 200

    done = here.post("/account/logout-everywhere", data={"csrf_token": csrf_from(confirm.text)})
    assert done.status_code == 303 and done.headers["Location"].startswith("/login")
    assert "已在所有设备上退出登录" in here.get("/login").text
    assert _sent_to_login(here) and _sent_to_login(there)
    assert not _token_works(client, world.tokens["member"])


def test_ending_sessions_is_audited(app, world, session):
    browser = _signed_in(app, world.member_a.phone)
    confirm = browser.get("/account/logout-everywhere")
    browser.post("/account/logout-everywhere", data={"csrf_token": csrf_from(confirm.text)})
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.sessions_ended"))
    assert event.object_id == world.accounts["member"].id and event.actor_id == world.accounts["member"].id
    assert event.details == {"reason": "logout_everywhere"}


@pytest.mark.parametrize("url", ["/account", "/account/logout-everywhere"])
def test_account_pages_send_visitors_to_login(client, world, url):
    assert _sent_to_login(client, url)


# --- password change ----------------------------------------------------------------------------


def _change_password(browser, current, new, confirm=None):
    token = csrf_from(browser.get("/account").text)
    data = {"current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm}
    return browser.post("/account/password", data=data | {"csrf_token": token})


def test_password_change_ends_every_other_session_and_token_and_keeps_this_one(app, world, client):
    here, there = _signed_in(app, world.member_a.phone), _signed_in(app, world.member_a.phone)
    r = _change_password(here, PASSWORD, "a-new-password-1")
    assert r.status_code == 303 and r.headers["Location"].endswith("/account")
    assert "密码已修改，其他设备已退出登录" in here.get("/account").text
    assert here.get(MEMBER_PAGE).status_code == 200  # the browser that changed it stays in
    assert _sent_to_login(there)
    assert not _token_works(client, world.tokens["member"])
    assert login(app.test_client(), world.member_a.phone, PASSWORD).status_code == 422
    assert login(app.test_client(), world.member_a.phone, "a-new-password-1").status_code == 302


@pytest.mark.parametrize(
    "current, new, confirm, field, message",
    [
        ("not-my-password", "a-new-password-1", None, "current_password", "当前密码不正确"),
        (PASSWORD, "a-new-password-1", "a-new-password-2", "confirm_password", "两次输入的新密码不一致"),
        (PASSWORD, "short", None, "new_password", "太短"),
        ("", "a-new-password-1", None, "current_password", None),
    ],
)
def test_password_change_refusals_are_shown_beside_the_field_and_change_nothing(
    app, world, client, current, new, confirm, field, message
):
    here, there = _signed_in(app, world.member_a.phone), _signed_in(app, world.member_a.phone)
    r = _change_password(here, current, new, confirm)
    assert r.status_code in (400, 422)
    box = r.text.split(f'name="{field}"')[1].split("<label")[0]
    assert 'class="field-error"' in box and (message is None or message in box)
    assert there.get(MEMBER_PAGE).status_code == 200 and _token_works(client, world.tokens["member"])
    assert login(app.test_client(), world.member_a.phone, PASSWORD).status_code == 302


def test_guessing_the_current_password_is_throttled(make_app, world):
    app = make_app(LOGIN_LIMIT="3 per minute")
    browser = _signed_in(app, world.member_a.phone)
    codes = [_change_password(browser, f"guess-{i}-guess", "a-new-password-1").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]


# --- deactivation and role change ---------------------------------------------------------------


def test_deactivating_a_member_ends_their_sessions_and_tokens(app, world, api):
    browser = _signed_in(app, world.member_a.phone)
    r = api.as_("community_admin").patch(f"/api/v1/members/{world.member_a.id}", json={"active": False})
    assert r.status_code == 200 and r.json["active"] is False
    assert _sent_to_login(browser)
    assert not _token_works(api.client, world.tokens["member"])
    # Editing an active member's other fields ends nothing.
    other = _signed_in(app, world.member_a.phone)
    assert (
        api.as_("community_admin").patch(f"/api/v1/members/{world.member_a.id}", json={"name": "张三丰"}).status_code
        == 200
    )
    assert other.get(MEMBER_PAGE).status_code == 200


def test_a_deactivated_account_is_refused_everywhere(app, world, session, client):
    browser = _signed_in(app, world.accounts["community_admin"].phone)
    account = session.get(Account, world.accounts["community_admin"].id)
    account.active = False
    session.commit()
    assert _sent_to_login(browser)
    assert not _token_works(client, world.tokens["community_admin"])


def _grant_of(session, key, world) -> RoleGrant:
    return session.scalar(select(RoleGrant).where(RoleGrant.account_id == world.accounts[key].id))


def test_revoking_a_role_ends_the_accounts_sessions_and_tokens(app, world, api, session):
    grant_id = _grant_of(session, "grid_worker", world).id
    session.close()
    browser = _signed_in(app, world.accounts["grid_worker"].phone)
    r = api.as_("community_admin").patch(f"/api/v1/role-grants/{grant_id}", json={"revoked": True})
    assert r.status_code == 200
    assert _sent_to_login(browser)
    assert not _token_works(api.client, world.tokens["grid_worker"])
    assert _token_works(api.client, world.tokens["community_admin"])


def test_granting_a_role_ends_the_accounts_sessions_and_tokens(app, world, api):
    browser = _signed_in(app, world.member_a.phone)
    r = api.as_("community_admin").post(
        "/api/v1/role-grants",
        json={"phone": world.member_a.phone, "role": "grid_worker", "area_id": world.community_a.id},
    )
    assert r.status_code == 201
    assert _sent_to_login(browser)
    assert not _token_works(api.client, world.tokens["member"])


# --- one answer for every failed login ----------------------------------------------------------


@pytest.fixture
def failures(world, session):
    """Phone and password for each way a login fails."""
    inactive = session.get(Account, world.accounts["street_admin"].id)
    inactive.active = False
    unset = session.get(Account, world.accounts["nobody"].id)
    unset.password_hash = None
    session.commit()
    return {
        "unknown phone": ("13999999999", PASSWORD),
        "wrong password": (world.accounts["member"].phone, "wrong-password"),
        "deactivated, right password": (world.accounts["street_admin"].phone, PASSWORD),
        "deactivated, wrong password": (world.accounts["street_admin"].phone, "wrong-password"),
        "no password set": (world.accounts["nobody"].phone, PASSWORD),
    }


def test_every_failed_api_login_gets_one_answer(client, failures):
    answers = {}
    for case, (phone, password) in failures.items():
        r = client.post("/api/v1/auth/token", json={"phone": phone, "password": password})
        answers[case] = (r.status_code, r.json["error"]["code"], r.json["error"]["message"])
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values()))[0] == 401


def test_every_failed_page_login_gets_one_answer(app, failures):
    answers = {}
    for case, (phone, password) in failures.items():
        r = login(app.test_client(), phone, password)
        messages = [part.split("</p>")[0] for part in r.text.split('role="alert">')[1:]]
        answers[case] = (r.status_code, tuple(messages))
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values())) == (422, ("手机号或密码错误",))
