from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from service.errors import Conflict, Invalid
from service.points import ledger
from service.points.models import LedgerEntry, LedgerIsAppendOnly
from service.points.rules import Service
from service.points.service import publish_rule_set, totals
from service.periods import period_containing

from .conftest import CITY_RULES

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=TZ)


def award(session, world, key, when, hours="2", member=None, community=None, **kw):
    entry = ledger.award_service(
        session,
        member_id=(member or world.member_a).id,
        community_id=(community or world.community_a).id,
        service=Service(kw.pop("category", "caring_help"), when, Decimal(hours), **kw),
        key=key,
        source_type="test",
        source_id=None,
        actor_id=None,
        tz=TZ,
    )
    session.commit()
    return entry


def test_award_records_rule_version_explanation_and_unit(session, world, rules):
    entry = award(session, world, "award:t:1", at(13), beneficiary_group="special")
    assert entry.amount == 60 and entry.rule_set_id == rules and entry.kind == "award"
    assert entry.explanation.startswith("2.0 h × 2.0/h = 4.0; ×1.5 特殊群体 = 6.0; 每日上限 20.0（已得 0.0）: 6.0")
    assert entry.unit_id == world.unit.id and entry.side == "other"


def test_same_event_twice_returns_the_first_entry(session, world, rules):
    first = award(session, world, "award:claim:7", at(13))
    second = award(session, world, "award:claim:7", at(14), hours="3")
    assert second.id == first.id
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


def test_daily_cap_clips_and_then_grants_nothing(session, world, rules):
    amounts = [award(session, world, f"award:t:{i}", at(13, 8 + i), hours="4").amount for i in range(4)]
    # 8.0 + 8.0 + (20 - 16 = 4.0) + 0
    assert amounts == [80, 80, 40, 0]
    assert (
        "每日上限 20.0（已得 20.0）: 0.0"
        in session.scalars(select(LedgerEntry.explanation).order_by(LedgerEntry.id.desc())).first()
    )
    assert award(session, world, "award:t:next-day", at(14), hours="4").amount == 80


def test_monthly_cap(session, world, rules):
    amounts = [award(session, world, f"award:m:{d}", at(d), hours="8").amount for d in (1, 2, 3)]
    assert amounts == [160, 160, 160]
    assert award(session, world, "award:m:4", at(4), hours="8").amount == 20  # 50 - 48
    assert award(session, world, "award:m:nov", at(1, month=11), hours="8").amount == 160


def test_reversed_awards_give_their_cap_room_back(session, world, rules):
    first = award(session, world, "award:r:1", at(13), hours="8")  # 16.0
    ledger.reverse(session, entry=first, reason="录入错误", actor_id=None, area_path=None)
    session.commit()
    assert award(session, world, "award:r:2", at(13, 15), hours="8").amount == 160


def test_reversal_is_exact_and_happens_at_most_once(session, world, rules):
    entry = award(session, world, "award:x:1", at(13))
    reversal = ledger.reverse(session, entry=entry, reason="重复登记", actor_id=None, area_path=None)
    session.commit()
    assert reversal.amount == -entry.amount and reversal.reverses_id == entry.id and reversal.side == entry.side
    with pytest.raises(Conflict):
        ledger.reverse(session, entry=entry, reason="again", actor_id=None, area_path=None)
    session.rollback()
    with pytest.raises(Conflict):
        ledger.reverse(session, entry=reversal, reason="undo", actor_id=None, area_path=None)
    session.rollback()
    assert totals(session, world.member_a.id)["total"] == 0


def test_adjustment_needs_a_reason(session, world, rules):
    with pytest.raises(Invalid):
        ledger.adjust(
            session,
            member_id=world.member_a.id,
            community_id=world.community_a.id,
            points=Decimal("5"),
            reason="  ",
            actor_id=None,
            key="adjustment:1",
            occurred_at=at(13),
            area_path=None,
        )


def test_rule_change_mid_month_leaves_earlier_entries_untouched(session, world, rules):
    early = award(session, world, "award:v:1", at(5), hours="2")
    newer = dict(CITY_RULES, default={"base": "0", "per_hour": "5.0"})
    v2 = publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2026, 10, 15), body=newer)
    session.commit()
    late = award(session, world, "award:v:2", at(20), hours="2")
    # A service from before the change, verified after it, still follows the old rules.
    backlog = award(session, world, "award:v:3", at(10), hours="2")
    session.expire_all()
    early = session.get(LedgerEntry, early.id)
    assert (early.amount, early.rule_set_id) == (40, rules)
    assert (late.amount, late.rule_set_id) == (100, v2.id)
    assert (backlog.amount, backlog.rule_set_id) == (40, rules)


def test_community_rules_win_over_the_citys(session, world, rules):
    own = dict(CITY_RULES, default={"base": "1.0", "per_hour": "1.0"})
    publish_rule_set(session, None, area_id=world.community_b.id, effective_from=date(2026, 6, 1), body=own)
    session.commit()
    assert award(session, world, "award:c:a", at(13)).amount == 40
    assert award(session, world, "award:c:b", at(13), member=world.member_b, community=world.community_b).amount == 30


def test_no_rules_in_force_is_a_clear_refusal(session, world, rules):
    with pytest.raises(Invalid):
        award(session, world, "award:old", datetime(2025, 5, 1, 9, tzinfo=TZ))


def test_the_orm_refuses_to_update_or_delete_entries(session, world, rules):
    entry = award(session, world, "award:ao:1", at(13))
    entry = session.get(LedgerEntry, entry.id)
    entry.amount = 999
    with pytest.raises(LedgerIsAppendOnly):
        session.commit()
    session.rollback()
    session.delete(session.get(LedgerEntry, entry.id))
    with pytest.raises(LedgerIsAppendOnly):
        session.commit()
    session.rollback()


def test_the_database_refuses_raw_update_and_delete(app, session, world, rules):
    entry_id = award(session, world, "award:ao:2", at(13)).id
    for statement in ("UPDATE ledger_entries SET amount = 999", "DELETE FROM ledger_entries"):
        with pytest.raises(Exception) as caught:
            session.execute(text(statement))
            session.commit()
        session.rollback()
        # the trigger refuses the owner; the app's own role (TEST_APP_ROLE=1) lacks the privilege
        assert "append-only" in str(caught.value) or "permission denied" in str(caught.value)
    assert session.get(LedgerEntry, entry_id).amount == 40


def test_totals_by_side_and_period(session, world, rules):
    award(session, world, "award:p:1", at(13), hours="2")
    ledger.adjust(
        session,
        member_id=world.member_a.id,
        community_id=world.community_a.id,
        points=Decimal("-1.5"),
        reason="扣减",
        actor_id=None,
        key="adjustment:p",
        occurred_at=at(14),
        area_path=None,
    )
    session.commit()
    everything = totals(session, world.member_a.id)
    assert everything["total"] == Decimal("2.5") and everything["other"] == Decimal("2.5")
    empty = totals(session, world.member_a.id, period_containing("month", date(2020, 1, 1), TZ))
    assert empty["total"] == 0
