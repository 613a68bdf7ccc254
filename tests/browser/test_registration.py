import pytest

from .conftest import assert_fits_width

pytestmark = pytest.mark.browser


def _log_in(page, base, phone):
    page.goto(base + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".roles")


def _log_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_selector("text=登录")


def test_member_files_both_sides_and_the_community_approves_them(live_server, phone_page, world):
    page = phone_page
    _log_in(page, live_server, world.member_a.phone)
    page.get_by_role("link", name="我的双报到").click()
    page.wait_for_selector("#double-status")
    assert "尚未报到居住地社区" in page.inner_text("#missing")
    assert_fits_width(page)

    # The residence community is preselected from the home building.
    assert page.locator("#file-residence select").input_value() == str(world.community_a.id)
    page.get_by_role("button", name="向居住地社区报到").click()
    page.wait_for_selector("text=已提交报到，请等待社区审核")
    page.get_by_role("button", name="向单位挂点社区报到").click()
    page.wait_for_selector("#side-unit >> text=待审核")
    missing = page.inner_text("#missing")
    assert "居住地社区报到待审核" in missing and "单位挂点社区报到待审核" in missing
    assert_fits_width(page)
    _log_out(page)

    _log_in(page, live_server, world.accounts["community_admin"].phone)
    page.get_by_role("link", name="双报到审核").click()
    page.wait_for_selector("#pending")
    rows = page.locator("#pending li[id^=pending-]")
    assert rows.count() == 2 and "张三" in page.inner_text("#pending")
    assert_fits_width(page)
    # One by one for the first, the batch for the rest.
    rows.first.get_by_role("button", name="通过").click()
    page.wait_for_selector("text=已通过 1 条报到")
    page.locator("#pending input[type=checkbox]").check()
    page.get_by_role("button", name="批量通过所选").click()
    page.wait_for_selector("text=没有待审核的报到")
    assert "张三" in page.inner_text("#registered")
    assert_fits_width(page)
    _log_out(page)

    _log_in(page, live_server, world.member_a.phone)
    page.goto(live_server + "/registration/me")
    assert "已完成双报到" in page.inner_text("#complete")
    assert "金山社区" in page.inner_text("#side-residence") and "金山社区" in page.inner_text("#side-unit")
    assert_fits_width(page)
