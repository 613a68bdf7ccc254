"""Nobody decides about their own points: a secretary who is also a volunteer is refused (403,
``self_dealing``) when verifying, rejecting or marking a no-show on their own claim, approving
their own registration or rating a need of their community, through the API and the pages; the
refusal is audited and nothing else changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.needs.models import Need
from service.points.models import LedgerEntry
from service.registration.models import Registration
from service.tasks.models import Claim
from tests.factories import add_login, make_member, make_need, make_registration, settle
from tests.tasks.conftest import make_task
from tests.web.test_pages import csrf_from, login

SECRETARY = "secretary_volunteer"


@pytest.fixture
def secretary(session, loop):
    """金山社区's admin, who is also a registered volunteer there (one account, one member record)."""
    member = make_member(session, "王书记", building=loop.building_a, unit=loop.unit)
    make_registration(session, member, loop.community_a, "residence")
    add_login(session, loop, SECRETARY, member=member, role="community_admin", area=loop.community_a)
    return member


def _done_claim(session, world, member, **task) -> Claim:
    claim_task = make_task(session, world, start=-2, length=1, **task)
    claim = Claim(task_id=claim_task.id, member_id=member.id, status="done", hours_tenths=10)
    session.add(claim)
    claim_task.taken = 1
    settle(session)
    return claim


def _refusals(session, kind: str, object_id: int) -> int:
    return session.scalar(
        select(func.count()).where(
            AuditEvent.action == "policy.refused_self_dealing",
            AuditEvent.object_type == kind,
            AuditEvent.object_id == object_id,
        )
    )


def _balance_rows(session, member) -> int:
    return session.scalar(select(func.count()).where(LedgerEntry.member_id == member.id))


@pytest.mark.parametrize(("action", "body"), [("verify", None), ("reject", {"reason": "未到场"}), ("no-show", None)])
def test_the_api_refuses_a_decision_on_ones_own_claim(api, session, loop, secretary, action, body):
    claim = _done_claim(session, loop, secretary)
    r = api.as_(SECRETARY).post(f"/api/v1/claims/{claim.id}/{action}", json=body)
    assert r.status_code == 403, r.json
    assert r.json["error"]["code"] == "self_dealing"
    session.expire_all()
    assert session.get(Claim, claim.id).status == "done"
    assert _balance_rows(session, secretary) == 0
    assert _refusals(session, "claim", claim.id) == 1


def test_another_admin_verifies_the_same_claim(api, session, loop, secretary):
    claim = _done_claim(session, loop, secretary)
    r = api.as_("community_admin").post(f"/api/v1/claims/{claim.id}/verify")
    assert r.status_code == 200 and r.json["status"] == "verified"
    assert _balance_rows(session, secretary) == 1


def test_the_english_refusal_names_the_action(api, session, loop, secretary):
    claim = _done_claim(session, loop, secretary)
    r = api.as_(SECRETARY).post(f"/api/v1/claims/{claim.id}/verify", headers={"Accept-Language": "en"})
    assert r.status_code == 403
    assert "yourself" in r.json["error"]["message"] and "verifying" in r.json["error"]["message"]


def test_a_batch_verify_refuses_only_the_own_claim(api, session, loop, secretary):
    own = _done_claim(session, loop, secretary)
    others = _done_claim(session, loop, loop.member_a, title="助老")
    r = api.as_(SECRETARY).post("/api/v1/claims/verify-batch", json={"ids": [own.id, others.id]})
    assert r.status_code == 200
    by_id = {row["id"]: row for row in r.json}
    assert by_id[own.id]["ok"] is False and by_id[own.id]["code"] == "self_dealing"
    assert by_id[others.id]["ok"] is True
    session.expire_all()
    assert session.get(Claim, own.id).status == "done"
    assert session.get(Claim, others.id).status == "verified"
    assert _balance_rows(session, secretary) == 0
    assert _refusals(session, "claim", own.id) == 1


def test_the_verification_page_refuses_the_own_claim(client, session, loop, secretary):
    own = _done_claim(session, loop, secretary)
    login(client, loop.accounts[SECRETARY].phone)
    queue = client.get("/staff/verify").text
    r = client.post("/staff/verify", data={"csrf_token": csrf_from(queue), "ids": [own.id]}, follow_redirects=True)
    assert "不能处理与本人有关的记录" in r.text
    session.expire_all()
    assert session.get(Claim, own.id).status == "done"
    assert _balance_rows(session, secretary) == 0
    assert _refusals(session, "claim", own.id) == 1


