import io

from openpyxl import load_workbook

from tests.web.test_pages import csrf_from, login

AWARD = {"category": "caring_help", "hours": 2, "occurred_at": "2026-10-13T09:00:00+08:00"}


def test_member_page_shows_the_double_points_split_and_explanations(client, api, world, rules):
    api.as_("community_admin").post(
        "/api/v1/points/awards",
        json={
            "member_id": world.member_a.id,
            "community_id": world.community_a.id,
            **AWARD,
            "beneficiary_group": "special",
        },
    )
    login(client, world.member_a.phone)
    page = client.get("/points/me").text
    assert "居住地社区" in page and "单位挂点社区" in page
    assert "2.0 h × 2.0/h = 4.0; ×1.5 特殊群体 = 6.0" in page
    assert "+6.0" in page
    assert "我的积分" in client.get("/").text  # the nav offers it


def test_rules_editor_publishes_a_version_and_reports_bad_input_on_the_page(client, world, rules):
    login(client, world.accounts["community_admin"].phone)
    page = client.get("/staff/point-rules").text
    token = csrf_from(page)
    r = client.post(
        "/staff/point-rules",
        data={
            "csrf_token": token,
            "area_id": world.community_a.id,
            "effective_from": "2026-12-01",
            "body": "{not json",
        },
    )
    assert r.status_code == 422 and "JSON" in r.text
    r = client.post(
        "/staff/point-rules",
        data={
            "csrf_token": token,
            "area_id": world.community_a.id,
            "effective_from": "2026-12-01",
            "body": '{"default": {"base": "1", "per_hour": "-3"}}',
        },
    )
    assert r.status_code == 422 and "per_hour" in r.text
    r = client.post(
        "/staff/point-rules",
        data={
            "csrf_token": token,
            "area_id": world.community_a.id,
            "effective_from": "2026-12-01",
            "body": '{"default": {"base": "1", "per_hour": "3"}}',
        },
        follow_redirects=True,
    )
    assert r.status_code == 200 and "v1" in r.text and "2026-12-01" in r.text


def test_unit_admin_downloads_the_double_evaluation(client, api, world, rules):
    api.as_("community_admin").post(
        "/api/v1/points/awards", json={"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD}
    )
    login(client, world.accounts["unit_admin"].phone)
    page = client.get("/unit/double-evaluation?period=year").text
    assert "张三" in page and "双评价" in page
    r = client.get("/unit/double-evaluation?period=year&format=xlsx")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "张三"


def test_members_without_roles_cannot_open_staff_points_pages(client, world, rules):
    login(client, world.member_a.phone)
    assert client.get("/staff/point-rules").status_code == 403
    assert client.get("/unit/double-evaluation").status_code == 403
    assert client.get("/staff/evaluations").status_code == 403


def test_residence_community_evaluates_a_member_and_the_unit_sees_it(client, api, world, rules, session):
    from tests.factories import make_registration, settle

    make_registration(session, session.merge(world.member_a), session.merge(world.community_a), "residence")
    settle(session)
    login(client, world.accounts["community_admin"].phone)
    page = client.get("/staff/evaluations").text
    assert "张三" in page
    r = client.post(
        "/staff/evaluations",
        data={
            "csrf_token": csrf_from(page),
            "member_id": world.member_a.id,
            "rating": "excellent",
            "comment": "主动清理楼道",
        },
        follow_redirects=True,
    )
    assert "评价已保存" in r.text
    report = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/double-evaluation?period=year").json
    row = next(x for x in report["rows"] if x["member_id"] == world.member_a.id)
    assert row["evaluation"] == {"rating": "excellent", "comment": "主动清理楼道"}
    # Another community cannot evaluate her.
    r = api.as_("other_community_admin").post(
        "/api/v1/evaluations", json={"member_id": world.member_a.id, "month": "2026-10-01", "rating": "poor"}
    )
    assert r.status_code == 404
