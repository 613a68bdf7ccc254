"""A new member record is never tied to an existing staff account behind its holder's back:
the holder confirms it while signed in, on the API or on the account page."""

from __future__ import annotations

from sqlalchemy import select

from service.audit.models import AuditEvent
from service.people.models import Account

from ..registration.conftest import csrf_from, page_login


def _member_with_the_secretarys_phone(api, world):
    secretary = world.accounts["community_admin"]
    r = api.as_("community_admin").post(
        "/api/v1/members",
        json={
            "name": secretary.name,
            "phone": secretary.phone,
            "party_status": "in_service",
            "home_building_id": world.building_a.id,
        },
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_creating_a_member_does_not_link_the_admins_own_account(api, session, world):
    _member_with_the_secretarys_phone(api, world)
    session.expire_all()
    assert session.get(Account, world.accounts["community_admin"].id).member_id is None
    # so the secretary still cannot claim tasks as that member
    assert api.as_("community_admin").get("/api/v1/auth/me").json["member_id"] is None


def test_a_new_staff_account_is_not_tied_to_a_member_with_its_phone(api, session, world):
    phone = "13912340002"
    created = api.as_("community_admin").post(
        "/api/v1/members",
        json={"name": "王五", "phone": phone, "party_status": "in_service", "home_building_id": world.building_a.id},
    )
    assert created.status_code == 201
    grant = api.as_("community_admin").post(
        "/api/v1/role-grants",
        json={
            "phone": phone,
            "role": "grid_worker",
            "area_id": world.community_a.id,
            "name": "王五",
            "password": "password-456",
        },
    )
    assert grant.status_code == 201, grant.json
    assert session.get(Account, grant.json["account_id"]).member_id is None


def test_the_holder_confirms_on_the_api(api, session, world):
    member_id = _member_with_the_secretarys_phone(api, world)
    waiting = api.as_("community_admin").get("/api/v1/auth/me/member-link")
    assert waiting.status_code == 200 and waiting.json["member_id"] == member_id
    # another admin cannot confirm it for them: nothing waits for that account
    assert api.as_("street_admin").post("/api/v1/auth/me/member-link", json={}).status_code == 404
    confirmed = api.as_("community_admin").post("/api/v1/auth/me/member-link", json={})
    assert confirmed.status_code == 200 and confirmed.json["member_id"] == member_id
    assert api.as_("community_admin").get("/api/v1/auth/me").json["member_id"] == member_id
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "member.link_confirmed")) is not None
    assert api.as_("community_admin").post("/api/v1/auth/me/member-link", json={}).status_code == 404


def test_the_holder_confirms_on_the_account_page(client, api, session, world):
    member_id = _member_with_the_secretarys_phone(api, world)
    page_login(client, world.accounts["community_admin"].phone)
    page = client.get("/account").text
    assert 'id="member-link"' in page and "confirm(" in page
    r = client.post("/account/member-link", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert r.status_code == 200 and "已关联成员档案" in r.text
    session.expire_all()
    assert session.get(Account, world.accounts["community_admin"].id).member_id == member_id
    assert 'id="member-link"' not in client.get("/account").text
