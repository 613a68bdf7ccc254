"""The rankings API: public published boards, live standings for staff, member ranks, corrections, exports."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from service.periods import period_containing
from service.rankings import service
from tests.factories import add_login, make_entry, make_member, settle

from .conftest import TZ, at

OCTOBER = period_containing("month", date(2026, 10, 1), TZ)
AFTER = at(2026, 11, 1, 1)
BOARD = "/api/v1/rankings?scope=community&scope_id={}&period=month&start=2026-10-01&side=total"


@pytest.fixture
def published(session, world):
    """金山 in October: a hidden member first, an inactive one tied second, then 张三; published."""
    a, ca = world.building_a, world.community_a
    hidden = make_member(session, "王隐名", building=a, unit=world.unit)
    hidden.hide_public = True
    gone = make_member(session, "赵离任", building=a)
    gone.active = False
    shown = make_member(session, "钱公开", building=a)
    idle = make_member(session, "孙未参与", building=a)
    make_entry(session, hidden, ca, 8, at(2026, 10, 3, 9))
    make_entry(session, gone, ca, 5, at(2026, 10, 4, 9))
    make_entry(session, shown, ca, 5, at(2026, 10, 6, 9))
    make_entry(session, world.member_a, ca, 2, at(2026, 10, 6, 9))
    settle(session)
    service.publish_period(session, OCTOBER, AFTER)
    session.close()
    return {"hidden": hidden, "gone": gone, "shown": shown, "idle": idle}


def test_not_yet_published_is_a_clear_404(client, world):
    r = client.get(BOARD.format(world.community_a.id))
    assert r.status_code == 404
    assert r.json["error"]["message"] == "该周期的排名尚未公示" and r.json["error"]["details"]["period"] == "2026-10"


def test_the_public_board_masks_names_keeps_ranks_and_shows_no_phones_or_ids(client, world, published):
    r = client.get(BOARD.format(world.community_a.id))
    assert r.status_code == 200, r.json
    body = r.json
    assert (
        body["live"] is False and body["snapshot"]["version"] == 1 and body["snapshot"]["period"]["label"] == "2026-10"
    )
    rows = [(row["position"], row["rank"], row["name"], row["points"]) for row in body["rows"]]
    assert rows == [
        (1, 1, "某党员", 8.0),
        (2, 2, "某党员", 5.0),
        (3, 2, "钱公开", 5.0),
        (4, 4, "张三", 2.0),
        (5, None, "孙未参与", 0.0),
    ]
    text = r.get_data(as_text=True)
    for member in (published["hidden"], published["gone"], published["shown"], world.member_a):
        assert member.phone not in text
    assert "王隐名" not in text and "赵离任" not in text and "member_id" not in text
    assert body["snapshot"]["rule_set_ids"] == [] and len(body["snapshot"]["checksum"]) == 64


def test_the_latest_published_period_without_a_start_and_paging(client, world, published):
    r = client.get(f"/api/v1/rankings?scope=community&scope_id={world.community_a.id}&per_page=2&page=3")
    assert r.status_code == 200 and [row["position"] for row in r.json["rows"]] == [5]
    assert r.json["total"] == 5
    assert client.get(f"/api/v1/rankings?scope=street&scope_id={world.community_a.id}").status_code == 404


def test_live_standings_are_for_staff_over_the_scope_and_marked(api, world, published, session):
    make_entry(session, world.member_a, world.community_a, 30, at(2026, 10, 30, 9))  # booked after publication
    settle(session)
    url = f"/api/v1/rankings/live?scope=community&scope_id={world.community_a.id}&period=month&start=2026-10-01"
    assert api.get(url).status_code == 401
    assert api.as_("member").get(url).status_code == 404
    assert api.as_("other_community_admin").get(url).status_code == 404
    r = api.as_("community_admin").get(url)
    assert r.status_code == 200 and r.json["live"] is True and r.json["notice"] == "实时, 未公示"
    assert r.json["snapshot"]["id"] is None
    first = r.json["rows"][0]
    assert (first["full_name"], first["rank"], first["points"], first["member_id"]) == (
        "张三",
        1,
        32.0,
        world.member_a.id,
    )
    assert {row["full_name"]: row["masked"] for row in r.json["rows"]}["王隐名"] is True
    assert (
        api.as_("unit_admin")
        .get(f"/api/v1/rankings/live?scope=unit&scope_id={world.unit.id}&start=2026-10-01")
        .status_code
        == 200
    )


def test_a_member_sees_their_rank_in_each_scope(api, world, published, session):
    add_login(session, world, "shown", member=published["shown"])
    r = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/rank?period=month&date=2026-10-15")
    assert r.status_code == 200, r.json
    scopes = {s["scope"]: s for s in r.json["scopes"]}
    assert set(scopes) == {"city", "district", "street", "community", "unit"}
    assert scopes["community"]["rank"] == 4 and scopes["community"]["published"] is True
    assert scopes["unit"]["rank"] == 2 and scopes["unit"]["scope_name"] == "市税务局"
    assert api.as_("shown").get(f"/api/v1/members/{world.member_a.id}/rank").status_code == 404
    assert (
        api.as_("community_admin").get(f"/api/v1/members/{world.member_a.id}/rank?date=2026-10-02").status_code == 200
    )
    live = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/rank?period=year&date=2026-10-15")
    assert {s["published"] for s in live.json["scopes"]} == {False}
    assert {s["scope"]: s["rank"] for s in live.json["scopes"]}["community"] == 4


def test_a_correction_through_the_api_supersedes_and_the_old_stays_readable(api, client, world, published, session):
    old = client.get(BOARD.format(world.community_a.id)).json["snapshot"]
    make_entry(session, world.member_a, world.community_a, 30, at(2026, 10, 30, 9))
    settle(session)
    body = {"snapshot_id": old["id"], "reason": "补录"}
    assert api.as_("community_admin").post("/api/v1/rankings/corrections", json=body).status_code == 403
    r = api.as_("street_admin").post("/api/v1/rankings/corrections", json=body)
    assert r.status_code == 201, r.json
    assert (r.json["version"], r.json["supersedes_id"], r.json["reason"]) == (2, old["id"], "补录")
    latest = client.get(BOARD.format(world.community_a.id)).json
    assert latest["snapshot"]["id"] == r.json["id"] and latest["rows"][0]["name"] == "张三"
    first = client.get(f"/api/v1/rankings/{old['id']}").json
    assert first["snapshot"]["superseded_by_id"] == r.json["id"] and first["rows"][0]["name"] == "某党员"
    assert client.get(BOARD.format(world.community_a.id) + "&version=1").json["snapshot"]["id"] == old["id"]
    assert api.as_("street_admin").post("/api/v1/rankings/corrections", json=body).status_code == 409


def test_staff_export_every_row_as_xlsx_or_csv_without_phones(api, client, world, published):
    snapshot_id = client.get(BOARD.format(world.community_a.id)).json["snapshot"]["id"]
    url = f"/api/v1/rankings/{snapshot_id}/export"
    assert api.get(url).status_code == 401
    assert api.as_("other_community_admin").get(url).status_code == 404
    r = api.as_("community_admin").get(url + "?format=xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "排名", "成员编号", "姓名")
    assert [(row[1], row[3], row[4]) for row in rows[1:3]] == [(1, "王隐名", "某党员"), (2, "赵离任", "某党员")]
    assert rows[5][1] in (None, "") and len(rows) == 6
    r = api.as_("street_admin").get(url + "?format=csv")
    table = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert len(table) == 6 and table[3][3] == "钱公开"
    assert published["shown"].phone not in r.data.decode("utf-8-sig")
