"""The candidate graph against brute force: every pair checked and scored one by one."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import CandidateLimits, build_candidates, recommend, suggest, top_suggestions
from service.matching.eligibility import covered_share, exclusion_codes
from service.matching.scoring import component_values, total

from .factory import crowded_city, member, problem, random_city, task

UNLIMITED = CandidateLimits(base=10_000, per_slot=0, most=10_000)
cities = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 12))


def brute(p):
    """Every eligible (member, task) pair with its score, by the one-pair-at-a-time route."""
    m, t = np.divmod(np.arange(p.M * p.T), p.T)
    ok = exclusion_codes(p, m, t) == 0
    m, t = m[ok], t[ok]
    v, _level = component_values(p, m, t, covered_share(p, m, t))
    return m, t, total(p, v)


def top_members(m, t, score, task, k):
    """The documented order: best score first, ties to the lower member row."""
    mine = t == task
    order = np.lexsort((m[mine], -score[mine]))
    return m[mine][order][:k].tolist()


@settings(max_examples=40, derandomize=True, deadline=None)
@given(cities)
def test_uncapped_graph_is_exactly_the_eligible_pairs(city):
    seed, n_members, n_tasks = city
    p = random_city(np.random.default_rng(seed), n_members, n_tasks)
    g = build_candidates(p, limits=UNLIMITED)
    m, t, score = brute(p)
    want = dict(zip(zip(m.tolist(), t.tolist()), score.tolist()))
    got = dict(zip(zip(g.member.tolist(), g.task.tolist()), g.score.tolist()))
    assert got.keys() == want.keys()
    assert np.allclose([got[k] for k in want], list(want.values()))
    for tt in range(p.T):  # rows grouped by task, best first
        rows = g.rows_of(tt)
        assert (g.task[rows] == tt).all()
        assert (np.diff(g.score[rows]) <= 1e-12).all()


@settings(max_examples=80, derandomize=True, deadline=None)
@given(cities, st.integers(1, 3), st.integers(0, 2), st.sampled_from([0, 4]))
def test_capped_graph_keeps_each_tasks_best(city, base, per_slot, slack):
    """Small caps, blocks, slack and far prefixes, so that the bound certificates, the
    deeper rounds and the far scans all run (and must still find each task's true best)."""
    seed, n_members, n_tasks = city
    p = random_city(np.random.default_rng(seed), n_members, n_tasks)
    limits = CandidateLimits(base=base, per_slot=per_slot, most=4)
    g = build_candidates(p, limits=limits, block_cells=64, far_first=2, slack=slack)
    m, t, score = brute(p)
    want = dict(zip(zip(m.tolist(), t.tolist()), score.tolist()))
    for tt in range(p.T):
        k = int(limits.per_task(p.tasks.slots[tt]))
        best = np.sort(score[t == tt])[::-1][:k]
        rows = list(g.rows_of(tt))
        assert np.allclose(g.score[rows], best)
        assert g.member[rows].tolist() == top_members(m, t, score, tt, k)
        for r in rows:  # each kept pair is eligible, with its true score
            assert want[(int(g.member[r]), tt)] == pytest.approx(g.score[r])


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(20, 120),
    st.integers(1, 3),
    st.sampled_from([0, 4]),
    st.sampled_from([1, 3, 2048]),
)
def test_capped_graph_in_a_crowd(seed, n_members, k, slack, far_first):
    """Dozens of near-tied candidates per task, with every lift and every trap for the bound."""
    p = crowded_city(np.random.default_rng(seed), n_members, 6)
    limits = CandidateLimits(base=k, per_slot=0, most=k)
    g = build_candidates(p, limits=limits, block_cells=200, far_first=far_first, slack=slack)
    m, t, score = brute(p)
    want = dict(zip(zip(m.tolist(), t.tolist()), score.tolist()))
    for tt in range(p.T):
        rows = list(g.rows_of(tt))
        assert np.allclose(g.score[rows], np.sort(score[t == tt])[::-1][:k])
        assert g.member[rows].tolist() == top_members(m, t, score, tt, k)
        assert all(want[(int(g.member[r]), tt)] == pytest.approx(g.score[r]) for r in rows)


def test_off_grid_window_inside_the_task_is_found():
    # Free 9:16-9:47: 31 of the 60 minutes, though no whole quarter hour before 9:30.
    p = problem(
        [member(1, availability=[(5, 556, 587)]), member(2, availability=[(5, 558, 587)])], [task(1, start=9, hours=1)]
    )
    g = build_candidates(p)
    assert g.member.tolist() == [0]
    assert g.values[0, 2] == pytest.approx(31 / 60)


def test_off_grid_task_is_found():
    p = problem([member(1, availability=[(5, 540, 600)])], [task(1, start=9 + 7 / 60, hours=1)])
    g = build_candidates(p)
    assert g.member.tolist() == [0] and g.values[0, 2] == pytest.approx(53 / 60)


def test_default_cap_grows_with_slots():
    limits = CandidateLimits()
    assert limits.per_task(np.array([0, 1, 2, 3, 5, 8, 20])).tolist() == [16, 16, 16, 24, 40, 60, 60]


def test_everyone_task_far_members_are_ranked_by_what_they_can_score():
    # Far away (other community, no registration there): only fairness, reliability,
    # skills and time differ; the near member wins anyway.
    far = [member(i, 300, residence=11, recent_tasks=i % 4, completed=i % 7) for i in range(1, 40)]
    p = problem(far + [member(99, 200)], [task(1, 200, policy="everyone", slots=1)])
    g = build_candidates(p, limits=CandidateLimits(base=5, per_slot=0, most=5), far_first=4)
    m, _t, score = brute(p)
    assert np.allclose(g.score, np.sort(score)[::-1][:5])
    assert p.members.ids[g.member[0]] == 99


def test_top_suggestions_for_every_task():
    p = random_city(np.random.default_rng(11), 40, 15)
    g = build_candidates(p, limits=UNLIMITED)
    ptr, rows = top_suggestions(g, 3)
    for tt in range(p.T):
        assert rows[ptr[tt] : ptr[tt + 1]].tolist() == list(g.rows_of(tt))[:3]
    assert len(rows) == sum(min(3, len(g.rows_of(tt))) for tt in range(p.T))


def test_suggest_explains_each_member():
    p = problem(
        [member(1, 200, skills=["repair"]), member(2, 210), member(3, 300, residence=11)],
        [task(1, 200, required=[], preferred=["repair"])],
    )
    g = build_candidates(p)
    out = suggest(p, g, 0)
    assert [s.member_id for s in out] == [1, 2]
    assert out[0].reasons[0].zh == "同楼栋" and out[0].reasons[1].zh == "会维修"
    assert out[0].score == pytest.approx(sum(out[0].breakdown.values()), abs=1e-3)


def test_recommended_tasks_for_one_member_match_brute_force():
    p = random_city(np.random.default_rng(21), 20, 30)
    m, t, score = brute(p)
    for who in range(p.M):
        mine = np.flatnonzero(m == who)
        order = mine[np.lexsort((t[mine], -score[mine]))][:10]
        got = recommend(p, who)
        assert [s.task for s in got] == t[order].tolist()
        assert np.allclose([s.score for s in got], score[order])
