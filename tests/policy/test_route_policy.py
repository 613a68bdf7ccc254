"""Every route, API and page, is named in the policy, and what the policy says of a route is
what a caller gets. The expectations here are read off the policy table, not written by hand:
a route added without an entry fails the first test, and an entry that says "public" or
"signed in" is tried against the running app for every method of every route."""

from __future__ import annotations

import re

import pytest

from service.policy import PERMISSIONS, ROUTES, rule_for_route

from ..registration.conftest import page_login

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    """The route with every path parameter filled in: a number, or a code-like word."""
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int:" in m.group(0) else "ABCDEF12", rule.rule)


def test_every_route_names_a_permission_of_the_policy(app):
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _routes(app)
        if ROUTES.get(rule.endpoint, {}).get(method) not in PERMISSIONS
    ]
    assert not missing, "routes without a policy entry:\n" + "\n".join(missing)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not [name for name in ROUTES if name not in endpoints], "policy entries for routes that do not exist"


def test_a_route_added_without_an_entry_is_found(make_app):
    app = make_app()
    app.add_url_rule("/staff/brand-new", "brand_new_page", lambda: "new")
    with pytest.raises(AssertionError, match="brand-new"):
        test_every_route_names_a_permission_of_the_policy(app)


def test_anonymous_callers_are_refused_every_route_the_policy_does_not_make_public(app, world):
    """401 from the API, the login page from a page, before any input is looked at: the bodies
    sent are junk on purpose (authentication comes before validation)."""
    client = app.test_client()
    wrong = []
    for rule, method in _routes(app):
        policy = rule_for_route(rule.endpoint, method)
        assert policy is not None
        if policy.public:
            continue
        url = _url(rule)
        kwargs = {"data": "{not json", "content_type": "application/json"} if method in WRITE_METHODS else {}
        answer = client.open(url, method=method, **kwargs)
        if url.startswith("/api/"):
            refused = answer.status_code == 401
        else:
            refused = answer.status_code in (302, 303) and "/login" in answer.headers.get("Location", "")
        if not refused:
            wrong.append(f"{method} {url}: {answer.status_code}")
    assert not wrong, "anonymous got past the policy:\n" + "\n".join(wrong)


def test_public_routes_never_send_anyone_to_log_in(app, world):
    client = app.test_client()
    wrong = []
    for rule, method in _routes(app):
        policy = rule_for_route(rule.endpoint, method)
        if policy is None or not policy.public or method != "GET":
            continue
        url = _url(rule)
        answer = client.get(url)
        if answer.status_code == 401 or "/login?" in answer.headers.get("Location", ""):
            wrong.append(f"GET {url}: {answer.status_code}")
        assert answer.status_code < 500, (url, answer.status_code)
    assert not wrong, "public routes that asked for a login:\n" + "\n".join(wrong)


def test_staff_pages_refuse_a_member_without_area_roles(app, world):
    """A plain member holds no area: every page the policy gives to an area role (and takes no
    record id) is refused outright to them, never shown empty."""
    client = app.test_client()
    page_login(client, world.member_a.phone)
    wrong = []
    for rule, method in _routes(app):
        policy = rule_for_route(rule.endpoint, method)
        if method != "GET" or rule.rule.startswith("/api/") or rule.arguments or policy is None:
            continue
        if not policy.area_role or policy.any_member or policy.signed_in or policy.unit_admin or policy.own_member:
            continue
        answer = client.get(rule.rule)
        if answer.status_code not in (403, 404):
            wrong.append(f"GET {rule.rule}: {answer.status_code}")
    assert not wrong, "area pages a member reached:\n" + "\n".join(wrong)
