"""On a 375 px phone: staff see a task's suggested members with reasons and invite one;
the member accepts from their inbox and holds the slot."""

import pytest
from sqlalchemy import select

from service.tasks.models import Claim, Invitation
from tests.matching.conftest import crew, loop, plumbing_task  # noqa: F401  (fixtures, helper)

from .conftest import assert_fits_width

pytestmark = pytest.mark.browser


def _log_in(page, base, phone):
    page.goto(base + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".roles")


def test_staff_invite_a_suggested_member_who_accepts_from_the_inbox(live_server, phone_page, session, crew):
    task = plumbing_task(session, crew, title="上门修水管")
    session.close()  # the live server's threads must not wait behind this test's transaction
    page = phone_page

    _log_in(page, live_server, crew.world.accounts["community_admin"].phone)
    page.goto(f"{live_server}/tasks/{task.id}")
    page.get_by_role("link", name="推荐人选").click()
    first = page.locator(f"#candidate-{crew.a.id}")
    first.wait_for()
    assert "同楼栋 · 会水电维修 · 本月尚未服务" in first.inner_text()
    assert "有空" in first.locator(".reasons").inner_text()
    assert page.locator("li.suggestion").count() == 3
    assert_fits_width(page)
    first.get_by_role("button", name="邀请").click()
    page.wait_for_selector(f"#candidate-{crew.a.id} >> text=已邀请")
    assert_fits_width(page)
    page.get_by_role("button", name="退出").click()
    page.wait_for_selector("text=登录")

    _log_in(page, live_server, crew.a.phone)
    page.goto(f"{live_server}/inbox")
    page.get_by_role("link", name="派单邀请：上门修水管").click()
    invitation = page.locator("li.invitation").first
    invitation.wait_for()
    assert "推荐理由：同楼栋" in invitation.inner_text()
    assert_fits_width(page)
    invitation.get_by_role("button", name="接受").click()
    page.wait_for_selector("#my-claim")
    assert_fits_width(page)

    session.rollback()
    claim = session.scalar(select(Claim).where(Claim.task_id == task.id, Claim.member_id == crew.a.id))
    assert claim is not None and claim.status == "claimed"
    assert session.scalar(select(Invitation.status).where(Invitation.task_id == task.id)) == "accepted"
