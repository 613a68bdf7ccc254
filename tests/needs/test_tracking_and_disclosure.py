"""What residents and the public see: their own need by tracking code, and 结果公示 without names or phones."""

import json
from datetime import datetime, timedelta, UTC

import pytest

from tests.factories import make_need, settle
from tests.needs.conftest import public_need

T0 = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


def test_tracking_shows_the_full_history_masked_and_without_the_group(api, needs_world, session):
    r = api.as_("grid_worker").post(
        "/api/v1/needs", json=public_need(needs_world, beneficiary_group="special", channel="door_to_door")
    )
    code, need_id = r.json["tracking_code"], r.json["id"]
    admin = api.as_("community_admin")
    admin.post(f"/api/v1/needs/{need_id}/accept", json={"note": "今天联系物业"})
    admin.post(f"/api/v1/needs/{need_id}/transfer", json={"department_id": needs_world.departments[1].id})
    track = api.get(f"/api/v1/needs/track/{code.lower()}")  # codes are read case-insensitively
    assert track.status_code == 200
    body = track.json
    assert [e["action"] for e in body["events"]] == ["submitted", "accepted", "transferred"]
    assert body["events"][1]["note"] == "今天联系物业" and "物业" in body["events"][2]["note"]
    assert body["resident_phone"] == "139****5678" and body["resident_name"] == "王**"
    assert body["department"] == "物业" and body["owner"] == needs_world.accounts["community_admin"].name
    text = json.dumps(body, ensure_ascii=False)
    assert "13912345678" not in text and "王秀英" not in text
    assert "beneficiary" not in text and "special" not in text
    assert "actor_id" not in text  # staff identities stay inside


def test_tracking_page_shows_history_and_never_the_group_or_full_phone(client, needs_world, session):
    need = make_need(
        session,
        needs_world.community_a,
        needs_world.building_a,
        status="resolved",
        beneficiary_group="special",
        result="已修好楼道灯",
    )
    settle(session)
    page = client.get(f"/needs/track/{need.tracking_code}")
    assert page.status_code == 200
    assert "已修好楼道灯" in page.text and "提交诉求" in page.text and "139****5678" in page.text
    assert "13912345678" not in page.text and "特殊群体" not in page.text and "special" not in page.text
    assert 'name="stars"' in page.text  # the rating form is offered


def test_unknown_tracking_codes_are_404(api, client, needs_world):
    for code in ("ABCDEFGHJK", "short", "0000000000"):
        assert api.get(f"/api/v1/needs/track/{code}").status_code == 404
        assert client.get(f"/needs/track/{code}").status_code == 404


@pytest.fixture
def disclosed(session, needs_world):
    """Community A's needs, one per situation; community B has one closed need."""
    w, a = needs_world, needs_world.community_a
    day = timedelta(days=1)
    kinds = [
        # status, place, resolved after (days), rating
        ("submitted", w.building_a, None, None),
        ("rejected", w.building_a, None, None),
        ("accepted", w.compound_building_a, None, None),
        ("in_progress", w.building_a, None, None),
        ("transferred", w.building_a, None, None),
        ("resolved", w.compound_building_a, 2, None),  # on time
        ("closed", w.building_a, 3, 5),  # on time, 5 stars
        ("closed", w.compound_a, 9, 3),  # late (7-day limit), 3 stars
        ("closed", w.building_a, 6, None),  # on time, closed unrated
    ]
    for status, place, after, rating in kinds:
        make_need(
            session,
            a,
            place,
            status=status,
            created_at=T0,
            rating=rating,
            resolved_at=T0 + after * day if after else None,
            result="已协调物业维修，联系人13812345678" if rating == 5 else None,
        )
    make_need(session, w.community_b, w.building_b, status="closed", created_at=T0, rating=1, resolved_at=T0 + 20 * day)
    settle(session)
    return w


def test_disclosure_figures_match_a_hand_count(api, disclosed):
    r = api.get(f"/api/v1/needs/public?area_id={disclosed.community_a.id}")
    assert r.status_code == 200
    body = r.json
    # taken on = accepted, in_progress, transferred, resolved, 3 closed = 7; finished = 4.
    assert body["counts"] == {
        "received": 9,
        "taken_on": 7,
        "finished": 4,
        "rejected": 1,
        "in_hand": 4,
        "on_time": 3,
        "rated": 2,
    }
    assert body["closure_rate"] == round(4 / 7, 4)
    assert body["on_time_rate"] == 0.75
    assert body["average_rating"] == 4.0
    items = body["items"]["items"]
    assert body["items"]["total"] == 4 and len(items) == 4
    assert items[0]["resolved_at"] >= items[-1]["resolved_at"]  # newest first
    late = [i for i in items if not i["on_time"]]
    assert len(late) == 1 and late[0]["compound"] == "金山花园" and late[0]["rating"] == 3
    grid_item = next(i for i in items if i["rating"] == 5)
    assert grid_item["compound"] == "金山第一网格" and grid_item["community"] == "金山社区"
    assert "138****5678" in grid_item["result"]  # a phone typed into a result is masked
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("王秀英", "13912345678", "13812345678", "楼道灯坏了", "resident", "beneficiary"):
        assert secret not in text


def test_street_disclosure_counts_only_its_communities(api, disclosed):
    street = api.get(f"/api/v1/needs/public?area_id={disclosed.street.id}").json
    assert street["counts"]["received"] == 9 and street["area"]["kind"] == "street"
    other = api.get(f"/api/v1/needs/public?area_id={disclosed.other_street.id}").json
    assert other["counts"]["received"] == 1 and other["average_rating"] == 1.0 and other["on_time_rate"] == 0.0


def test_disclosure_is_only_for_communities_and_streets(api, disclosed):
    for area in (disclosed.building_a, disclosed.city, disclosed.grid_a):
        assert api.get(f"/api/v1/needs/public?area_id={area.id}").status_code == 404
    assert api.get("/api/v1/needs/public?area_id=99999").status_code == 404
    empty = api.get(f"/api/v1/needs/public?area_id={disclosed.community_b.id}&per_page=1").json
    assert empty["items"]["per_page"] == 1


def test_disclosure_page_shows_the_figures_without_names(client, disclosed):
    page = client.get(f"/needs/public/{disclosed.community_a.id}")
    assert page.status_code == 200
    assert "57.1%" in page.text and "75.0%" in page.text and "4.00" in page.text
    assert "王秀英" not in page.text and "13912345678" not in page.text and "13812345678" not in page.text
    street = client.get(f"/needs/public/{disclosed.street.id}")
    assert street.status_code == 200 and "光明街道" in street.text
    index = client.get("/needs/public")
    assert f"/needs/public/{disclosed.community_a.id}" in index.text
    assert client.get(f"/needs/public/{disclosed.building_a.id}").status_code == 404


def test_no_figures_when_nothing_was_taken_on(api, needs_world):
    body = api.get(f"/api/v1/needs/public?area_id={needs_world.community_b.id}").json
    assert body["closure_rate"] is None and body["on_time_rate"] is None and body["average_rating"] is None
