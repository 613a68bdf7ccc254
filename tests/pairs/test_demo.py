"""The demo step: pairs in every community, visits made by the job, some paid, some missed."""

from sqlalchemy import func, select

from service.demo.build import build_all
from service.pairs.models import StandingPair, Visit
from service.people.models import Member
from service.points.models import LedgerEntry
from service.tasks.models import Claim, Task


def test_demo_pairs_and_visits(session):
    city = build_all(session, scale="demo", seed=7, hash_params={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
    session.commit()
    pairs = session.scalar(select(func.count()).select_from(StandingPair))
    communities = session.scalar(select(func.count(func.distinct(StandingPair.community_id))))
    assert pairs >= 40 and communities == len(city["places"]["communities"])
    statuses = dict(session.execute(select(Visit.status, func.count()).group_by(Visit.status)).all())
    assert statuses.get("done", 0) > 0 and statuses.get("missed", 0) > 0, statuses
    paid = session.scalar(
        select(func.count())
        .select_from(Visit)
        .join(Claim, Claim.task_id == Visit.task_id)
        .join(LedgerEntry, LedgerEntry.id == Claim.ledger_entry_id)
        .where(Visit.status == "done")
    )
    assert paid == statuses["done"]
    demo = session.scalar(select(Member).where(Member.phone == "13800000006"))
    mine = session.scalars(select(StandingPair).where(StandingPair.member_id == demo.id)).all()
    assert any(p.beneficiary_group == "special" for p in mine)
    assert session.scalar(
        select(func.count()).select_from(Task).where(Task.claim_policy == "invited")
    ) == session.scalar(select(func.count()).select_from(Visit).where(Visit.task_id.is_not(None)))
