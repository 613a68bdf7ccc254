from sqlalchemy import select

from service.tasks.models import Claim, Task
from tests.web.test_pages import csrf_from, login

from .conftest import make_task


def test_member_claims_from_the_hall_and_reports_done(client, loop, session):
    task = make_task(session, loop, start=-1, length=3, title="楼道杂物清理")
    login(client, loop.member_a.phone)
    hall = client.get("/tasks").text
    assert "楼道杂物清理" in hall and "任务大厅" in hall
    detail = client.get(f"/tasks/{task.id}").text
    r = client.post(f"/tasks/{task.id}/claim", data={"csrf_token": csrf_from(detail)}, follow_redirects=True)
    assert "认领成功" in r.text and "已认领" in r.text
    claim = session.scalar(select(Claim).where(Claim.task_id == task.id))
    mine = client.get("/my/tasks").text
    r = client.post(
        f"/claims/{claim.id}/done", data={"csrf_token": csrf_from(mine), "hours": "abc"}, follow_redirects=True
    )
    assert "须为数字" in r.text  # the schema's message, in the page's language
    r = client.post(
        f"/claims/{claim.id}/done",
        data={"csrf_token": csrf_from(mine), "hours": "2", "note": "清理完毕"},
        follow_redirects=True,
    )
    assert "待核实" in r.text


def test_claim_without_csrf_changes_nothing(client, loop, session):
    task = make_task(session, loop)
    login(client, loop.member_a.phone)
    r = client.post(f"/tasks/{task.id}/claim", data={}, follow_redirects=True)
    assert "表单已过期" in r.text
    assert session.scalar(select(Claim).where(Claim.task_id == task.id)) is None


def test_staff_create_a_task_and_verify_from_the_queue(client, api, loop, session):
    login(client, loop.accounts["community_admin"].phone)
    page = client.get("/staff/tasks/new").text
    r = client.post(
        "/staff/tasks/new",
        data={
            "csrf_token": csrf_from(page),
            "title": "义诊",
            "community_id": loop.community_a.id,
            "category": "caring_help",
            "date": "2030-01-05",
            "start": "09:00",
            "end": "08:00",
            "slots": "2",
        },
    )
    assert r.status_code == 422 and "结束时间必须晚于开始时间" in r.text
    r = client.post(
        "/staff/tasks/new",
        data={
            "csrf_token": csrf_from(page),
            "title": "义诊",
            "community_id": loop.community_a.id,
            "category": "caring_help",
            "date": "2030-01-05",
            "start": "09:00",
            "end": "11:00",
            "slots": "2",
        },
        follow_redirects=True,
    )
    assert "任务已发布" in r.text
    assert session.scalar(select(Task).where(Task.title == "义诊")).slots == 2
    task = make_task(session, loop, start=-1, length=3)
    c = api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}).json
    api.as_("member").post(f"/api/v1/claims/{c['id']}/done", json={"hours": 2})
    queue = client.get("/staff/verify").text
    assert "张三" in queue
    r = client.post(
        "/staff/verify", data={"csrf_token": csrf_from(queue), "ids": [str(c["id"])]}, follow_redirects=True
    )
    assert "已核实 1 条" in r.text
    assert session.get(Claim, c["id"]).status == "verified"


def test_inbox_shows_the_unread_count_and_marks_read(client, api, loop, session):
    task = make_task(session, loop)
    api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={})
    login(client, loop.member_a.phone)
    home = client.get("/").text
    assert 'id="unread">1<' in home
    inbox = client.get("/inbox").text
    assert "认领成功" in inbox
    client.post("/inbox/read", data={"csrf_token": csrf_from(inbox)})
    assert 'id="unread"' not in client.get("/").text
