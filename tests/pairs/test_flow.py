"""A visit is a task like any other: visible to and claimable by the paired member only, verified
by staff through the claim path, paid through the ledger; unverified at period end, it is overdue."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from service.errors import Invalid, NotFound
from service.pairs.models import Visit
from service.pairs.service import end_pair, generate_due_visits, overdue_visits, settle_visits
from service.people.scope import scope_for
from service.points.models import LedgerEntry
from service.tasks import service as tasks
from service.tasks.models import Claim, Invitation, Task

from .conftest import TZ, at, make_pair, scope_of


@pytest.fixture
def visit(session, city):
    make_pair(session, city, "special")
    generate_due_visits(session, at(2026, 12, 7, 0, 20), TZ)
    session.commit()
    return session.scalars(select(Visit)).one()


def _overdue(session, scope, now):
    return overdue_visits(session, scope, now)


def test_only_the_paired_member_sees_and_claims_the_visit(session, city, visit):
    task = session.get(Task, visit.task_id)
    member_a = scope_for(session, city.accounts["member"])
    assert tasks.get_task(session, member_a, task.id).id == task.id
    assert tasks.member_may_see(session, city.member_a.id, task)
    # Member B is registered with community A, yet the visit is not theirs to see or take.
    assert not tasks.member_may_see(session, city.member_b.id, task)
    hall_b = tasks.task_hall(session, city.member_b.id, at(2026, 12, 7, 8))
    assert task.id not in [t.id for t in hall_b["items"]]
    assert task.id in [t.id for t in tasks.task_hall(session, city.member_a.id, at(2026, 12, 7, 8))["items"]]
    with pytest.raises(Invalid, match="受邀"):
        tasks.claim_task(session, task_id=task.id, member_id=city.member_b.id, now=at(2026, 12, 7, 8))
    session.rollback()
    claim = tasks.claim_task(session, task_id=task.id, member_id=city.member_a.id, now=at(2026, 12, 7, 8))
    session.commit()
    assert claim.status == "claimed" and session.get(Task, task.id).status == "full"


def test_verification_pays_points_through_the_ledger_and_the_visit_is_done(session, city, visit):
    task_id = visit.task_id
    member = scope_for(session, city.accounts["member"])
    claim = tasks.claim_task(session, task_id=task_id, member_id=city.member_a.id, now=at(2026, 12, 7, 8))
    tasks.check_in(session, member, claim.id, at(2026, 12, 7, 9, 30))
    tasks.report_done(session, member, claim.id, Decimal("1.5"), "陪老人聊天、打扫厨房", at(2026, 12, 7, 11))
    session.commit()
    # Done but not yet verified when the day ends: still overdue, marked as waiting for verification.
    after = at(2026, 12, 8, 0, 20)
    [late] = _overdue(session, scope_of(session, city, "community_admin"), after)
    assert late.id == visit.id and late.claim_status == "done"
    verified = tasks.verify_claim(session, scope_of(session, city, "community_admin"), claim.id, after, TZ)
    session.commit()
    entry = session.get(LedgerEntry, verified.ledger_entry_id)
    # 1.5 h at 2.0 per hour, ×1.5 for the special group (the city's rules)
    assert (entry.member_id, entry.amount, entry.category, entry.source_type, entry.source_id) == (
        city.member_a.id,
        45,
        "caring_help",
        "claim",
        claim.id,
    )
    assert entry.idempotency_key == f"award:claim:{claim.id}"
    assert _overdue(session, scope_of(session, city, "community_admin"), after) == []
    settle_visits(session, after)
    session.commit()
    session.expire_all()
    assert session.get(Visit, visit.id).status == "done"


def test_a_missed_visit_is_in_the_overdue_list_of_staff_over_it_only(session, city, visit):
    admin = scope_of(session, city, "community_admin")
    assert _overdue(session, admin, at(2026, 12, 7, 23, 59)) == []  # the day is not over yet
    after = at(2026, 12, 8, 0, 0, 1)
    assert [v.id for v in _overdue(session, admin, after)] == [visit.id]  # before the job settles it
    generate_due_visits(session, at(2026, 12, 8, 0, 20), TZ)
    session.commit()
    session.expire_all()
    assert session.get(Visit, visit.id).status == "missed"
    assert [v.id for v in _overdue(session, admin, at(2026, 12, 8, 0, 30))] == [visit.id]
    assert [v.id for v in _overdue(session, scope_of(session, city, "grid_worker"), after)] == [visit.id]
    assert _overdue(session, scope_of(session, city, "other_community_admin"), after) == []
    assert _overdue(session, scope_of(session, city, "member"), after) == []
    # Older than the list's window (30 days), it drops off.
    assert _overdue(session, admin, at(2027, 1, 8, 1)) == []


def test_ending_a_pair_cancels_the_current_visit_and_withdraws_its_invitation(session, city, visit):
    pair = end_pair(
        session, scope_of(session, city, "community_admin"), visit.pair_id, "已入住养老院", at(2026, 12, 7, 8)
    )
    session.commit()
    session.expire_all()
    assert pair.active is False and pair.ended_at == at(2026, 12, 7, 8)
    assert session.get(Visit, visit.id).status == "cancelled"
    assert session.get(Task, visit.task_id).status == "cancelled"
    assert session.scalars(select(Invitation.status)).all() == ["withdrawn"]
    assert _overdue(session, scope_of(session, city, "community_admin"), at(2026, 12, 9)) == []
    assert generate_due_visits(session, at(2026, 12, 8, 0, 20), TZ) == 0


def test_ending_keeps_a_visit_already_reported_so_verification_still_pays(session, city, visit):
    member = scope_for(session, city.accounts["member"])
    claim = tasks.claim_task(session, task_id=visit.task_id, member_id=city.member_a.id, now=at(2026, 12, 7, 9))
    tasks.report_done(session, member, claim.id, Decimal("1"), "", at(2026, 12, 7, 10))
    end_pair(session, scope_of(session, city, "community_admin"), visit.pair_id, "", at(2026, 12, 7, 12))
    session.commit()
    session.expire_all()
    assert session.get(Visit, visit.id).status == "invited"
    assert session.get(Claim, claim.id).status == "done"
    with pytest.raises(NotFound):
        end_pair(session, scope_of(session, city, "other_community_admin"), visit.pair_id, "", at(2026, 12, 7, 12))
    assert date(2026, 12, 7) == session.get(Visit, visit.id).period_start


def test_a_declined_visit_is_never_offered_to_another_member(session, city, visit):
    from service.matching import invitations

    invitation = session.scalars(select(Invitation).where(Invitation.task_id == visit.task_id)).one()
    member_a = scope_for(session, city.accounts["member"])
    declined, offered_next = invitations.decline(session, member_a, invitation.id, at(2026, 12, 7, 8), "出差", tz=TZ)
    session.commit()
    assert declined.status == "declined" and offered_next is None
    assert session.scalars(select(Invitation.member_id).where(Invitation.task_id == visit.task_id)).all() == [
        city.member_a.id
    ]
