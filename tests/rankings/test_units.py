"""Units by participation and the 红黑榜: figures, thresholds, preview, publication."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.periods import period_containing
from service.people.scope import scope_for
from service.rankings import units
from tests.factories import make_entry, make_member, make_registration, settle

from .conftest import TZ, at

OCTOBER = period_containing("month", date(2026, 10, 1), TZ)
AFTER = at(2026, 11, 1, 1)


@pytest.fixture
def participation(session, world):
    """市税务局: 张三 and five more in-service members; 区人民医院: 李四 and three more, none registered."""
    a, b, ca, cb = world.building_a, world.building_b, world.community_a, world.community_b
    tax = [make_member(session, f"税务{i}", building=a, unit=world.unit) for i in range(5)]
    make_member(session, "税务退休", building=a, unit=world.unit, status="retired")  # not in service
    left = make_member(session, "税务调离", building=a, unit=world.unit)
    left.active = False  # not counted
    for member in tax:
        make_registration(session, member, ca, "residence", approved_at=at(2026, 9, 1))
        make_registration(session, member, cb, "unit", approved_at=at(2026, 9, 2))
    make_registration(session, world.member_a, ca, "residence", approved_at=at(2026, 11, 3))  # too late for October
    for member in tax[:3]:
        make_entry(session, member, ca, 4, at(2026, 10, 10), side="residence")
    reversed_award = make_entry(session, tax[3], ca, 4, at(2026, 10, 11), side="residence")
    make_entry(session, tax[3], ca, 0, at(2026, 10, 12), reverses=reversed_award)
    make_entry(session, tax[4], ca, 2, at(2026, 10, 12), side="residence", kind="bonus")
    make_entry(session, tax[4], cb, 3, at(2026, 10, 12), side="unit")
    hospital = [make_member(session, f"医院{i}", building=b, unit=world.other_unit) for i in range(3)]
    make_entry(session, hospital[0], cb, 1, at(2026, 10, 12), side="unit")
    settle(session)
    return {"tax": tax, "hospital": hospital}


def _figures(session, area, now=AFTER):
    return units.unit_figures(session, area, OCTOBER, hwm=10**9, asof=min(OCTOBER.end_utc, now))


def test_unit_figures_count_in_service_members_registrations_and_verified_residence_service(
    session, world, participation
):
    figures = {f.unit_id: f for f in _figures(session, world.city)}
    tax, hospital = figures[world.unit.id], figures[world.other_unit.id]
    assert (tax.members, tax.registered_both, tax.served_residence, tax.points) == (6, 5, 3, 170)
    assert (hospital.members, hospital.registered_both, hospital.served_residence, hospital.points) == (4, 0, 0, 10)
    assert [f.unit_id for f in _figures(session, world.city)] == [world.unit.id, world.other_unit.id]
    assert units.percent(tax.participation) == 83.3 and units.percent(tax.residence_share) == 50.0
    # The street holds only the unit paired with its community.
    assert [f.unit_id for f in _figures(session, world.street)] == [world.unit.id]


def test_red_and_black_by_thresholds_and_their_inheritance(session, world, participation):
    judged = units.judge(_figures(session, world.city), units.thresholds_for(session, world.city))
    assert {f.unit_id: f.verdict for f in judged} == {world.unit.id: "red", world.other_unit.id: "black"}
    city_admin = scope_for(session, world.accounts["city_admin"])
    units.set_thresholds(session, city_admin, world.city.id, {"red_participation_min": 90})
    street_admin = scope_for(session, world.accounts["street_admin"])
    thresholds = units.set_thresholds(session, street_admin, world.street.id, {"min_members": 7})
    session.commit()
    assert thresholds["red_participation_min"] == 90 and thresholds["min_members"] == 7
    assert units.thresholds_for(session, world.city)["min_members"] == 3
    judged = units.judge(_figures(session, world.city), units.thresholds_for(session, world.city))
    assert {f.unit_id: f.verdict for f in judged} == {world.unit.id: None, world.other_unit.id: "black"}


def test_preview_publish_and_read_through_the_api(api, client, world, participation):
    url = f"/api/v1/red-black-lists?area_id={world.city.id}&start=2026-10-01"
    assert client.get(url).status_code == 404
    assert api.get(f"/api/v1/red-black-lists/preview?area_id={world.city.id}&start=2026-10-01").status_code == 401
    assert (
        api.as_("community_admin")
        .get(f"/api/v1/red-black-lists/preview?area_id={world.city.id}&start=2026-10-01")
        .status_code
        == 404
    )
    preview = api.as_("city_admin").get(f"/api/v1/red-black-lists/preview?area_id={world.city.id}&start=2026-10-15")
    assert preview.status_code == 200 and preview.json["preview"] is True and preview.json["published_id"] is None
    assert [r["unit_name"] for r in preview.json["red"]] == ["市税务局"]
    assert [r["unit_name"] for r in preview.json["black"]] == ["区人民医院"]
    assert client.get(url).status_code == 404  # a preview publishes nothing
    body = {"area_id": world.city.id, "start": "2026-10-01"}
    assert api.as_("community_admin").post("/api/v1/red-black-lists", json=body).status_code == 404
    r = api.as_("city_admin").post("/api/v1/red-black-lists", json=body)
    assert r.status_code == 201, r.json
    assert api.as_("city_admin").post("/api/v1/red-black-lists", json=body).status_code == 200
    public = client.get(url)
    assert public.status_code == 200 and public.json["published_id"] == r.json["published_id"]
    red = public.json["red"][0]
    assert (
        red["members"],
        red["registered_both"],
        red["served_residence"],
        red["participation_pct"],
        red["residence_service_pct"],
        red["points_per_member"],
    ) == (6, 5, 3, 83.3, 50.0, 2.8)
    street = {"area_id": world.street.id, "start": "2026-10-01"}
    assert api.as_("community_admin").post("/api/v1/red-black-lists", json=street).status_code == 404  # not theirs
    assert api.as_("street_admin").post("/api/v1/red-black-lists", json=street).status_code == 201
    this_month = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    current = {"area_id": world.street.id, "start": this_month.isoformat()}  # not over yet
    assert api.as_("street_admin").post("/api/v1/red-black-lists", json=current).status_code == 422


def _put(api, role, body):
    who = api.as_(role)
    return who.client.put("/api/v1/red-black-lists/settings", json=body, headers=who._headers())


def test_thresholds_through_the_api(api, world):
    r = _put(api, "street_admin", {"area_id": world.street.id, "black_participation_below": 30})
    assert r.status_code == 200 and r.json["thresholds"]["black_participation_below"] == 30
    assert _put(api, "street_admin", {"area_id": world.street.id, "max_each": -1}).status_code == 422
    assert _put(api, "community_admin", {"area_id": world.street.id, "max_each": 3}).status_code == 404
    got = api.as_("member").get(f"/api/v1/red-black-lists/settings?area_id={world.street.id}")
    assert got.json["thresholds"]["black_participation_below"] == 30 and got.json["thresholds"]["max_each"] == 10


def test_the_scheduler_publishes_after_the_review_window(session, world, participation):
    assert units.publish_due(session, at(2026, 11, 2, 1), TZ) == 0  # still under review
    assert units.publish_due(session, at(2026, 11, 3, 1), TZ) == 3  # the city and both streets
    assert units.publish_due(session, at(2026, 11, 4, 1), TZ) == 0
    published = units.get_published(session, world.street.id, OCTOBER)
    assert published.published_by_id is None and [e.verdict for e in published.entries] == ["red"]


def test_units_ranked_by_participation_for_any_period(api, world, participation):
    url = f"/api/v1/unit-participation?area_id={world.city.id}&period=quarter&start=2026-10-01"
    assert api.get(url).status_code == 401
    assert api.as_("member").get(url).status_code == 404
    r = api.as_("city_admin").get(url)
    assert r.status_code == 200 and r.json["live"] is True and r.json["period"]["label"] == "2026-Q4"
    assert [(u["unit_name"], u["position"], u["members"]) for u in r.json["units"]] == [
        ("市税务局", 1, 6),
        ("区人民医院", 2, 4),
    ]
