"""Ranking pages: the public board, the member's rank card, the staff dashboard, 红黑榜 review, exports."""

import io
import re
from datetime import date, datetime, timedelta, UTC

import pytest
from flask import render_template_string
from openpyxl import load_workbook

from service.people.scope import scope_for
from service.periods import period_containing
from service.rankings import service, units
from tests.factories import make_entry, make_member, make_need, make_registration, settle
from tests.web.test_pages import csrf_from, login

from .conftest import TZ, at

OCTOBER = period_containing("month", date(2026, 10, 1), TZ)
AFTER = at(2026, 11, 1, 1)


@pytest.fixture
def board(session, world):
    """Twelve members of 金山 with October points: ties at 2nd and 9th; one hides, one left."""
    a, ca = world.building_a, world.community_a
    points = [20, 15, 15, 12, 10, 9, 8, 7, 5, 5, 3, 1]
    members = []
    for i, p in enumerate(points):
        member = make_member(session, f"队员{i + 1:02d}", building=a)
        make_entry(session, member, ca, p, at(2026, 10, 2 + i, 9))
        members.append(member)
    members[0].hide_public = True
    members[4].active = False
    settle(session)
    service.publish_period(session, OCTOBER, AFTER)
    session.close()
    return members


def test_the_public_board_shows_the_top_ten_with_a_podium_and_equal_ranks(client, world, board):
    r = client.get(f"/boards/{world.community_a.id}")
    assert r.status_code == 200
    page = r.text
    assert '<meta http-equiv="refresh" content="60">' in page and 'lang="zh-CN"' in page
    assert "<script" not in page
    podium = page.split('id="podium"')[1].split("</ol>")[0]
    assert podium.count("<li") == 3 and "某党员" in podium and "队员01" not in page
    assert re.findall(r'data-rank="(\d+)"', page) == ["1", "2", "2", "4", "5", "6", "7", "8", "9", "9"]
    assert page.count("并列") == 4  # two pairs of ties, each member marked
    assert "队员05" not in page and page.count("某党员") == 2  # the inactive one is masked too
    assert "队员11" not in page  # eleventh place is not in the top ten
    for member in board:
        assert member.phone not in page
    assert "2026-10" in page and "上榜 12 人" in page


def test_the_board_switches_sides_and_periods_and_says_when_nothing_is_published(client, world, board):
    r = client.get(f"/boards/{world.community_a.id}?side=unit")
    assert r.status_code == 200 and "本期暂无积分" in r.text
    r = client.get(f"/boards/{world.community_a.id}?period=month&start=2026-09-01")
    assert r.status_code == 200 and "暂无已公示的排名" in r.text and "2026-09" in r.text
    assert client.get(f"/boards/{world.building_a.id}").status_code == 404
    assert client.get("/boards/999999").status_code == 404


def test_a_cached_board_drops_a_hidden_member_within_the_cache_time(app, client, world, board, session):
    """Boards are rendered once per PUBLIC_PAGE_SECONDS per process and language: a member who
    asks to be hidden is gone from the board once that time has passed."""
    from flask_babel import refresh

    from service.web.public_pages import PageCache
    from tests.web.test_public_pages import Clock

    clock = Clock()
    app.extensions["public_pages"] = PageCache(30, clock=clock)
    path = f"/boards/{world.community_a.id}"
    assert "队员02" in client.get(path).text
    member = session.get(type(board[1]), board[1].id)
    member.hide_public = True
    session.commit()
    assert "队员02" in client.get(path).text  # the copy rendered before
    assert "队员02" in client.get(path + "?period=month&utm=x").text  # the same page, the same copy
    # The suite's app context outlives a request and Flask-Babel keeps the locale on it:
    # refresh() forgets it, as a new request's own context would in production.
    refresh()
    english = client.get(path + "?lang=en").text
    assert 'lang="en"' in english and "队员02" not in english  # each language its own copy
    refresh()
    client.get(path + "?lang=zh_CN")
    refresh()
    clock.now += 31
    assert "队员02" not in client.get(path).text


def test_a_street_board_shows_its_red_black_list(client, api, world, board, session):
    make_registration(session, world.member_a, world.community_a, "residence", approved_at=at(2026, 9, 1))
    make_registration(session, world.member_a, world.community_b, "unit", approved_at=at(2026, 9, 1))
    make_entry(session, world.member_a, world.community_a, 2, at(2026, 10, 20), side="residence")
    settle(session)
    units.set_thresholds(
        session, scope_for(session, world.accounts["street_admin"]), world.street.id, {"min_members": 1}
    )
    session.commit()
    assert (
        api.as_("street_admin")
        .post("/api/v1/red-black-lists", json={"area_id": world.street.id, "start": "2026-10-01"})
        .status_code
        == 201
    )
    page = client.get(f"/boards/{world.street.id}").text
    red_black = page.split('id="red-black"')[1]
    assert "市税务局 <small>双报到 100% · 居住地服务 100% · 人均 2.0 分</small>" in red_black


