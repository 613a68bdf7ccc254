"""The unit's compliance list: in-service party members without both registrations, JSON and XLSX."""

import io

import pytest
from openpyxl import load_workbook

from ..factories import make_member, make_registration
from .conftest import page_login


@pytest.fixture
def roster(session, world, settled):
    """市税务局: 张三 done, 王五 half done (unit pending), 赵六 nothing; 钱七 retired, 孙八 elsewhere."""
    make_registration(session, world.member_a, world.community_a, "residence")
    make_registration(session, world.member_a, world.community_a, "unit")
    wang = make_member(session, "王五", building=world.building_a, unit=world.unit)
    make_registration(session, wang, world.community_a, "residence")
    make_registration(session, wang, world.community_a, "unit", status="pending")
    zhao = make_member(session, "赵六", building=world.building_b, unit=world.unit)
    make_registration(session, zhao, world.community_b, "residence", status="withdrawn")
    make_member(session, "钱七", building=world.building_a, unit=world.unit, status="retired")
    make_member(session, "孙八", building=world.building_a, unit=world.other_unit)
    settled()
    return {"wang": wang.id, "zhao": zhao.id}


def test_unit_admin_sees_who_has_not_completed_both(api, world, roster):
    r = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/compliance")
    assert r.status_code == 200
    assert r.json["unit_name"] == "市税务局" and r.json["total"] == 3 and r.json["complete"] == 1
    rows = {row["name"]: row for row in r.json["rows"]}
    assert set(rows) == {"王五", "赵六"}
    assert rows["王五"]["missing"] == ["unit"] and rows["王五"]["unit_status"] == "pending"
    assert rows["王五"]["residence_status"] == "approved" and rows["王五"]["residence_community"] == "金山社区"
    assert rows["赵六"]["missing"] == ["residence", "unit"] and rows["赵六"]["residence_status"] == "missing"
    assert rows["赵六"]["member_id"] == roster["zhao"]


def test_compliance_exports_xlsx(api, world, roster):
    r = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/compliance?format=xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓名", "手机号", "居住地社区", "单位挂点社区", "缺少"]
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {"王五", "赵六"}
    assert (
        body["王五"][2] == "已通过（金山社区）"
        and body["王五"][3] == "待审核（金山社区）"
        and body["王五"][4] == "单位挂点社区"
    )
    assert body["赵六"][2] == "未报到" and body["赵六"][4] == "居住地社区、单位挂点社区"
    assert len(body["赵六"][1]) == 11


def test_compliance_is_scoped(api, world, roster):
    url = f"/api/v1/units/{world.unit.id}/compliance"
    assert api.as_("city_admin").get(url).status_code == 200  # the unit's owning area (组织部)
    assert api.as_("community_admin").get(url).status_code == 404
    assert api.as_("member").get(url).status_code == 404
    assert api.as_("unit_admin").get(f"/api/v1/units/{world.other_unit.id}/compliance").status_code == 404
    assert api.as_("unit_admin").get(url + "?format=pdf").status_code == 422


def test_compliance_page_and_download(client, world, roster):
    page_login(client, world.accounts["unit_admin"].phone)
    home = client.get("/").text
    assert "双报到完成情况" in home
    page = client.get("/unit/registration-compliance")
    assert page.status_code == 200
    assert "王五" in page.text and "赵六" in page.text and "张三" not in page.text and "钱七" not in page.text
    assert "下载 Excel 名单" in page.text
    download = client.get(f"/unit/registration-compliance?unit_id={world.unit.id}&format=xlsx")
    assert download.status_code == 200
    names = [row[0] for row in load_workbook(io.BytesIO(download.data)).active.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["王五", "赵六"]
    assert client.get(f"/unit/registration-compliance?unit_id={world.other_unit.id}").status_code == 404


def test_compliance_page_is_for_unit_admins(client, world):
    page_login(client, world.member_a.phone)
    assert client.get("/unit/registration-compliance").status_code == 403
