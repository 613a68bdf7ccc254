"""A community with a few members around one plumbing task: who is near, skilled, free, registered."""

from __future__ import annotations

from datetime import datetime, UTC
from types import SimpleNamespace

import pytest

from service.people.models import AvailabilityWindow
from service.people.scope import Scope, scope_for
from tests.factories import add_login, make_member, make_registration, settle
from tests.tasks.conftest import loop, make_task  # noqa: F401  (fixture, helper)


def utcnow() -> datetime:
    return datetime.now(UTC)


def free_all_week(session, member) -> None:
    session.add_all(
        [AvailabilityWindow(member_id=member.id, weekday=d, start_minute=0, end_minute=1440) for d in range(7)]
    )


@pytest.fixture
def crew(session, loop):
    """member_a (张三) and 王五 live in building A, fix pipes and are free: the best pair.
    周九 fixes pipes too but lives nowhere known (unit side). The rest each fail one filter."""
    w = loop

    def member(name, building, skills=(), side="residence", free=True, register=True):
        m = make_member(session, name, building=building, skills=skills)
        if register:
            make_registration(session, m, w.community_a, side)
        if free:
            free_all_week(session, m)
        return m

    free_all_week(session, w.member_a)
    wang = member("王五", w.building_a, ["plumbing"])
    zhou = member("周九", None, ["plumbing"], side="unit")
    zhao = member("赵六", w.building_a)  # lacks the skill
    qian = member("钱七", w.building_a, ["plumbing"], free=False)  # never free
    sun = member("孙八", w.building_a, ["plumbing"], register=False)  # lives here, not registered
    settle(session)
    add_login(session, w, "wang", member=wang)
    add_login(session, w, "zhou", member=zhou)
    return SimpleNamespace(world=w, a=w.member_a, wang=wang, zhou=zhou, zhao=zhao, qian=qian, sun=sun)


def plumbing_task(session, crew, **kw):
    kw.setdefault("skills", ("plumbing",))
    kw.setdefault("place_id", crew.world.building_a.id)
    kw.setdefault("start", 48)
    kw.setdefault("slots", 1)
    return make_task(session, crew.world, **kw)


def staff_scope(session, world, key="community_admin") -> Scope:
    return scope_for(session, session.get(type(world.accounts[key]), world.accounts[key].id))


def member_scope(member_id: int) -> Scope:
    return Scope(account_id=None, member_id=member_id)
