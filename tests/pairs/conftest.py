from datetime import date, datetime, UTC
from zoneinfo import ZoneInfo

import pytest

from service.people.scope import scope_for
from service.points.catalogue import ensure_default_catalogue
from service.points.service import publish_rule_set
from tests.factories import make_registration, settle
from tests.points.conftest import CITY_RULES

TZ = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0, s=0) -> datetime:
    """A local (Shanghai) wall-clock time, as the aware UTC instant the service works with."""
    return datetime(y, mo, d, h, mi, s, tzinfo=TZ).astimezone(UTC)


def scope_of(session, world, role):
    return scope_for(session, world.accounts[role])


@pytest.fixture
def city(session, world):
    """Catalogue, the city's point rules, and member B registered with community A too
    (so B could claim A's ordinary tasks, but not a visit invited to A)."""
    ensure_default_catalogue(session)
    publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2026, 1, 1), body=CITY_RULES)
    make_registration(session, world.member_b, world.community_a, "unit")
    settle(session)
    return world


def pair_data(world, group="special", **kw):
    return {
        "member_id": world.member_a.id,
        "resident_name": kw.pop("name", "王秀英"),
        "resident_phone": kw.pop("phone", "13712345678"),
        "place_id": kw.pop("place_id", world.building_a.id),
        "beneficiary_group": group,
        **kw,
    }


def make_pair(session, world, group="special", now=None, **kw):
    from service.pairs.service import create_pair

    scope = scope_of(session, world, "community_admin")
    pair = create_pair(session, scope, pair_data(world, group, **kw), now or at(2026, 12, 6, 20), TZ)
    pair_id = pair.id
    session.commit()
    from service.pairs.models import StandingPair

    return session.get(StandingPair, pair_id)
