"""The demo city's registrations: every state, believable dates, and something to do for the demo logins."""

import random
from datetime import datetime, timedelta, UTC

from sqlalchemy import func, select

from service.demo.city import build_city
from service.people.models import Account, Member
from service.people.scope import scope_for
from service.registration import service
from service.registration.demo import build_registrations
from service.registration.models import Registration, RegistrationEvent

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_demo_registrations_cover_every_state(session):
    city = build_city(session, scale="demo", seed=11, hash_params={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
    build_registrations(session, random.Random(12), city, now=NOW)
    session.flush()

    counts = dict(session.execute(select(Registration.status, func.count()).group_by(Registration.status)).all())
    assert set(counts) == {"pending", "approved", "rejected", "withdrawn", "superseded"}
    assert counts["approved"] > 5 * counts["pending"] and counts["superseded"] >= 5 and counts["withdrawn"] >= 5

    # Most in-service party members are approved on both sides.
    in_service = session.scalar(select(func.count()).select_from(Member).where(Member.party_status == "in_service"))
    both = session.scalar(
        select(func.count()).select_from(
            select(Registration.member_id)
            .join(Member, Member.id == Registration.member_id)
            .where(Member.party_status == "in_service", Registration.status == "approved")
            .group_by(Registration.member_id)
            .having(func.count() == 2)
            .subquery()
        )
    )
    assert both > in_service / 2

    oldest, newest = session.execute(
        select(func.min(Registration.approved_at), func.max(Registration.approved_at))
    ).one()
    assert NOW - timedelta(days=250) < oldest < NOW - timedelta(days=200) and newest <= NOW
    # A superseded record ends the moment its successor was approved, and says which one that was.
    for old in session.scalars(select(Registration).where(Registration.status == "superseded").limit(20)):
        newer = session.get(Registration, old.superseded_by_id)
        assert newer.member_id == old.member_id and newer.side == old.side and newer.status == "approved"
        assert old.ended_at == newer.approved_at and old.approved_at < old.ended_at
        assert [e.action for e in old.events] == ["filed", "approved", "superseded"]
    assert session.scalar(select(func.count()).select_from(RegistrationEvent)) > sum(counts.values())

    member = session.scalar(select(Member).where(Member.phone == "13800000006"))
    status = service.double_status(session, member)
    assert status.sides["residence"].active is not None and status.sides["unit"].pending is not None
    assert service.sides_at(session, member.id, NOW) == {"residence": status.sides["residence"].active.community_id}

    admin = session.scalar(select(Account).where(Account.phone == "13800000003"))
    scope = scope_for(session, admin)
    jinshan = city["places"]["communities"][0]["id"]
    waiting = session.scalars(service.list_registrations(scope, community_id=jinshan, status="pending")).all()
    assert len(waiting) >= 3 and status.sides["unit"].pending.id in {r.id for r in waiting}
    session.rollback()
