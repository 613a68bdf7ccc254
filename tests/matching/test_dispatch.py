"""Dispatch: optimal against brute force, never breaking a cap or an overlap, explained."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import CandidateGraph, DispatchSettings, build_candidates, dispatch, exact, greedy
import service.matching.assignment as assignment

from .factory import MONDAY, at, member, problem, random_city, task

DAY = 1440


def graph_from(p, pairs, scores) -> CandidateGraph:
    """A candidate graph with chosen pairs and scores (dispatch does not care where they came from)."""
    m = np.array([a for a, _ in pairs], dtype=np.int32).reshape(-1)
    t = np.array([b for _, b in pairs], dtype=np.int32).reshape(-1)
    s = np.array(scores, dtype=np.float64).reshape(-1)
    order = np.lexsort((m, -s, t))
    m, t, s = m[order], t[order], s[order]
    return CandidateGraph(
        m,
        t,
        s,
        np.zeros((len(m), 7), np.float32),
        np.zeros(len(m), np.int8),
        np.searchsorted(t, np.arange(p.T + 1)).astype(np.int64),
        np.full(p.T, 99),
    )


# -- the rules, restated independently -------------------------------------------------


def day(minute):
    return minute // DAY


def week(minute):
    return (minute // DAY + 3) // 7


def overlap(a, b):
    return a[0] < b[1] and b[0] < a[1]


def loads(p, m):
    s, e = p.members.claim_ptr[m], p.members.claim_ptr[m + 1]
    starts = p.members.claim_start[s:e].tolist()
    return (
        {d: sum(day(x) == d for x in starts) for d in map(day, starts)},
        {w: sum(week(x) == w for x in starts) for w in map(week, starts)},
    )


def groups(items, linked):
    """Connected components of ``items`` under the symmetric relation ``linked``."""
    parent = list(range(len(items)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in combinations(range(len(items)), 2):
        if linked(items[i], items[j]):
            parent[find(i)] = find(j)
    out = {}
    for i in range(len(items)):
        out.setdefault(find(i), []).append(i)
    return list(out.values())


def member_options(p, m, tasks, gains, unit):
    """Every feasible set of tasks for member m under the documented rules, with its value.

    At most one task per overlap component (tasks chained by overlapping windows); day
    buckets join components whose start-day ranges meet, admitting the least room left on
    any of their start days; week buckets likewise over day buckets and weeks."""
    win = [(int(p.tasks.start[t]), int(p.tasks.end[t])) for t in tasks]
    comps = groups(list(range(len(tasks))), lambda a, b: overlap(win[a], win[b]))
    comp_of = {i: c for c, members_ in enumerate(comps) for i in members_}

    def days_of(c):
        return [day(win[i][0]) for i in comps[c]]

    dbuckets = groups(
        list(range(len(comps))), lambda a, b: min(days_of(a)) <= max(days_of(b)) and min(days_of(b)) <= max(days_of(a))
    )
    dbucket_of = {c: k for k, cs in enumerate(dbuckets) for c in cs}

    def weeks_of(k):
        return [week(win[i][0]) for c in dbuckets[k] for i in comps[c]]

    wbuckets = groups(
        list(range(len(dbuckets))),
        lambda a, b: min(weeks_of(a)) <= max(weeks_of(b)) and min(weeks_of(b)) <= max(weeks_of(a)),
    )
    wbucket_of = {k: w for w, ks in enumerate(wbuckets) for k in ks}
    day_load, week_load = loads(p, m)
    dcap = [
        min(int(p.members.daily_cap[m]) - day_load.get(day(win[i][0]), 0) for c in cs for i in comps[c])
        for cs in dbuckets
    ]
    wcap = [
        min(
            int(p.members.weekly_cap[m]) - week_load.get(week(win[i][0]), 0)
            for k in ks
            for c in dbuckets[k]
            for i in comps[c]
        )
        for ks in wbuckets
    ]
    options = []
    for r in range(len(tasks) + 1):
        for chosen in combinations(range(len(tasks)), r):
            cs = [comp_of[i] for i in chosen]
            ds = [dbucket_of[c] for c in cs]
            ws = [wbucket_of[d] for d in ds]
            if len(set(cs)) < len(cs):
                continue
            if any(ds.count(k) > dcap[k] for k in set(ds)) or any(ws.count(w) > wcap[w] for w in set(ws)):
                continue
            value = sum(gains[i] for i in chosen) - unit * r * (r - 1) // 2
            options.append(([tasks[i] for i in chosen], value))
    return options


def brute_force(p, g, st_: DispatchSettings):
    """Best (filled, objective units) -- or objective alone -- by exhaustive search."""
    by_member = {}
    for r in range(len(g)):
        if p.tasks.slots[g.task[r]] > 0:
            by_member.setdefault(int(g.member[r]), []).append((int(g.task[r]), int(np.rint(g.score[r] * st_.scale))))
    best = {tuple(int(x) for x in p.tasks.slots): (0, 0)}
    for m, items in by_member.items():
        options = member_options(p, m, [t for t, _ in items], [gn for _, gn in items], st_.penalty_unit)
        nxt = {}
        for left, (filled, value) in best.items():
            for chosen, v in options:
                room = list(left)
                for t in chosen:
                    room[t] -= 1
                if min(room, default=0) < 0:
                    continue
                cand = (filled + len(chosen), value + v)
                key = tuple(room)
                if key not in nxt or (cand > nxt[key] if st_.fill_first else cand[1] > nxt[key][1]):
                    nxt[key] = cand
        best = nxt
    if st_.fill_first:
        return max(best.values())
    return max(v for _, v in best.values())


def assert_respects_rules(p, g, result):
    slots = np.bincount(result.task, minlength=p.T)
    assert (slots <= p.tasks.slots).all()
    pairs = set(zip(g.member.tolist(), g.task.tolist()))
    assert all((int(m), int(t)) in pairs for m, t in zip(result.member, result.task))
    assert len(set(zip(result.member.tolist(), result.task.tolist()))) == len(result.member)
    for m in set(result.member.tolist()):
        mine = result.task[result.member == m].tolist()
        win = [(int(p.tasks.start[t]), int(p.tasks.end[t])) for t in mine]
        assert not any(overlap(a, b) for a, b in combinations(win, 2)), "overlapping tasks"
        day_load, week_load = loads(p, m)
        for d in {day(w[0]) for w in win}:
            assert sum(day(w[0]) == d for w in win) + day_load.get(d, 0) <= p.members.daily_cap[m]
        for wk in {week(w[0]) for w in win}:
            assert sum(week(w[0]) == wk for w in win) + week_load.get(wk, 0) <= p.members.weekly_cap[m]


# -- small random instances ----------------------------------------------------------------


@st.composite
def instances(draw):
    """≤5 members × ≤4 tasks, biased towards contention: caps mostly 1–2, most pairs present."""
    n_m, n_t = draw(st.integers(2, 5)), draw(st.integers(2, 4))
    # Days 5..8 cross a week boundary (Sunday is day 6); 23:00 starts cross midnight.
    tasks = [
        task(
            100 + j,
            day=draw(st.integers(5, 8)),
            start=draw(st.sampled_from([8, 9, 10, 10.5, 11, 11.5, 12, 22, 23])),
            hours=draw(st.sampled_from([1, 1.5, 2, 3, 4])),
            slots=draw(st.sampled_from([0, 1, 1, 2, 3])),
        )
        for j in range(n_t)
    ]
    members = []
    for i in range(n_m):
        claims = [(at(d, 3), at(d, 4)) for d in draw(st.lists(st.integers(4, 8), max_size=2))]
        members.append(
            member(
                i + 1,
                daily_cap=draw(st.sampled_from([0, 1, 1, 2, 2])),
                weekly_cap=draw(st.sampled_from([0, 1, 2, 2, 3])),
                claims=claims,
            )
        )
    p = problem(members, tasks)
    pairs = [(i, j) for i in range(n_m) for j in range(n_t) if draw(st.sampled_from([True, True, False]))]
    scores = [draw(st.integers(0, 40)) / 4 for _ in pairs]  # coarse: ties happen
    return p, graph_from(p, pairs, scores)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(instances(), st.sampled_from([0.0, 1.0, 3.5]))
def test_exact_equals_brute_force_filling_first(instance, step):
    p, g = instance
    st_ = DispatchSettings(load_step=step)
    result = exact(p, g, st_)
    assert (result.filled, result.objective_units) == brute_force(p, g, st_)
    assert_respects_rules(p, g, result)
    gr = greedy(p, g, st_)
    assert_respects_rules(p, g, gr)
    assert (gr.filled, gr.objective_units) <= (result.filled, result.objective_units)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(instances(), st.sampled_from([1.0, 6.0]))
def test_exact_equals_brute_force_on_objective_alone(instance, step):
    p, g = instance
    st_ = DispatchSettings(load_step=step, fill_first=False)
    result = exact(p, g, st_)
    assert result.objective_units == brute_force(p, g, st_)
    assert result.objective_units >= greedy(p, g, st_).objective_units
    assert_respects_rules(p, g, result)


@settings(max_examples=25, derandomize=True, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_real_candidate_graphs_never_break_rules(seed):
    p = random_city(np.random.default_rng(seed), 30, 18, days=9, overnight=0.3)
    g = build_candidates(p)
    ex, gr = dispatch(p, g), dispatch(p, g, method="greedy")
    assert (ex.solver, gr.solver) == ("exact", "greedy")
    assert_respects_rules(p, g, ex)
    assert_respects_rules(p, g, gr)
    assert (gr.filled, gr.objective_units) <= (ex.filled, ex.objective_units)
    assert ex.slots == gr.slots == int(p.tasks.slots.sum())
    assert (ex.task_filled + ex.unfilled_no_eligible + ex.unfilled_used_elsewhere == p.tasks.slots).all()


# -- the documented choices, one by one -----------------------------------------------------


def single_member(tasks, scores=None, **kw):
    p = problem([member(1, **kw)], tasks)
    return p, graph_from(p, [(0, j) for j in range(len(tasks))], scores or [5.0] * len(tasks))


def test_overlap_chain_allows_one_task():
    # A 9-11 overlaps B 10:30-12:30 overlaps C 12-14; A and C alone would both fit.
    chain = [task(1, start=9, hours=2), task(2, start=10.5, hours=2), task(3, start=12, hours=2)]
    p, g = single_member(chain, daily_cap=3, weekly_cap=3)
    assert dispatch(p, g).filled == 1
    p, g = single_member([chain[0], chain[2]], daily_cap=3, weekly_cap=3)
    assert dispatch(p, g).filled == 2


def test_nested_windows_chain_through_the_long_one():
    # A 9-13 contains B 10-11; C 12-14 overlaps A but not B: all one component.
    p, g = single_member(
        [task(1, start=9, hours=4), task(2, start=10, hours=1), task(3, start=12, hours=2)],
        scores=[1, 5, 5],
        daily_cap=3,
        weekly_cap=3,
    )
    r = dispatch(p, g)
    assert r.filled == 1 and r.task.tolist() in ([1], [2])


def test_joined_days_admit_the_least_room_of_either_day():
    # Monday 23:00-01:00 overlaps Tuesday 00:30-02:00; Tuesday is already full (daily cap 1),
    # so the joined Monday-Tuesday bucket admits nothing, not even the Monday task.
    tasks = [task(1, day=0, start=23, hours=2), task(2, day=1, start=0.5, hours=1.5)]
    p, g = single_member(tasks, daily_cap=1, weekly_cap=5, claims=[(at(1, 9), at(1, 10))])
    assert dispatch(p, g).filled == 0
    assert dispatch(p, g, method="greedy").filled == 0
    p, g = single_member(tasks, daily_cap=1, weekly_cap=5, claims=[(at(2, 9), at(2, 10))])
    assert dispatch(p, g).filled == 1


def test_sunday_night_joins_the_two_weeks():
    # Sunday 23:00-01:00 overlaps Monday 00:30-02:00: one bucket over both weeks, under a
    # weekly cap of 1, so a Tuesday task cannot be added either.
    tasks = [task(1, day=6, start=23, hours=2), task(2, day=7, start=0.5, hours=1.5), task(3, day=8, start=10)]
    p, g = single_member(tasks, scores=[3, 4, 5], daily_cap=2, weekly_cap=1)
    assert dispatch(p, g).filled == 1
    # ... and it admits the least room of the two weeks: next week already holds a claim.
    p, g = single_member(tasks[:2], daily_cap=2, weekly_cap=1, claims=[(at(9, 9), at(9, 10))])
    assert dispatch(p, g).filled == 0


def test_back_to_back_tasks_do_not_overlap():
    p, g = single_member([task(1, start=9, hours=2), task(2, start=11, hours=2)], daily_cap=2)
    assert dispatch(p, g).filled == 2


def test_daily_and_weekly_caps_count_existing_claims():
    two = [task(1, day=2, start=9), task(2, day=2, start=14)]
    assert dispatch(*single_member(two, daily_cap=1)).filled == 1
    assert dispatch(*single_member(two, daily_cap=2)).filled == 2
    assert dispatch(*single_member(two, daily_cap=2, claims=[(at(2, 6), at(2, 7))])).filled == 1
    week = [task(1, day=1), task(2, day=3), task(3, day=5)]
    assert dispatch(*single_member(week, weekly_cap=2)).filled == 2
    assert dispatch(*single_member(week, weekly_cap=3, claims=[(at(0, 6), at(0, 7))])).filled == 2


def test_window_across_midnight_joins_the_two_days():
    # T1 Monday 23:00-01:00 overlaps T2 Tuesday 00:30-02:00, so Monday and Tuesday form one
    # bucket under the daily cap of 1: T3 on Tuesday morning cannot be added.
    tasks = [task(1, day=0, start=23, hours=2), task(2, day=1, start=0.5, hours=1.5), task(3, day=1, start=10)]
    p, g = single_member(tasks, scores=[5, 4, 3], daily_cap=1, weekly_cap=3)
    r = dispatch(p, g)
    assert r.filled == 1 and r.task.tolist() == [0]


def test_convex_load_cost_spreads_work():
    p = problem([member(1), member(2)], [task(1, start=9), task(2, start=14)])
    g = graph_from(p, [(0, 0), (0, 1), (1, 0), (1, 1)], [10, 10, 9.5, 9.5])
    ex = exact(p, g, DispatchSettings(load_step=1.0))
    assert sorted(ex.member.tolist()) == [0, 1]
    assert (ex.total_score, ex.objective) == (19.5, 19.5)
    gr = greedy(p, g, DispatchSettings(load_step=1.0))
    assert gr.member.tolist() == [0, 0] and gr.objective == 19.0  # 20 minus the second task's cost
    assert exact(p, g, DispatchSettings(load_step=0.0)).total_score == 20.0


def test_fill_first_fills_even_at_a_cost():
    p, g = single_member([task(1, start=9), task(2, start=14)], scores=[1.0, 10.0], weekly_cap=3)
    full = exact(p, g, DispatchSettings(load_step=20))
    assert (full.filled, full.objective) == (2, -9.0)
    lean = exact(p, g, DispatchSettings(load_step=20, fill_first=False))
    assert (lean.filled, lean.objective, lean.task.tolist()) == (1, 10.0, [1])


def test_unfilled_slots_say_why():
    p = problem(
        [member(1), member(2, residence=11)],
        [task(1, start=9, slots=2), task(2, start=10, slots=1), task(3, start=15, slots=1)],
    )
    g = graph_from(p, [(0, 0), (0, 1)], [9.0, 5.0])  # member 1 fits both, but they overlap
    r = dispatch(p, g)
    assert r.task.tolist() == [0]
    rows = {u["task_id"]: u for u in r.unfilled(p)}
    assert [(x["code"], x["slots"]) for x in rows[1]["reasons"]] == [("no_eligible", 1)]
    assert [(x["code"], x["slots"], x["zh"]) for x in rows[2]["reasons"]] == [
        ("used_elsewhere", 1, "人选已派往其他任务或已达上限")
    ]
    assert [(x["code"], x["en"]) for x in rows[3]["reasons"]] == [("no_eligible", "no eligible candidate left")]
    assert (r.filled, r.slots) == (1, 4)


def test_falls_back_to_greedy_when_the_solver_fails(monkeypatch):
    p, g = single_member([task(1)])

    def broken(*args, **kwargs):
        raise RuntimeError("solver unavailable")

    monkeypatch.setattr(assignment, "exact", broken)
    r = dispatch(p, g)
    assert (r.solver, r.filled) == ("greedy", 1)
    assert "solver unavailable" in r.note


def test_each_assignment_is_explained():
    p = problem([member(1, 200, skills=["repair"])], [task(1, 200, required=["repair"])])
    g = build_candidates(p)
    r = dispatch(p, g)
    (row,) = r.explain(p, g)
    assert (row["member_id"], row["task_id"]) == (1, 1)
    assert row["breakdown"]["near"] == 2.5 and row["breakdown"]["skill"] == 3.0
    assert row["text"]["zh"].startswith("同楼栋 · 会维修")
    assert r.summary()["solver"] == "exact"


def test_full_tasks_are_not_dispatched():
    p, g = single_member([task(1, slots=0), task(2, start=14, slots=1)])
    r = dispatch(p, g)
    assert r.task.tolist() == [1] and r.slots == 1


def test_unknown_method_is_refused():
    p, g = single_member([task(1)])
    with pytest.raises(ValueError):
        dispatch(p, g, method="magic")


def test_monday_is_day_zero_of_week():
    assert (MONDAY // DAY + 3) % 7 == 0
