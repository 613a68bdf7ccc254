"""Task pages and their API routes share one schema and one command: the same refusals, in the
reader's language."""

from sqlalchemy import select

from service.tasks.models import Claim
from tests.web.test_pages import csrf_from, login

from .conftest import make_task


def test_api_field_messages_follow_the_language_too(api, loop, session):
    task = make_task(session, loop, start=-1, length=3)
    member = api.as_("member")
    claim = member.post(f"/api/v1/tasks/{task.id}/claims", json={}).json
    zh = member.post(f"/api/v1/claims/{claim['id']}/done", json={"note": "x"})
    en = member.post(f"/api/v1/claims/{claim['id']}/done", json={"note": "x"}, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 422
    assert zh.json["error"]["fields"] == {"hours": ["必填"]}
    assert en.json["error"]["fields"] == {"hours": ["required"]}


def test_a_refused_page_action_changes_nothing_and_says_why(client, loop, session):
    task = make_task(session, loop, start=-1, length=3)
    login(client, loop.member_a.phone)
    detail = client.get(f"/tasks/{task.id}").text
    client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf_from(detail), "waitlist": "0"})
    claim = session.scalar(select(Claim).where(Claim.task_id == task.id))
    mine = client.get("/my/tasks").text
    r = client.post(
        f"/claims/{claim.id}/done", data={"csrf_token": csrf_from(mine), "hours": "30"}, follow_redirects=True
    )
    assert "须在 0.1 到 24 之间" in r.text
    session.refresh(claim)
    assert claim.status == "claimed" and claim.hours_tenths is None


def test_staff_without_a_member_record_cannot_claim(client, api, loop, session):
    task = make_task(session, loop)
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/claims", json={})
    assert r.status_code == 403 and r.json["error"]["code"] == "not_a_member"
    login(client, loop.accounts["community_admin"].phone)
    page = client.get(f"/tasks/{task.id}").text
    r = client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "只有成员可以认领任务" in r.text
    assert session.scalar(select(Claim).where(Claim.task_id == task.id)) is None