def test_the_claim_page_refuses_a_no_show_on_ones_own_claim(client, session, loop, secretary):
    own = _done_claim(session, loop, secretary)
    login(client, loop.accounts[SECRETARY].phone)
    page = client.get("/staff/verify").text
    r = client.post(f"/claims/{own.id}/no-show", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "不能处理与本人有关的记录" in r.text
    session.expire_all()
    assert session.get(Claim, own.id).status == "done"
    assert _refusals(session, "claim", own.id) == 1


def _own_pending_registration(session, loop, secretary) -> Registration:
    registration = make_registration(session, secretary, loop.community_a, "unit", status="pending")
    settle(session)
    return registration


def test_the_api_refuses_approving_ones_own_registration(api, session, loop, secretary):
    registration = _own_pending_registration(session, loop, secretary)
    r = api.as_(SECRETARY).post(f"/api/v1/registrations/{registration.id}/approve")
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    r = api.as_(SECRETARY).post("/api/v1/registrations/batch", json={"ids": [registration.id], "action": "approve"})
    result = r.json["results"][0]
    assert result["ok"] is False and result["error"]["code"] == "self_dealing"
    session.expire_all()
    assert session.get(Registration, registration.id).status == "pending"
    assert _refusals(session, "registration", registration.id) == 2
    assert api.as_("community_admin").post(f"/api/v1/registrations/{registration.id}/approve").status_code == 200


def test_the_registration_page_refuses_approving_ones_own(client, session, loop, secretary):
    registration = _own_pending_registration(session, loop, secretary)
    login(client, loop.accounts[SECRETARY].phone)
    page = client.get(f"/staff/registrations?community_id={loop.community_a.id}").text
    r = client.post(
        "/staff/registrations/decide",
        data={
            "csrf_token": csrf_from(page),
            "community_id": loop.community_a.id,
            "action": "approve",
            "ids": [registration.id],
        },
        follow_redirects=True,
    )
    assert "不能处理与本人有关的记录" in r.text
    session.expire_all()
    assert session.get(Registration, registration.id).status == "pending"
    assert _refusals(session, "registration", registration.id) == 1


# --- rating is the resident's ------------------------------------------------------------------


def _resolved_need(session, loop) -> Need:
    need = make_need(session, loop.community_a, status="resolved", phone="13912345678")
    settle(session)
    return need


def test_staff_cannot_rate_a_need_of_their_community(api, session, loop):
    need = _resolved_need(session, loop)
    r = api.as_("grid_worker").post(
        f"/api/v1/needs/track/{need.tracking_code}/feedback", json={"stars": 5, "phone_last4": "5678"}
    )
    assert r.status_code == 403 and r.json["error"]["code"] == "self_dealing"
    session.expire_all()
    assert session.get(Need, need.id).rating is None
    assert _refusals(session, "need", need.id) == 1


def test_rating_asks_for_the_phones_last_four_digits(api, session, loop):
    need = _resolved_need(session, loop)
    url = f"/api/v1/needs/track/{need.tracking_code}/feedback"
    assert api.as_(None).get(f"/api/v1/needs/track/{need.tracking_code}").json["asks_phone_digits"] is True
    r = api.as_(None).post(url, json={"stars": 5})
    assert r.status_code == 422 and "phone_last4" in r.json["error"]["fields"]
    assert api.as_(None).post(url, json={"stars": 5, "phone_last4": "0000"}).status_code == 422
    r = api.as_(None).post(url, json={"stars": 5, "phone_last4": "5678"})
    assert r.status_code == 200 and r.json["status"] == "closed"


def test_the_rating_page_refuses_signed_in_staff(client, session, loop):
    need = _resolved_need(session, loop)
    login(client, loop.accounts["community_admin"].phone)
    page = client.get(f"/needs/track/{need.tracking_code}").text
    r = client.post(
        f"/needs/track/{need.tracking_code}/feedback",
        data={"csrf_token": csrf_from(page), "stars": "5", "phone_last4": "5678"},
    )
    assert r.status_code == 403 and "评价须由居民本人进行" in r.text
    session.expire_all()
    assert session.get(Need, need.id).rating is None


def test_staff_see_the_tracking_code_masked(api, session, loop):
    need = _resolved_need(session, loop)
    seen = api.as_("community_admin").get(f"/api/v1/needs/{need.id}").json["tracking_code"]
    assert seen != need.tracking_code and seen.startswith(need.tracking_code[:2]) and "*" in seen


def test_the_staff_need_page_masks_the_tracking_code(client, session, loop):
    need = _resolved_need(session, loop)
    login(client, loop.accounts["community_admin"].phone)
    page = client.get(f"/staff/needs/{need.id}").text
    assert need.tracking_code not in page and need.masked_tracking_code in page
