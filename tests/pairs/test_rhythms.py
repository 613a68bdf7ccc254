"""Rhythm resolution: 五见 defaults, per-area overrides where the deepest area wins."""

import pytest

from service.errors import Forbidden, Invalid, NotFound
from service.pairs.models import DEFAULT_RHYTHMS
from service.pairs.service import resolve_rhythms, rhythm_for, set_rhythm

from .conftest import at, scope_of


def test_defaults_are_the_five_sightings(session, world):
    assert DEFAULT_RHYTHMS == {
        "special": "daily",
        "hardship": "weekly",
        "key": "monthly",
        "volunteer": "at_activities",
        "ordinary": "at_consultations",
    }
    resolved = resolve_rhythms(session, world.building_a.path)
    assert {g: r for g, (r, _src) in resolved.items()} == DEFAULT_RHYTHMS
    assert all(src is None for _r, src in resolved.values())


def test_the_deepest_area_wins_and_clearing_falls_back(session, world):
    city_admin, admin = scope_of(session, world, "city_admin"), scope_of(session, world, "community_admin")
    set_rhythm(session, city_admin, world.city.id, {"key": "weekly", "hardship": "monthly"}, at(2026, 12, 1))
    set_rhythm(session, admin, world.community_a.id, {"key": "daily"}, at(2026, 12, 1))
    set_rhythm(session, city_admin, world.grid_a.id, {"hardship": "at_activities"}, at(2026, 12, 1))
    session.commit()
    assert rhythm_for(session, world.building_a.path, "key") == "daily"  # community over city
    assert rhythm_for(session, world.building_b.path, "key") == "weekly"  # the other community: city
    assert rhythm_for(session, world.building_a.path, "hardship") == "at_activities"  # grid over city
    assert rhythm_for(session, world.community_a.path, "hardship") == "monthly"  # the grid is below it
    assert rhythm_for(session, world.building_a.path, "special") == "daily"  # default
    _rhythm, source = resolve_rhythms(session, world.building_a.path)["key"]
    assert source.id == world.community_a.id
    set_rhythm(session, admin, world.community_a.id, {"key": None}, at(2026, 12, 2))
    session.commit()
    assert rhythm_for(session, world.building_a.path, "key") == "weekly"


def test_setting_rhythms_is_scoped_and_validated(session, world):
    admin = scope_of(session, world, "community_admin")
    with pytest.raises(NotFound):
        set_rhythm(session, admin, world.community_b.id, {"key": "daily"}, at(2026, 12, 1))
    with pytest.raises(Forbidden):
        set_rhythm(
            session, scope_of(session, world, "grid_worker"), world.community_a.id, {"key": "daily"}, at(2026, 12, 1)
        )
    with pytest.raises(Invalid) as bad:
        set_rhythm(session, admin, world.community_a.id, {"key": "hourly", "aliens": "daily"}, at(2026, 12, 1))
    assert set(bad.value.fields) == {"key", "aliens"}
    with pytest.raises(Invalid):
        set_rhythm(session, admin, world.building_a.id, {"key": "daily"}, at(2026, 12, 1))
