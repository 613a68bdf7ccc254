import csv

from openpyxl import Workbook
from sqlalchemy import func, select

from service.people.models import Member
from service.places.models import Area, Unit


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_import_areas_units_members_from_csv_with_chinese_headers(app, world, tmp_path, session):
    runner = app.test_cli_runner()
    areas = write_csv(
        tmp_path / "areas.csv",
        ["编码", "名称", "类型", "上级编码", "户数"],
        [
            ["N-C1", "新华社区", "社区", "", ""],  # root-less row is refused below; use parent
        ],
    )
    result = runner.invoke(args=["import", "areas", str(areas)])
    assert result.exit_code == 0  # a root area is allowed (a second city)
    areas = write_csv(
        tmp_path / "areas2.csv",
        ["code", "name", "kind", "parent_code", "households"],
        [
            ["N-G1", "新华一网格", "grid", "T-CA", "420"],
            ["N-B1", "新华一网格1栋", "楼栋", "N-G1", ""],
        ],
    )
    result = runner.invoke(args=["import", "areas", str(areas)])
    assert result.exit_code == 0, result.output
    building = session.scalar(select(Area).where(Area.code == "N-B1"))
    assert building.path.startswith(world.community_a.path)
    units = write_csv(
        tmp_path / "units.csv",
        ["code", "name", "kind", "area_code", "community_codes"],
        [["U-1", "市医保局", "机关", "T-CITY", "T-CA；T-CB"]],
    )
    assert runner.invoke(args=["import", "units", str(units)]).exit_code == 0
    members = write_csv(
        tmp_path / "members.csv",
        ["姓名", "手机号", "身份", "单位编码", "楼栋编码", "技能", "空闲时段"],
        [
            ["赵六", "138 0013 8001", "在职党员", "U-1", "N-B1", "plumbing;理发", "周六 09:00-12:00; 7 14:00-17:00"],
            ["钱七", "13800138002", "群众志愿者", "", "N-B1", "", ""],
        ],
    )
    result = runner.invoke(args=["import", "members", str(members)])
    assert result.exit_code == 0, result.output
    zhao = session.scalar(select(Member).where(Member.phone == "13800138001"))
    assert zhao.unit.code == "U-1" and {s.code for s in zhao.skills} == {"plumbing", "haircut"}
    assert [(w.weekday, w.start_minute, w.end_minute) for w in zhao.availability] == [(5, 540, 720), (6, 840, 1020)]


def test_one_bad_row_imports_nothing_and_reports_that_row(app, world, tmp_path, session):
    before = session.scalar(select(func.count()).select_from(Member))
    rows = [[f"成员{i}", f"1370000{i:04d}", "在职党员", "", "T-BA", "", ""] for i in range(50)]
    rows[36][1] = "1234"  # spreadsheet row 38 (header is row 1)
    path = write_csv(
        tmp_path / "m.csv",
        ["name", "phone", "party_status", "unit_code", "building_code", "skills", "availability"],
        rows,
    )
    result = app.test_cli_runner().invoke(args=["import", "members", str(path)])
    assert result.exit_code == 1
    assert "第 38 行 [phone]" in result.output
    assert "nothing imported" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Member)) == before


def test_duplicate_phone_in_file_and_unknown_codes_are_reported(app, world, tmp_path):
    path = write_csv(
        tmp_path / "m.csv",
        ["name", "phone", "party_status", "unit_code", "building_code"],
        [
            ["甲", "13700001111", "在职党员", "NOPE", "T-BA"],
            ["乙", "13700001111", "火星人", "", "NOPE"],
        ],
    )
    out = app.test_cli_runner().invoke(args=["import", "members", str(path)]).output
    assert "第 2 行 [unit_code]" in out and "第 3 行 [phone]" in out
    assert "第 3 行 [party_status]" in out and "第 3 行 [building_code]" in out


def test_xlsx_import(app, world, tmp_path, session):
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "kind", "area_code", "community_codes", "code"])
    ws.append(["红十字会", "社会组织", "T-CITY", "T-CA", "U-X"])
    wb.save(tmp_path / "u.xlsx")
    result = app.test_cli_runner().invoke(args=["import", "units", str(tmp_path / "u.xlsx")])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(Unit).where(Unit.code == "U-X")).kind == "social_org"


def test_area_rows_must_respect_the_tree(app, world, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        ["code", "name", "kind", "parent_code"],
        [["X1", "楼", "building", "T-CA"], ["X2", "社区", "community", "T-BA"], ["X3", "无上级", "grid", "MISSING"]],
    )
    out = app.test_cli_runner().invoke(args=["import", "areas", str(path)]).output
    assert "第 3 行 [kind]" in out and "第 4 行 [parent_code]" in out
