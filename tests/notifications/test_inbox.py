"""Inbox rows keep a message id and its parameters, and read in the reader's language."""

from sqlalchemy import select

from service.notifications.models import Notification
from service.people.models import Account
from tests.tasks.conftest import make_task
from tests.web.test_pages import login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def _cancelled_while_in_chinese(api, loop, session):
    task = make_task(session, loop, title="楼道清理")
    assert api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}, headers=ZH).status_code == 201
    r = api.as_("community_admin").post(f"/api/v1/tasks/{task.id}/cancel", json={"reason": "下雨"}, headers=ZH)
    assert r.status_code == 200, r.json
    return task


def test_an_english_reader_reads_in_english_what_staff_caused_in_chinese(api, loop, session):
    task = _cancelled_while_in_chinese(api, loop, session)
    note = session.scalar(select(Notification).where(Notification.kind == "task.cancelled"))
    assert note.title_id == "任务已取消：%(task)s" and note.params == {"task": "楼道清理"}

    english = api.as_("member").get("/api/v1/notifications", headers=EN).json
    titles = [item["title"] for item in english["items"]]
    assert titles == ["Task cancelled: 楼道清理", "Claim confirmed: 楼道清理"]
    assert english["items"][0]["link"] == f"/tasks/{task.id}" and english["unread"] == 2

    chinese = api.as_("member").get("/api/v1/notifications", headers=ZH).json
    assert [item["title"] for item in chinese["items"]] == ["任务已取消：楼道清理", "认领成功：楼道清理"]


def test_without_a_header_the_api_uses_the_accounts_language(api, loop, session):
    _cancelled_while_in_chinese(api, loop, session)
    session.get(Account, loop.accounts["member"].id).locale = "en"
    session.commit()
    items = api.as_("member").get("/api/v1/notifications").json["items"]
    assert items[0]["title"] == "Task cancelled: 楼道清理"


def test_the_inbox_page_reads_in_the_members_language(client, api, loop, session):
    _cancelled_while_in_chinese(api, loop, session)
    session.get(Account, loop.accounts["member"].id).locale = "en"
    session.commit()
    login(client, loop.member_a.phone)
    page = client.get("/inbox", headers=ZH).text
    assert "Task cancelled: 楼道清理" in page and "Claim confirmed: 楼道清理" in page
    assert "任务已取消" not in page


def test_a_reason_in_someones_own_words_is_shown_as_written(api, loop, session):
    """A rejection's reason is the staff member's text: the title translates, the body does not."""
    task = make_task(session, loop, start=-1, length=3)
    claim = api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}).json
    api.as_("member").post(f"/api/v1/claims/{claim['id']}/check-in")
    assert api.as_("member").post(f"/api/v1/claims/{claim['id']}/done", json={"hours": 2}).status_code == 200
    r = api.as_("community_admin").post(f"/api/v1/claims/{claim['id']}/reject", json={"reason": "照片不清楚"})
    assert r.status_code == 200, r.json
    item = api.as_("member").get("/api/v1/notifications", headers=EN).json["items"][0]
    assert (item["title"], item["body"]) == ("Service not verified: 楼道清理", "照片不清楚")


def test_rows_written_before_message_ids_keep_their_stored_text(api, loop, session):
    session.add(Notification(account_id=loop.accounts["member"].id, kind="old", title="旧通知", body="旧正文"))
    session.commit()
    item = api.as_("member").get("/api/v1/notifications", headers=EN).json["items"][0]
    assert (item["title"], item["body"]) == ("旧通知", "旧正文")