def test_the_member_rank_card_partial(app, session, world, board, monkeypatch):
    from service.rankings import pages

    monkeypatch.setattr(pages, "_now", lambda: datetime(2026, 11, 15, tzinfo=UTC))
    member = session.get(type(board[0]), board[2].id)
    card = service.member_rank_card(session, member.id, datetime(2026, 11, 15, tzinfo=UTC), TZ)
    assert card["period"].label == "2026-10"
    assert {s["scope"]: s["rank"] for s in card["scopes"]} == {"city": 2, "district": 2, "street": 2, "community": 2}
    with app.test_request_context("/"):
        html = render_template_string('{% include "rankings/_member_rank.html" %}', member=member)
        nobody = render_template_string('{% include "rankings/_member_rank.html" %}', member=None)
    assert 'id="member-rank"' in html and "2026-10" in html and html.count("第2名") == 4
    assert f"/boards/{world.community_a.id}" in html and nobody.strip() == ""


def test_the_dashboard_draws_its_charts_in_svg_for_staff_only(client, world, board, session):
    now = datetime.now(UTC)
    make_entry(session, board[1], world.community_a, 6, now - timedelta(days=1))
    make_need(session, world.community_a, status="closed", created_at=now - timedelta(days=3), rating=5)
    make_need(session, world.community_a, status="accepted", created_at=now - timedelta(days=2))
    settle(session)
    login(client, world.member_a.phone)
    assert client.get("/staff/dashboard").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    login(client, world.accounts["community_admin"].phone)
    r = client.get("/staff/dashboard")
    assert r.status_code == 200
    page = r.text
    assert "<script" not in page and page.count("<svg") == 4
    weekly = page.split('id="chart-weekly"')[1].split("</figure>")[0]
    assert "6" in weekly and "<rect" in weekly
    closure = page.split('id="chart-closure"')[1].split("</figure>")[0]
    assert "50%" in closure  # one of the two needs taken on this month is closed
    satisfaction = page.split('id="chart-satisfaction"')[1].split("</figure>")[0]
    assert "100%" in satisfaction
    assert "staff/rankings/" in page and "format=csv" in page


def test_the_dashboard_without_a_needs_model_shows_the_needs_charts_empty(client, world, monkeypatch):
    import service.needs.models as needs_models

    monkeypatch.delattr(needs_models, "Need")
    login(client, world.accounts["street_admin"].phone)
    page = client.get("/staff/dashboard").text
    assert "诉求数据暂未接入" in page
    assert "暂无数据" in page.split('id="chart-closure"')[1].split("</figure>")[0]


def test_staff_export_from_the_web_session(client, world, board):
    snapshot = client.get(f"/api/v1/rankings?scope=community&scope_id={world.community_a.id}").json["snapshot"]
    assert client.get(f"/staff/rankings/{snapshot['id']}/export").status_code in (302, 401)
    login(client, world.accounts["community_admin"].phone)
    r = client.get(f"/staff/rankings/{snapshot['id']}/export?format=xlsx")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[1][3] == "队员01" and rows[1][4] == "某党员" and len(rows) == 14


def test_red_black_review_page_previews_and_publishes(client, world, board):
    login(client, world.accounts["community_admin"].phone)
    assert client.get("/staff/red-black-lists").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    login(client, world.accounts["street_admin"].phone)
    page = client.get(f"/staff/red-black-lists?area_id={world.street.id}&start=2026-10-01").text
    assert "预览, 未发布" in page and "市税务局" in page
    r = client.post(
        "/staff/red-black-lists",
        data={"csrf_token": csrf_from(page), "area_id": world.street.id, "start": "2026-10-01"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "红黑榜已发布" in r.text and "确认发布" not in r.text
    assert client.get(f"/api/v1/red-black-lists?area_id={world.street.id}&start=2026-10-01").status_code == 200


def test_the_member_home_page_shows_last_months_rank(client, session, world, monkeypatch):
    from service.rankings import pages

    make_entry(session, world.member_a, world.community_a, 6, at(2026, 10, 3, 9))
    settle(session)
    service.publish_period(session, OCTOBER, AFTER)
    session.commit()
    session.close()
    monkeypatch.setattr(pages, "_now", lambda: datetime(2026, 11, 15, tzinfo=UTC))
    login(client, world.member_a.phone)
    html = client.get("/").text
    card = html[html.index('id="member-rank"') :]
    assert "2026-10" in card and "第1名" in card
