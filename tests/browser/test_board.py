"""The public ranking board in a real Chromium: a 1920×1080 hall screen and a 375 px phone."""

from datetime import date

import pytest

from service.periods import period_containing
from service.rankings import service
from tests.factories import make_entry, make_member, settle
from tests.rankings.conftest import TZ, at, install

from .conftest import assert_fits_width

pytestmark = pytest.mark.browser

POINTS = [20, 15, 15, 12, 10, 9, 8, 7, 5, 5, 3, 1]  # ties for 2nd and for 9th; two below the top ten


@pytest.fixture
def app(make_app):
    return install(make_app())


@pytest.fixture
def published(session, world):
    members = []
    for i, points in enumerate(POINTS):
        member = make_member(session, f"队员{i + 1:02d}", building=world.building_a)
        make_entry(session, member, world.community_a, points, at(2026, 10, 2 + i, 9))
        members.append(member)
    members[3].hide_public = True
    settle(session)
    service.publish_period(session, period_containing("month", date(2026, 10, 1), TZ), at(2026, 11, 1, 1))
    session.close()
    return members


def _open(page, url):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    return errors


def test_the_hall_screen_shows_the_published_top_ten_with_equal_ranks_for_ties(live_server, browser, world, published):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        errors = _open(page, f"{live_server}/boards/{world.community_a.id}")
        assert "金山社区" in page.inner_text("#board-title") and "2026-10" in page.inner_text("#board-period")
        ranks = page.locator("#podium [data-rank], #board-list [data-rank]").evaluate_all(
            "items => items.map(item => item.dataset.rank)"
        )
        assert ranks == ["1", "2", "2", "4", "5", "6", "7", "8", "9", "9"]
        podium = page.locator("#podium .rank").all_inner_texts()
        assert podium[0].startswith("第1名") and podium[1].startswith("第2名") and podium[2].startswith("第2名")
        assert "并列" in podium[1] and "并列" in podium[2] and "并列" not in podium[0]
        names = page.locator("#podium .name, #board-list .name").all_inner_texts()
        assert names[:3] == ["队员01", "队员02", "队员03"] and names[3] == "某党员" and len(names) == 10
        assert "队员11" not in page.inner_text("main") and "队员04" not in page.inner_text("body")
        for member in published:
            assert member.phone not in page.content()
        # On a wide screen the podium stands 2 – 1 – 3, the winner in the middle and tallest.
        first, second, third = (page.locator(f"#podium .place-{i}").bounding_box() for i in (1, 2, 3))
        assert second["x"] < first["x"] < third["x"] and first["height"] > second["height"] > third["height"]
        assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "60"
        assert errors == []  # nothing blocked by the Content-Security-Policy, no script errors
    finally:
        context.close()


def test_the_board_reads_on_a_phone(live_server, phone_page, world, published):
    page = phone_page
    errors = _open(page, f"{live_server}/boards/{world.community_a.id}")
    assert page.locator("#podium li").count() == 3 and page.locator("#board-list li").count() == 7
    first, second = (page.locator(f"#podium .place-{i}").bounding_box() for i in (1, 2))
    assert first["y"] < second["y"]  # stacked: the winner on top
    assert_fits_width(page)
    assert errors == []
