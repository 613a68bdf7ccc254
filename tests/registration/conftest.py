import re
from datetime import datetime, timedelta, UTC

import pytest

from service.people.scope import scope_for

from ..factories import add_login, make_member, settle


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def page_login(client, phone, password="password-123"):
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"phone": phone, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text
    return response


def scope_of(session, world, key):
    return scope_for(session, world.accounts[key])


T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    """A fixed moment ``days`` after T0, so histories read like a calendar."""
    return T0 + timedelta(days=days)


@pytest.fixture
def newcomer(session, world):
    """王五: lives in 银湖 (community B) but works at 市税务局, which is paired with 金山 (A)."""
    member = make_member(session, "王五", building=world.building_b, unit=world.unit)
    add_login(session, world, "newcomer", member=member)
    return member


@pytest.fixture
def member_b_login(session, world):
    return add_login(session, world, "member_b", member=world.member_b)


@pytest.fixture
def settled(session):
    """Commit what a test built and free the connection before requests are made."""
    return lambda: settle(session)
