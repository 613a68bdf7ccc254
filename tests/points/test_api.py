import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from service.audit.models import AuditEvent

AWARD = {"category": "caring_help", "hours": 2, "occurred_at": "2026-10-13T09:00:00+08:00"}


def test_preview_explains_line_by_line(api, world, rules):
    r = api.as_("member").post(
        "/api/v1/point-rules/preview",
        json={"community_id": world.community_a.id, "beneficiary_group": "special", **AWARD},
    )
    assert r.status_code == 200, r.json
    assert r.json["points"] == 6.0
    assert r.json["lines"] == ["2.0 h × 2.0/h = 4.0", "×1.5 特殊群体 = 6.0"]
    assert r.json["rule_set_id"] == rules


def test_preview_with_member_counts_caps(api, world, rules):
    admin = api.as_("community_admin")
    admin.post(
        "/api/v1/points/awards",
        json={"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD, "hours": 8},
    )
    r = admin.post(
        "/api/v1/point-rules/preview",
        json={"community_id": world.community_a.id, "member_id": world.member_a.id, **AWARD, "hours": 4},
    )
    assert r.json["points"] == 4.0 and r.json["lines"][-2] == "每日上限 20.0（已得 16.0）: 4.0"


def test_preview_for_someone_elses_member_is_404(api, world, rules):
    r = api.as_("member").post(
        "/api/v1/point-rules/preview",
        json={"community_id": world.community_a.id, "member_id": world.member_b.id, **AWARD},
    )
    assert r.status_code == 404


def test_admin_records_service_and_a_double_submit_is_one_entry(api, world, rules, session):
    body = {"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD, "note": "上门探访"}
    first = api.as_("community_admin").post("/api/v1/points/awards", json=body)
    second = api.as_("community_admin").post("/api/v1/points/awards", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"] and first.json["points"] == 4.0
    assert first.json["explanation"].endswith("上门探访")
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "points.award")) is not None


def test_awards_outside_scope_are_404_and_grid_workers_cannot_award(api, world, rules):
    body = {"member_id": world.member_b.id, "community_id": world.community_b.id, **AWARD}
    assert api.as_("community_admin").post("/api/v1/points/awards", json=body).status_code == 404
    assert api.as_("member").post("/api/v1/points/awards", json=body).status_code == 404
    body = {"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD}
    assert api.as_("grid_worker").post("/api/v1/points/awards", json=body).status_code == 403
    # a member awarding themself is refused outright (their own record is not hidden from them)
    assert api.as_("member").post("/api/v1/points/awards", json=body).status_code == 403


def test_adjustment_and_reversal_through_the_api(api, world, rules, session):
    admin = api.as_("community_admin")
    r = admin.post(
        "/api/v1/points/adjustments",
        json={
            "member_id": world.member_a.id,
            "community_id": world.community_a.id,
            "points": 3.5,
            "reason": "补录线下活动",
        },
    )
    assert r.status_code == 201 and r.json["kind"] == "adjustment" and r.json["points"] == 3.5
    assert (
        admin.post(
            "/api/v1/points/adjustments",
            json={"member_id": world.member_a.id, "community_id": world.community_a.id, "points": 1},
        ).status_code
        == 422
    )
    rev = admin.post(f"/api/v1/points/entries/{r.json['id']}/reverse", json={"reason": "重复"})
    assert rev.status_code == 201 and rev.json["points"] == -3.5 and rev.json["reverses_id"] == r.json["id"]
    again = admin.post(f"/api/v1/points/entries/{r.json['id']}/reverse", json={"reason": "重复"})
    assert again.status_code == 409
    assert (
        api.as_("other_community_admin")
        .post(f"/api/v1/points/entries/{r.json['id']}/reverse", json={"reason": "x"})
        .status_code
        == 404
    )
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"points.adjust", "points.reverse"} <= actions


def test_member_points_by_side_and_period(api, world, rules):
    api.as_("community_admin").post(
        "/api/v1/points/awards", json={"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD}
    )
    r = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/points?period=month")
    assert r.status_code == 200
    assert r.json["totals"] == {"total": 4.0, "residence": 0.0, "unit": 0.0, "other": 4.0}
    assert r.json["entries"]["items"][0]["explanation"].startswith("2.0 h × 2.0/h = 4.0")
    old = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/points?period=year&date=2020-06-01")
    assert old.json["totals"]["total"] == 0 and old.json["all_time"]["total"] == 4.0
    assert old.json["entries"]["total"] == 0 and old.json["entries"]["items"] == []
    beyond = api.as_("member").get(f"/api/v1/members/{world.member_a.id}/points?period=month&page=3&per_page=1")
    assert beyond.json["entries"]["total"] == 1 and beyond.json["entries"]["items"] == []
    assert api.as_("member").get(f"/api/v1/members/{world.member_b.id}/points").status_code == 404
    assert api.as_("member").get(f"/api/v1/members/{world.member_a.id}/points?period=decade").status_code == 422


def test_publishing_rules_is_validated_and_scoped(api, world, rules):
    base = {
        "area_id": world.community_a.id,
        "effective_from": "2026-12-01",
        "body": {"default": {"base": "1", "per_hour": "1"}},
    }
    r = api.as_("community_admin").post("/api/v1/point-rules", json=base)
    assert r.status_code == 201 and r.json["version"] == 1
    bad = dict(
        base,
        body={"default": {"base": "1", "per_hour": "1"}, "categories": {"karaoke": {"base": "1", "per_hour": "1"}}},
    )
    assert api.as_("community_admin").post("/api/v1/point-rules", json=bad).status_code == 422
    bad = dict(base, body={"default": {"base": "1", "per_hour": "-1"}})
    r = api.as_("community_admin").post("/api/v1/point-rules", json=bad)
    assert r.status_code == 422 and "body" in r.json["error"]["fields"]
    assert (
        api.as_("community_admin")
        .post("/api/v1/point-rules", json=dict(base, area_id=world.community_b.id))
        .status_code
        == 404
    )
    assert api.as_("grid_worker").post("/api/v1/point-rules", json=base).status_code == 403
    listed = api.as_("member").get(f"/api/v1/point-rules?area_id={world.community_a.id}").json
    assert listed["total"] == 1


def test_entries_list_is_scoped(api, world, rules):
    api.as_("city_admin").post(
        "/api/v1/points/awards", json={"member_id": world.member_b.id, "community_id": world.community_b.id, **AWARD}
    )
    assert api.as_("community_admin").get("/api/v1/points/entries").json["total"] == 0
    assert api.as_("other_community_admin").get("/api/v1/points/entries").json["total"] == 1


def test_double_evaluation_json_and_xlsx(api, world, rules):
    api.as_("community_admin").post(
        "/api/v1/points/awards", json={"member_id": world.member_a.id, "community_id": world.community_a.id, **AWARD}
    )
    r = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/double-evaluation?period=year")
    assert r.status_code == 200
    row = next(x for x in r.json["rows"] if x["member_id"] == world.member_a.id)
    assert row["by_side"]["other"] == {"services": 1, "hours": 2.0, "points": 4.0}
    x = api.as_("unit_admin").get(f"/api/v1/units/{world.unit.id}/double-evaluation?period=year&format=xlsx")
    assert x.status_code == 200 and x.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(x.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and any(r[0] == "张三" and r[-3] == 4.0 for r in rows[1:])
    assert api.as_("unit_admin").get(f"/api/v1/units/{world.other_unit.id}/double-evaluation").status_code == 404


def test_grades_by_thresholds_are_kept_with_the_rule_version(api, world, rules, session):
    admin = api.as_("city_admin")
    for day in range(1, 4):
        admin.post(
            "/api/v1/points/awards",
            json={
                "member_id": world.member_a.id,
                "community_id": world.community_a.id,
                **AWARD,
                "hours": 8,
                "occurred_at": f"2026-10-0{day}T09:00:00+08:00",
            },
        )
    r = admin.post(
        "/api/v1/grades", json={"area_id": world.city.id, "period": "year", "date": date.today().isoformat()}
    )
    assert r.status_code == 201, r.json
    grades = {x["member_id"]: x["grade"] for x in r.json["results"]}
    assert grades == {world.member_a.id: "优秀", world.member_b.id: "不合格"}  # 48 points ≥ 30; 0 points
    assert r.json["rule_set_id"] == rules
    assert api.as_("other_community_admin").get(f"/api/v1/grades/{r.json['id']}").status_code == 404
    assert api.as_("city_admin").get(f"/api/v1/grades/{r.json['id']}").json["results"][0]["position"] == 1


def test_catalogue_lists_the_seven_classes_and_only_the_city_adds_items(api, world, rules):
    catalogue = api.as_("member").get("/api/v1/service-categories").json
    assert [c["name"] for c in catalogue] == [
        "爱心帮扶",
        "便民服务",
        "环境整治",
        "文明督导",
        "矛盾调解",
        "平安巡逻",
        "政策宣讲",
    ]
    item = {"category": "everyday_help", "code": "phone_repair", "name": "手机维修"}
    assert api.as_("community_admin").post("/api/v1/service-items", json=item).status_code == 403
    assert api.as_("city_admin").post("/api/v1/service-items", json=item).status_code == 201


def test_grades_by_percentiles(api, world, rules, session):
    from tests.factories import make_member

    extra = [make_member(session, f"成员{i}", building=world.building_a).id for i in range(4)]
    session.commit()
    admin = api.as_("city_admin")
    percentiles = {
        "default": {"base": "0", "per_hour": "1"},
        "grades": {
            "method": "percentiles",
            "otherwise": "合格",
            "levels": [{"name": "优秀", "top_share": "0.2"}, {"name": "良好", "top_share": "0.6"}],
        },
    }
    admin.post(
        "/api/v1/point-rules",
        json={"area_id": world.community_a.id, "effective_from": "2026-01-01", "body": percentiles},
    )
    for i, member_id in enumerate([world.member_a.id] + extra):
        admin.post(
            "/api/v1/points/awards",
            json={"member_id": member_id, "community_id": world.community_a.id, **AWARD, "hours": 5 - i},
        )
    r = admin.post(
        "/api/v1/grades", json={"area_id": world.community_a.id, "period": "year", "date": date.today().isoformat()}
    )
    assert r.status_code == 201, r.json
    # Five members: positions 1..5 are the top .2 .4 .6 .8 1.0 of the community
    assert [x["grade"] for x in r.json["results"]] == ["优秀", "良好", "良好", "合格", "合格"]
    assert r.json["method"] == "percentiles"
