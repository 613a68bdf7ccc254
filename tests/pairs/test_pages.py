"""Pages: the staff pair page (form, list, overdue visits), the rhythm editor, the member's pairs."""

from datetime import datetime, timedelta, UTC

from sqlalchemy import select

from service.pairs.models import StandingPair, VisitRhythm
from service.pairs.service import generate_due_visits
from tests.web.test_pages import csrf_from, login

from .conftest import TZ, make_pair


def test_staff_pair_a_member_and_see_the_overdue_visits(client, city, session):
    login(client, city.accounts["community_admin"].phone)
    page = client.get("/staff/pairs")
    assert page.status_code == 200 and "结对帮扶" in page.text and "新建结对" in page.text
    assert 'name="viewport"' in page.text
    data = {
        "csrf_token": csrf_from(page.text),
        "member_phone": city.member_a.phone,
        "resident_name": "王秀英",
        "resident_phone": "13712345678",
        "place_id": str(city.building_a.id),
        "beneficiary_group": "hardship",
    }
    r = client.post("/staff/pairs", data={**data, "member_phone": "13000000000"})
    assert r.status_code == 422 and "找不到该手机号的成员" in r.text and 'value="王秀英"' in r.text
    r = client.post("/staff/pairs", data=data, follow_redirects=True)
    assert "已结对" in r.text and "137****5678" in r.text and "13712345678" not in r.text
    pair = session.scalars(select(StandingPair)).one()
    assert (pair.member_id, pair.beneficiary_group) == (city.member_a.id, "hardship")
    # A week-old weekly visit nobody made shows in the overdue list.
    week_ago = datetime.now(UTC) - timedelta(days=7)
    generate_due_visits(session, week_ago, TZ)
    session.commit()
    page = client.get("/staff/pairs").text
    overdue = page.split('id="overdue-visits"')[1].split("</section>")[0]
    assert "王秀英" in overdue and "每周一见" in overdue
    end = client.post(
        f"/staff/pairs/{pair.id}/end", data={"csrf_token": csrf_from(page), "reason": "搬走了"}, follow_redirects=True
    )
    assert "结对已解除" in end.text
    session.expire_all()
    assert session.get(StandingPair, pair.id).active is False


def test_forms_without_csrf_change_nothing_and_members_are_kept_out(client, city, session):
    login(client, city.accounts["community_admin"].phone)
    r = client.post(
        "/staff/pairs",
        data={
            "member_phone": city.member_a.phone,
            "resident_name": "王秀英",
            "place_id": str(city.building_a.id),
            "beneficiary_group": "special",
        },
    )
    assert r.status_code == 400 and "表单已过期" in r.text
    assert session.scalars(select(StandingPair)).all() == []
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/staff/pairs").text)})
    login(client, city.member_a.phone)
    assert client.get("/staff/pairs").status_code == 403
    assert client.get("/staff/pairs/rhythms").status_code == 403


def test_the_rhythm_editor_sets_and_clears_an_areas_rhythm(client, city, session):
    login(client, city.accounts["community_admin"].phone)
    page = client.get("/staff/pairs/rhythms")
    assert page.status_code == 200 and "走访频次设置" in page.text and "五见默认" in page.text
    form = {
        "csrf_token": csrf_from(page.text),
        "rhythm_special": "",
        "rhythm_hardship": "",
        "rhythm_key": "weekly",
        "rhythm_volunteer": "",
        "rhythm_ordinary": "",
    }
    r = client.post(f"/staff/pairs/rhythms?area_id={city.community_a.id}", data=form, follow_redirects=True)
    assert "走访频次已保存" in r.text and "来自：金山社区" in r.text
    assert [(v.area_id, v.beneficiary_group, v.rhythm) for v in session.scalars(select(VisitRhythm))] == [
        (city.community_a.id, "key", "weekly")
    ]
    r = client.post(
        f"/staff/pairs/rhythms?area_id={city.community_a.id}", data={**form, "rhythm_key": ""}, follow_redirects=True
    )
    assert session.scalars(select(VisitRhythm)).all() == []


def test_the_member_sees_their_pairs_and_the_current_visit(client, city, session):
    now = datetime.now(UTC)
    make_pair(session, city, "special", now=now.astimezone(TZ).replace(hour=7).astimezone(UTC))
    login(client, city.member_a.phone)
    page = client.get("/my/pairs")
    assert page.status_code == 200 and "我的结对" in page.text
    assert "王秀英" in page.text and "特殊群体" in page.text and "每日一见" in page.text
    assert "137****5678" in page.text and "13712345678" not in page.text
    assert "待走访" in page.text and "去走访" in page.text
    login(client, city.accounts["community_admin"].phone)
    assert client.get("/my/pairs").status_code == 404
