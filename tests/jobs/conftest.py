import pytest

from tests.factories import make_entry, make_member, settle
from tests.rankings.conftest import at, install


@pytest.fixture
def app(make_app):
    return install(make_app())


@pytest.fixture
def ledger(session, world):
    """Points in September, October and November 2026 for a few members of both communities."""
    a, b, ca, cb = world.building_a, world.building_b, world.community_a, world.community_b
    members = [make_member(session, f"成员{i}", building=a if i % 2 else b, unit=world.unit) for i in range(6)]
    for month in (9, 10, 11):
        for i, member in enumerate(members):
            make_entry(
                session,
                member,
                ca if i % 2 else cb,
                1 + i + month % 3,
                at(2026, month, 3 + i, 10),
                side=("residence", "unit", "other")[i % 3],
            )
    settle(session)
    return members


SCOPES = 8  # the world: city, district, two streets, two communities, two units
