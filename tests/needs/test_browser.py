"""The resident's door on a 375 px phone, through Debian's Chromium (skipped where it is not installed)."""

import pytest
from sqlalchemy import select

from service.needs.models import Need
from tests.browser.conftest import assert_fits_width, browser, live_server, phone_page  # noqa: F401  (fixtures)
from tests.factories import make_need, settle

pytestmark = pytest.mark.browser


def test_resident_reports_a_need_on_a_phone(live_server, phone_page, needs_world, session):
    page = phone_page
    page.goto(f"{live_server}/needs/new?community_id={needs_world.community_a.id}")
    assert_fits_width(page)
    page.select_option("#need-compound", label="金山花园")
    # needs.js leaves only the chosen compound's buildings to pick from.
    visible = page.eval_on_selector_all("#need-building optgroup:not([hidden]) option", "os => os.map(o => o.text)")
    assert visible == ["金山花园3栋"]
    page.select_option("#need-building", label="金山花园3栋")
    page.select_option("select[name=category]", "everyday_help")
    page.fill("textarea[name=description]", "楼道灯坏了")
    page.fill("input[name=resident_name]", "王秀英")
    page.fill("input[name=resident_phone]", "13912345678")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#need-status")
    assert_fits_width(page)
    code = page.inner_text("#code")
    need = session.scalar(select(Need).where(Need.tracking_code == code))
    assert need.place_id == needs_world.compound_building_a.id
    assert "139****5678" in page.inner_text("#resident")


def test_disclosure_and_rating_fit_a_phone(live_server, phone_page, needs_world, session):
    need = make_need(session, needs_world.community_a, needs_world.building_a, status="resolved")
    code = need.tracking_code
    settle(session)
    page = phone_page
    page.goto(f"{live_server}/needs/track/{code}")
    assert_fits_width(page)
    page.check("input[name=stars][value='5']")
    page.fill("input[name=phone_last4]", "5678")
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_selector("text=感谢您的评价")
    page.goto(f"{live_server}/needs/public/{needs_world.community_a.id}")
    assert "100.0%" in page.inner_text("#figures")
    assert_fits_width(page)
