"""The whole closed loop on a 375 px phone: 点单、派单、接单、办结、回访、公示."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from service.needs.models import Need
from service.points.models import LedgerEntry
from tests.factories import make_registration, settle
from tests.needs.conftest import needs_world  # noqa: F401  (fixture)
from tests.points.conftest import rules  # noqa: F401  (fixture)

from .conftest import assert_fits_width

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
RESIDENT_NAME, RESIDENT_PHONE = "王秀英", "13912345678"


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(NEED_FORM_LIMIT="1000 per minute", NEED_PHOTO_DIR=str(tmp_path / "photos"))


def _log_in(page, base, phone):
    page.goto(base + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("password-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector(".roles")


def _log_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_selector("text=登录")


def _task_window():
    """A window that has begun (so the member may report done) and has not ended, on one local day."""
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    start = max(now - timedelta(minutes=30), now.replace(hour=0, minute=0))
    end = min(now + timedelta(hours=2), now.replace(hour=23, minute=59))
    if end <= now + timedelta(minutes=2):  # the last minutes of the day: use tomorrow's start instead
        pytest.skip("too close to midnight for a same-day task window")
    return start.date().isoformat(), start.strftime("%H:%M"), end.strftime("%H:%M")


def test_resident_staff_and_member_close_the_loop(live_server, phone_page, needs_world, rules, session):
    world = needs_world
    make_registration(session, world.member_a, world.community_a, "residence")
    settle(session)
    page = phone_page

    # 点单: a resident, with no account, posts a need and gets a tracking code.
    page.goto(f"{live_server}/needs/new?community_id={world.community_a.id}")
    page.select_option("#need-compound", label="金山花园")
    page.select_option("#need-building", label="金山花园3栋")
    page.select_option("select[name=category]", "everyday_help")
    page.fill("textarea[name=description]", "独居老人家中水龙头漏水，需要上门维修")
    page.fill("input[name=resident_name]", RESIDENT_NAME)
    page.fill("input[name=resident_phone]", RESIDENT_PHONE)
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#need-status")
    code = page.inner_text("#code").strip()
    assert_fits_width(page)
    need_id = session.scalar(select(Need.id).where(Need.tracking_code == code))
    session.close()

    # 受理 and 派单: staff accept it and create a task from it.
    _log_in(page, live_server, world.accounts["community_admin"].phone)
    page.goto(f"{live_server}/staff/needs/{need_id}")
    page.locator("#accept-form").get_by_role("button", name="受理").click()
    page.wait_for_selector("#status >> text=已受理")
    assert_fits_width(page)
    page.get_by_role("link", name="派单：发布志愿服务任务").click()
    day, start, end = _task_window()
    page.fill("input[name=title]", "上门维修水龙头")
    page.fill("input[name=date]", day)
    page.fill("input[name=start]", start)
    page.fill("input[name=end]", end)
    page.fill("input[name=slots]", "1")
    assert_fits_width(page)
    page.get_by_role("button", name="发布").click()
    page.wait_for_selector("text=任务已发布")
    task_url = page.url
    _log_out(page)

    # 接单: the member claims it, checks in and reports done.
    _log_in(page, live_server, world.member_a.phone)
    page.get_by_role("link", name="任务大厅").click()
    page.get_by_role("link", name="上门维修水龙头").first.click()
    page.get_by_role("button", name="认领").click()
    page.wait_for_selector("#my-claim >> text=已认领")
    page.get_by_role("link", name="我的任务").click()
    page.get_by_role("button", name="签到").click()
    page.wait_for_selector("#my-tasks >> text=已签到")
    page.fill("input[name=hours]", "1.5")
    page.get_by_role("button", name="报告完成").click()
    page.wait_for_selector("#my-tasks >> text=待核实")
    assert_fits_width(page)
    _log_out(page)

    # 核实: staff verify from the queue; the ledger gets exactly one award.
    _log_in(page, live_server, world.accounts["community_admin"].phone)
    page.goto(f"{live_server}/staff/verify")
    assert "张三" in page.inner_text("#verify-queue")
    page.get_by_role("button", name="核实所选").click()
    page.wait_for_selector("text=没有待核实的服务")
    # 办结: the owner records the result.
    page.goto(f"{live_server}/staff/needs/{need_id}")
    page.fill("#resolve-form textarea[name=result]", "已上门更换水龙头")
    page.locator("#resolve-form").get_by_role("button", name="办结").click()
    page.wait_for_selector("#status >> text=已办结")
    _log_out(page)
    awards = session.scalars(select(LedgerEntry).where(LedgerEntry.member_id == world.member_a.id)).all()
    assert [(e.kind, e.amount) for e in awards] == [("award", 30)]  # 1.5 h × 2.0/h = 3.0 points
    session.close()

    # The member sees the points with the computation line by line.
    _log_in(page, live_server, world.member_a.phone)
    page.get_by_role("link", name="我的积分").click()
    explanation = page.inner_text("#entries")
    assert "1.5 h × 2.0/h = 3.0" in explanation
    assert_fits_width(page)
    _log_out(page)

    # 回访: the resident rates it with five stars through the tracking code; it closes.
    page.goto(f"{live_server}/needs/track/{code}")
    page.check("input[name=stars][value='5']")
    page.fill("input[name=phone_last4]", RESIDENT_PHONE[-4:])
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_selector("text=感谢您的评价")
    assert "已归档" in page.inner_text("#need-status") or "已评价" in page.inner_text("#need-status")

    # 公示: the public page lists it as finished, without the resident's name or phone.
    page.goto(f"{live_server}/needs/public/{world.community_a.id}")
    results = page.inner_text("#results")
    assert "已上门更换水龙头" in results and "★★★★★" in results
    body = page.content()
    assert RESIDENT_NAME not in body and RESIDENT_PHONE not in body and RESIDENT_PHONE[-4:] not in body
    assert_fits_width(page)
    # The five stars paid the rules' bonus to the verified volunteer, once.
    kinds = sorted(session.scalars(select(LedgerEntry.kind).where(LedgerEntry.member_id == world.member_a.id)))
    assert kinds == ["award", "bonus"]
    assert task_url.startswith(live_server)
