"""Candidates, why-not and recommendations through the API: filters, reasons in words, scope."""

from .conftest import plumbing_task
from datetime import UTC


def test_candidates_are_ranked_with_reasons_and_filtered(session, crew, api):
    task = plumbing_task(session, crew)
    r = api.as_("community_admin").get(f"/api/v1/tasks/{task.id}/candidates?limit=10")
    assert r.status_code == 200, r.json
    items = r.json["items"]
    # Eligible: same building + skill + free (张三, 王五; tie broken by member id), then 周九 (far).
    assert [i["member_id"] for i in items] == [crew.a.id, crew.wang.id, crew.zhou.id]
    assert [i["rank"] for i in items] == [1, 2, 3]
    best = items[0]
    assert best["name"] == "张三" and best["invitation"] is None
    words = best["text"]["zh"].split(" · ")
    assert words[:3] == ["同楼栋", "会水电维修", "本月尚未服务"] and words[3].endswith("有空")
    assert "回居住地社区服务" in words  # in-service member, residence side, no service yet this period
    assert best["text"]["en"].startswith("same building · skilled in plumbing")
    assert {r["key"] for r in best["reasons"]} >= {"near.building", "skill", "fair", "cover.full", "side"}
    assert best["breakdown"]["near"] > items[2]["breakdown"]["near"] == 0
    assert best["score"] > items[2]["score"]
    assert r.json["open_slots"] == 1


def test_limit_is_applied_and_bounded(session, crew, api):
    task = plumbing_task(session, crew)
    assert len(api.as_("community_admin").get(f"/api/v1/tasks/{task.id}/candidates?limit=1").json["items"]) == 1
    assert api.as_("community_admin").get(f"/api/v1/tasks/{task.id}/candidates?limit=500").status_code == 422


def test_why_not_names_the_first_filter_that_excludes(session, crew, api):
    task = plumbing_task(session, crew)
    staff = api.as_("community_admin")

    def why(member):
        r = staff.get(f"/api/v1/tasks/{task.id}/candidates/{member.id}/why-not")
        assert r.status_code == 200, r.json
        return r.json

    assert why(crew.zhao)["excluded"] == {
        "code": "missing_skills",
        "zh": "缺少任务要求的技能：水电维修",
        "en": "lacks a required skill: plumbing",
    }
    assert why(crew.qian)["excluded"]["code"] == "unavailable"
    assert "0%" in why(crew.qian)["excluded"]["zh"]
    assert why(crew.sun)["excluded"]["code"] == "not_registered"
    ok = why(crew.wang)
    assert ok["eligible"] and ok["excluded"] is None and ok["rank"] == 2 and "同楼栋" in ok["text"]["zh"]


def test_why_not_after_a_claim_says_the_member_holds_the_task(session, crew, api):
    task = plumbing_task(session, crew, slots=2)
    assert api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}).status_code == 201
    answer = api.as_("community_admin").get(f"/api/v1/tasks/{task.id}/candidates/{crew.a.id}/why-not").json
    assert answer["excluded"]["code"] == "holds_task" and answer["claim"] == "claimed"
    items = api.as_("community_admin").get(f"/api/v1/tasks/{task.id}/candidates").json["items"]
    assert crew.a.id not in [i["member_id"] for i in items]


def test_outside_the_scope_answers_404(session, crew, api):
    task = plumbing_task(session, crew)
    for role in ("other_community_admin", "member", "nobody"):
        client = api.as_(role)
        assert client.get(f"/api/v1/tasks/{task.id}/candidates").status_code == 404
        assert client.get(f"/api/v1/tasks/{task.id}/candidates/{crew.wang.id}/why-not").status_code == 404
        assert client.post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.wang.id}).status_code == 404
    assert api.as_(None).get(f"/api/v1/tasks/{task.id}/candidates").status_code == 401
    # A member the staff cannot see is a 404 too (member B lives and registers elsewhere).
    assert (
        api.as_("community_admin")
        .get(f"/api/v1/tasks/{task.id}/candidates/{crew.world.member_b.id}/why-not")
        .status_code
        == 404
    )
    # The street above sees it.
    assert api.as_("street_admin").get(f"/api/v1/tasks/{task.id}/candidates").status_code == 200


def test_grid_workers_read_but_do_not_invite(session, crew, api):
    task = plumbing_task(session, crew)
    grid = api.as_("grid_worker")
    assert grid.get(f"/api/v1/tasks/{task.id}/candidates").status_code == 200
    assert grid.post(f"/api/v1/tasks/{task.id}/invitations", json={"member_id": crew.wang.id}).status_code == 403


