"""Standings from the ledger: totals per side, competition ranks, the order within a tie."""

from sqlalchemy import event

from service.database import db
from service.periods import period_containing
from service.rankings import service
from service.rankings.standings import member_totals
from tests.factories import make_entry, make_member, make_registration, settle

from .conftest import TZ, at

OCTOBER = period_containing("month", at(2026, 10, 1).date(), TZ)
AFTER = at(2026, 11, 1, 1)


def _ranking(session, kind, scope_id, side="total", now=AFTER):
    ref = service.resolve_scope(session, kind, scope_id)
    ranking, _hwm, _asof = service.compute(session, ref, OCTOBER, side, now)
    return ranking


def test_competition_ranks_and_the_documented_order_within_a_tie(session, world):
    a, ca = world.building_a, world.community_a
    m = {name: make_member(session, name, building=a) for name in ("一", "二", "三", "四", "五", "六", "七")}
    make_entry(session, m["一"], ca, 10, at(2026, 10, 5, 9))
    make_entry(session, m["二"], ca, 3, at(2026, 10, 3, 9))  # 6 in all, reached on the 10th
    make_entry(session, m["二"], ca, 3, at(2026, 10, 10, 9))
    make_entry(session, m["三"], ca, 6, at(2026, 10, 8, 9))  # 6, reached on the 8th
    make_entry(session, m["七"], ca, 6, at(2026, 10, 8, 9))  # 6, same moment as 三: lower id first
    make_entry(session, m["六"], ca, 8, at(2026, 10, 4, 9))  # 8 then -2: 6 first reached on the 4th
    make_entry(session, m["六"], ca, -2, at(2026, 10, 20, 9), kind="penalty")
    make_entry(session, m["四"], ca, 4, at(2026, 10, 2, 9))
    make_entry(session, m["五"], ca, 5, at(2026, 9, 30, 9))  # September: not in October
    make_entry(session, m["五"], ca, 5, at(2026, 11, 1, 0, 0))  # November's first second: not either
    settle(session)

    ranking = _ranking(session, "community", ca.id)
    names = {mm.id: n for n, mm in m.items()}
    names[world.member_a.id] = "张三"
    assert [(names[r.member_id], r.rank, r.points) for r in ranking.rows] == [
        ("一", 1, 100),
        ("六", 2, 60),
        ("三", 2, 60),
        ("七", 2, 60),
        ("二", 2, 60),
        ("四", 6, 40),
    ]
    assert [names[i] for i in ranking.unranked] == ["张三", "五"]  # no points in October, by member id
    assert ranking.rows[1].reached_at == at(2026, 10, 4, 9)


def test_ranks_are_one_two_two_four(session, world):
    a, ca = world.building_a, world.community_a
    members = [make_member(session, f"成员{i}", building=a) for i in range(4)]
    for member, points in zip(members, (9, 5, 5, 1)):
        make_entry(session, member, ca, points, at(2026, 10, 7, 10))
    settle(session)
    assert [r.rank for r in _ranking(session, "community", ca.id).rows] == [1, 2, 2, 4]


def test_sides_are_ranked_apart_and_total_includes_every_side(session, world):
    a, ca, cb = world.building_a, world.community_a, world.community_b
    x, y = make_member(session, "甲", building=a), make_member(session, "乙", building=a)
    make_entry(session, x, ca, 5, at(2026, 10, 2), side="residence")
    make_entry(session, x, cb, 1, at(2026, 10, 3), side="unit")
    make_entry(session, y, cb, 4, at(2026, 10, 2), side="unit")
    make_entry(session, y, cb, 3, at(2026, 10, 2), side="other")
    settle(session)
    by_side = {
        side: [(r.member_id, r.points) for r in _ranking(session, "community", ca.id, side).rows]
        for side in ("total", "residence", "unit")
    }
    assert by_side == {"total": [(y.id, 70), (x.id, 60)], "residence": [(x.id, 50)], "unit": [(y.id, 40), (x.id, 10)]}


def test_membership_follows_the_residence_registration_and_falls_back_to_home(session, world):
    # 张三 lives in building_a (金山) but registered his residence with 银湖 in September:
    # the registration wins; 李四 has none and counts where his home building is.
    make_registration(session, world.member_a, world.community_b, "residence", approved_at=at(2026, 9, 1))
    make_entry(session, world.member_a, world.community_b, 3, at(2026, 10, 9))
    make_entry(session, world.member_b, world.community_b, 2, at(2026, 10, 9))
    settle(session)
    silver = _ranking(session, "community", world.community_b.id)
    assert [r.member_id for r in silver.rows] == [world.member_a.id, world.member_b.id]
    gold = _ranking(session, "community", world.community_a.id)
    assert gold.rows == [] and world.member_a.id not in gold.unranked
    street = _ranking(session, "street", world.street.id)  # 光明街道 holds 金山 only
    assert world.member_a.id not in [r.member_id for r in street.rows] + street.unranked
    city = _ranking(session, "city", world.city.id)
    assert {r.member_id for r in city.rows} == {world.member_a.id, world.member_b.id}


def test_a_registration_approved_after_the_period_does_not_move_the_member_back(session, world):
    make_registration(session, world.member_a, world.community_b, "residence", approved_at=at(2026, 11, 5))
    make_entry(session, world.member_a, world.community_a, 3, at(2026, 10, 9))
    settle(session)
    assert [r.member_id for r in _ranking(session, "community", world.community_a.id, now=at(2026, 11, 20)).rows] == [
        world.member_a.id
    ]


def test_unit_scope_and_inactive_members(session, world):
    a, ca = world.building_a, world.community_a
    gone = make_member(session, "离开", building=a, unit=world.unit)
    gone.active = False
    idle_gone = make_member(session, "早已离开", building=a, unit=world.unit)
    idle_gone.active = False
    make_entry(session, gone, ca, 2, at(2026, 10, 9))
    make_entry(session, world.member_a, ca, 1, at(2026, 10, 9))
    settle(session)
    ranking = _ranking(session, "unit", world.unit.id)
    assert [r.member_id for r in ranking.rows] == [gone.id, world.member_a.id]  # inactive keeps its rank
    assert idle_gone.id not in ranking.unranked  # idle and inactive: not listed


def test_one_query_per_scope_whatever_the_number_of_members(app, session, world):
    a, ca = world.building_a, world.community_a
    for i in range(30):
        member = make_member(session, f"成员{i}", building=a)
        make_entry(session, member, ca, 1 + i % 4, at(2026, 10, 3 + i % 20))
    settle(session)
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "ledger_entries" in statement:
            statements.append(statement)

    ref = service.resolve_scope(session, "community", ca.id)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        totals = member_totals(session, OCTOBER, hwm=10**9, asof=AFTER, scope=ref)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(totals) == 31 and len(statements) == 1
