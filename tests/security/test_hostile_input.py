"""Hostile values at the door: a clear 400 naming the field, never a 500, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

NEED = {
    "community_id": None,
    "category": "everyday_help",
    "description": "楼道灯坏了",
    "resident_name": "王秀英",
    "resident_phone": "13912345678",
}


def _need_body(world, **changes):
    body = dict(NEED, community_id=world.community_a.id, place_id=world.building_a.id)
    body.update(changes)
    return body


@pytest.mark.parametrize("depth", [40, 50_000])
def test_deeply_nested_json_is_a_400(api, depth):
    raw = "[" * depth + "]" * depth
    r = api.post("/api/v1/needs", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.get_data(as_text=True)[:200]
    assert r.json["error"]["code"] == "bad_request" and "_json" in r.json["error"]["fields"]


@pytest.mark.parametrize(
    "field, value",
    [("description", "楼道\x00灯坏了"), ("resident_name", "\ud800王"), ("resident_phone", "139\x0012345678")],
)
def test_nul_and_lone_surrogates_are_refused_naming_the_field(api, world, field, value):
    raw = json.dumps(_need_body(world, **{field: value}))  # json escapes both as \\u sequences
    r = api.post("/api/v1/needs", data=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.get_data(as_text=True)[:200]
    assert field in r.json["error"]["fields"]


def test_nul_in_a_query_or_path_is_a_400(api):
    assert api.get("/api/v1/needs/public?area_id=1%00").status_code == 400
    assert api.get("/api/v1/needs/track/AB%00CD").status_code == 400


def test_english_reader_gets_the_refusal_in_english(api, world):
    raw = json.dumps(_need_body(world, description="a\x00b"))
    r = api.post("/api/v1/needs", data=raw, headers={"Content-Type": "application/json", "Accept-Language": "en"})
    assert r.status_code == 400 and "character" in r.json["error"]["message"]


def test_a_page_with_a_nul_byte_gets_a_400_page(client, world):
    r = client.get(f"/needs/new?community_id={world.community_a.id}&description=%00")
    assert r.status_code == 400 and "无法保存的字符" in r.get_data(as_text=True)


def test_ordinary_text_passes(api, world, session):
    from service.points.catalogue import ensure_default_catalogue

    ensure_default_catalogue(session)
    session.commit()
    r = api.post("/api/v1/needs", json=_need_body(world, description="楼道灯坏了 🙂 ½"))
    assert r.status_code == 201, r.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/members/{m}/points?period=year&date=9999-12-31", "date"),
        ("/api/v1/members/{m}/rank?period=year&date=9999-12-31", "date"),
        ("/api/v1/red-black-lists?area_id={s}&start=9999-12-01", "start"),
        ("/api/v1/units/{u}/double-evaluation?period=year&date=9999-12-31", "date"),
        ("/api/v1/members/{m}/points?period=month&date=0001-01-01", "date"),
    ],
)
def test_absurd_dates_are_refused_naming_the_parameter(api, world, url, field):
    r = api.as_("city_admin").get(url.format(m=world.member_a.id, s=world.street.id, u=world.unit.id))
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True)[:300])
    assert field in r.json["error"]["fields"]


def test_absurd_dates_in_a_body_are_refused(api, world):
    body = {"member_id": world.member_a.id, "month": "9999-12-01", "rating": "good", "comment": ""}
    r = api.as_("city_admin").post("/api/v1/evaluations", json=body)
    assert r.status_code == 422 and "month" in r.json["error"]["fields"]
