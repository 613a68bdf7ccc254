"""The pairs API: staff create and end pairs in their scope, set rhythms, read overdue visits;
records outside the caller's scope answer 404; members see their own pairs with phones masked."""

from sqlalchemy import select

from service.pairs.models import Beneficiary, StandingPair, Visit
from service.pairs.service import generate_due_visits
from tests.factories import ApiClient

from .conftest import TZ, at, pair_data
from datetime import UTC


def _create(api, world, role="community_admin", **kw):
    body = pair_data(world, **kw)
    return api.as_(role).post("/api/v1/pairs", json=body)


def test_staff_create_list_and_end_pairs(client, city, session):
    api = ApiClient(client, city)
    r = _create(api, city, group="volunteer")
    assert r.status_code == 201, r.json
    pair = r.json
    assert (pair["member_id"], pair["group"], pair["active"], pair["community_id"]) == (
        city.member_a.id,
        "volunteer",
        True,
        city.community_a.id,
    )
    assert pair["beneficiary"]["phone"] == "13712345678" and pair["beneficiary"]["place_id"] == city.building_a.id
    assert _create(api, city, group="volunteer").status_code == 409  # one live pair per member and resident
    # The same resident (same mobile) paired with a second member is the same record.
    again = _create(api, city, group="volunteer", member_id=city.member_b.id)
    assert again.status_code == 201 and again.json["beneficiary_id"] == pair["beneficiary_id"]
    assert session.scalar(select(Beneficiary).where(Beneficiary.phone == "13712345678")).id == pair["beneficiary_id"]
    listing = api.as_("grid_worker").get("/api/v1/pairs").json
    assert listing["total"] == 2
    assert api.as_("other_community_admin").get("/api/v1/pairs").json["total"] == 0
    assert api.as_("other_community_admin").get(f"/api/v1/pairs/{pair['id']}").status_code == 404
    assert api.as_("other_community_admin").post(f"/api/v1/pairs/{pair['id']}/end", json={}).status_code == 404
    assert api.as_("grid_worker").post(f"/api/v1/pairs/{pair['id']}/end", json={}).status_code == 403
    ended = api.as_("community_admin").post(f"/api/v1/pairs/{pair['id']}/end", json={"reason": "搬走了"})
    assert ended.status_code == 200 and ended.json["active"] is False and ended.json["end_reason"] == "搬走了"
    assert api.as_("community_admin").post(f"/api/v1/pairs/{pair['id']}/end", json={}).status_code == 409
    assert api.as_("grid_worker").get("/api/v1/pairs?active=false").json["total"] == 1


def test_creating_outside_the_scope_or_with_bad_data_is_refused(client, city):
    api = ApiClient(client, city)
    assert _create(api, city, role="other_community_admin").status_code == 404  # building A is not theirs
    assert _create(api, city, role="grid_worker").status_code == 403
    assert _create(api, city, role="member").status_code == 403
    assert _create(api, city, phone="12345").status_code == 422
    assert _create(api, city, member_id=999999).status_code == 404
    r = api.as_("community_admin").post("/api/v1/pairs", json={"member_id": city.member_a.id})
    assert r.status_code == 422 and "resident_name" in r.json["error"]["fields"]
    bad = api.as_("community_admin").post("/api/v1/pairs", json={**pair_data(city), "beneficiary_group": "vip"})
    assert bad.status_code == 422


def test_members_see_their_own_pairs_with_the_phone_masked(client, city):
    api = ApiClient(client, city)
    pair = _create(api, city).json
    mine = api.as_("member").get("/api/v1/pairs").json
    assert mine["total"] == 1 and mine["items"][0]["beneficiary"]["phone"] == "137****5678"
    one = api.as_("member").get(f"/api/v1/pairs/{pair['id']}").json
    assert one["beneficiary"]["phone"] == "137****5678"
    assert api.as_("unit_admin").get(f"/api/v1/pairs/{pair['id']}").status_code == 404


def _put(client, world, role, url, json):
    return client.put(url, json=json, headers={"Authorization": f"Bearer {world.tokens[role]}"})


def test_rhythms_api(client, city):
    api = ApiClient(client, city)
    view = api.as_("grid_worker").get(f"/api/v1/visit-rhythms?area_id={city.community_a.id}").json
    assert {i["group"]: i["rhythm"] for i in view["items"]}["special"] == "daily"
    assert all(i["source_area_id"] is None for i in view["items"])
    r = _put(
        client,
        city,
        "community_admin",
        f"/api/v1/visit-rhythms?area_id={city.community_a.id}",
        json={"rhythms": {"key": "weekly"}},
    )
    assert r.status_code == 200, r.json
    key = next(i for i in r.json["items"] if i["group"] == "key")
    assert key == {
        "group": "key",
        "rhythm": "weekly",
        "periodic": True,
        "source_area_id": city.community_a.id,
        "source_area_name": "金山社区",
        "set_here": True,
    }
    below = api.as_("grid_worker").get(f"/api/v1/visit-rhythms?area_id={city.grid_a.id}").json
    assert next(i for i in below["items"] if i["group"] == "key")["set_here"] is False
    assert (
        _put(
            client,
            city,
            "community_admin",
            f"/api/v1/visit-rhythms?area_id={city.community_a.id}",
            json={"rhythms": {"key": "hourly"}},
        ).status_code
        == 422
    )
    assert (
        _put(
            client,
            city,
            "grid_worker",
            f"/api/v1/visit-rhythms?area_id={city.community_a.id}",
            json={"rhythms": {"key": "daily"}},
        ).status_code
        == 403
    )
    assert (
        api.as_("other_community_admin").get(f"/api/v1/visit-rhythms?area_id={city.community_a.id}").status_code == 404
    )
    assert api.as_("community_admin").get("/api/v1/visit-rhythms").status_code == 422


def test_overdue_visits_api_is_scoped(client, city, session):
    api = ApiClient(client, city)
    _create(api, city, group="special")
    # A visit two days ago, never claimed: made with that day's clock, read with today's.
    from datetime import datetime, timedelta

    past = datetime.now(UTC) - timedelta(days=2)
    past = past.astimezone(TZ).replace(hour=0, minute=20).astimezone(UTC)
    generate_due_visits(session, past, TZ)
    session.commit()
    # (creating the pair today may also have made today's visit, which is not overdue)
    visit = session.scalars(select(Visit).order_by(Visit.period_start)).first()
    r = api.as_("community_admin").get("/api/v1/visits?status=overdue")
    assert r.status_code == 200 and [v["id"] for v in r.json["items"]] == [visit.id]
    item = r.json["items"][0]
    assert item["member_id"] == city.member_a.id and item["group"] == "special" and item["claim_status"] is None
    assert api.as_("other_community_admin").get("/api/v1/visits?status=overdue").json["total"] == 0
    assert api.as_("grid_worker").get(f"/api/v1/visits?pair_id={visit.pair_id}").json["total"] >= 1
    assert api.as_("community_admin").get("/api/v1/visits?status=later").status_code == 422
    assert session.get(StandingPair, visit.pair_id).active
    assert at(2026, 1, 1) < past