def test_recommended_tasks_for_a_member(session, crew, api):
    fits = plumbing_task(session, crew, title="修水管")
    plumbing_task(session, crew, title="护理", skills=("nursing",))  # lacks the skill: not recommended
    other = plumbing_task(
        session, crew, title="银湖修水管", community=crew.world.community_b, place_id=crew.world.community_b.id
    )  # not registered there
    r = api.as_("member").get(f"/api/v1/members/{crew.a.id}/recommended-tasks")
    assert r.status_code == 200, r.json
    items = r.json["items"]
    assert [i["task"]["id"] for i in items] == [fits.id]
    assert items[0]["task"]["title"] == "修水管" and "beneficiary_group" not in items[0]["task"]
    assert items[0]["text"]["zh"].startswith("同楼栋 · 会水电维修")
    assert other.id not in [i["task"]["id"] for i in items]
    # Staff over the member see them; a stranger's member account does not.
    assert api.as_("community_admin").get(f"/api/v1/members/{crew.a.id}/recommended-tasks").status_code == 200
    assert api.as_("zhou").get(f"/api/v1/members/{crew.a.id}/recommended-tasks").status_code == 404


def test_the_task_hall_shows_recommendations_first(session, crew, client):
    from tests.web.test_pages import login

    plumbing_task(session, crew, title="修水管")
    login(client, crew.a.phone)
    page = client.get("/tasks").text
    recommended = page.split('id="recommended"')[1].split("</section>")[0]
    assert "修水管" in recommended and "同楼栋 · 会水电维修" in recommended


def test_dispatch_preview_then_send_through_the_api(session, crew, api):
    from datetime import datetime, timedelta

    plumbing_task(session, crew, start=30, slots=2, title="修水管")
    now = datetime.now(UTC)
    body = {"area_id": crew.world.community_a.id, "from": now.isoformat(), "to": (now + timedelta(days=7)).isoformat()}
    staff = api.as_("community_admin")
    preview = staff.post("/api/v1/dispatch/preview", json=body)
    assert preview.status_code == 200, preview.json
    plan = preview.json
    assert plan["solver"] == "exact" and plan["slots"] == 2 and plan["filled"] == 2 and plan["dispatch_id"] is None
    assert plan["assignments"][0]["text"]["zh"] and plan["invitation_ids"] == []
    assert api.as_("member").get("/api/v1/invitations").json["total"] == 0
    sent = staff.post("/api/v1/dispatch", json=body | {"hours": 6})
    assert sent.status_code == 201, sent.json
    assert sent.json["dispatch_id"] and len(sent.json["invitation_ids"]) == 2
    assert {a["member_id"] for a in sent.json["assignments"]} == {crew.a.id, crew.wang.id}
    mine = api.as_("member").get("/api/v1/invitations?status=pending").json["items"]
    assert len(mine) == 1 and mine[0]["dispatch_id"] == sent.json["dispatch_id"]
    assert api.as_("other_community_admin").post("/api/v1/dispatch/preview", json=body).status_code == 404
    assert staff.post("/api/v1/dispatch/preview", json=body | {"method": "magic"}).status_code == 422


def test_pages_suggest_invite_and_answer(session, crew, client):
    from tests.web.test_pages import login

    task = plumbing_task(session, crew)
    login(client, crew.world.accounts["community_admin"].phone)
    detail = client.get(f"/tasks/{task.id}").text
    assert f"/staff/tasks/{task.id}/suggestions" in detail
    page = client.get(f"/staff/tasks/{task.id}/suggestions").text
    assert "同楼栋 · 会水电维修" in page and 'id="candidate-%d"' % crew.a.id in page
    why = client.get(f"/staff/tasks/{task.id}/suggestions?member_id={crew.zhao.id}").text
    assert "缺少任务要求的技能：水电维修" in why
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(f"/staff/tasks/{task.id}/invite", data={"csrf_token": token, "member_id": crew.a.id})
    assert r.status_code == 303
    assert "已邀请" in client.get(f"/staff/tasks/{task.id}/suggestions").text
    assert client.post(f"/staff/tasks/{task.id}/invite", data={"member_id": crew.a.id}).status_code == 400  # no CSRF
    dispatch = client.get("/staff/dispatch")
    assert dispatch.status_code == 200 and "预览" in dispatch.text
    client.post("/logout", data={"csrf_token": token})
    login(client, crew.a.phone)
    mine = client.get("/invitations").text
    assert task.title in mine and "接受" in mine
    token = mine.split('name="csrf_token" value="')[1].split('"')[0]
    inv_id = int(mine.split('id="invitation-')[1].split('"')[0])
    r = client.post(f"/invitations/{inv_id}/accept", data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/tasks/{task.id}")
    assert "已接受" in client.get("/invitations").text
