import pytest

from .conftest import assert_fits_width

pytestmark = pytest.mark.browser


def test_member_logs_in_on_a_phone_and_sees_home(live_server, phone_page, world):
    page = phone_page
    page.goto(live_server + "/")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("手机号").fill(world.member_a.phone)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#member-home")
    assert "张三" in page.inner_text("main") and "在职党员" in page.inner_text("#member-home")
    assert_fits_width(page)


def test_wrong_password_shows_the_message_on_the_page(live_server, phone_page, world):
    page = phone_page
    page.goto(live_server + "/login")
    page.get_by_label("手机号").fill(world.member_a.phone)
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    assert "手机号或密码错误" in page.inner_text("[role=alert]")
