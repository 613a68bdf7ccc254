from datetime import datetime, timedelta, UTC

import pytest

from service.points.catalogue import ensure_default_catalogue
from service.points.service import publish_rule_set
from service.tasks.models import Task
from tests.factories import make_registration, settle
from tests.points.conftest import CITY_RULES


def hours_from_now(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


@pytest.fixture
def loop(session, world):
    """Catalogue, city rules, and member A registered (residence) with community A."""
    ensure_default_catalogue(session)
    publish_rule_set(session, None, area_id=world.city.id, effective_from=datetime(2026, 1, 1).date(), body=CITY_RULES)
    make_registration(session, world.member_a, world.community_a, "residence")
    settle(session)
    return world


def make_task(
    session, world, *, start=24, length=2, slots=2, policy="registered", skills=(), community=None, status="open", **kw
) -> Task:
    community = community or world.community_a
    task = Task(
        title=kw.pop("title", "楼道清理"),
        community_id=community.id,
        place_id=kw.pop("place_id", community.id),
        category=kw.pop("category", "environment"),
        starts_at=hours_from_now(start),
        ends_at=hours_from_now(start + length),
        slots=slots,
        claim_policy=policy,
        required_skills=list(skills),
        status=status,
        **kw,
    )
    session.add(task)
    session.flush()
    task_id = task.id
    settle(session)
    return session.get(Task, task_id)
