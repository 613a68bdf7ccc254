"""The time axis and the two per-member indexes, against direct minute counting."""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.matching import local_minutes
from service.matching.timeline import (
    DAY,
    WEEK,
    ClaimIndex,
    WeeklyAvailability,
    day_of,
    task_quarter_masks,
    week_minute,
    week_of,
    weekday_of,
)

from .factory import MONDAY


def test_local_minutes_and_calendar():
    shanghai = ZoneInfo("Asia/Shanghai")
    utc = datetime(2026, 11, 28, 1, 30, tzinfo=ZoneInfo("UTC"))  # Saturday 09:30 in Shanghai
    m = local_minutes(utc, shanghai)
    assert m == local_minutes(datetime(2026, 11, 28, 9, 30))
    assert weekday_of(m) == 5 and week_minute(m) == 5 * DAY + 570
    assert day_of(m) - day_of(MONDAY) == 5 and week_of(m) == week_of(MONDAY)
    assert week_of(MONDAY - 1) == week_of(MONDAY) - 1  # Sunday night belongs to the week before


def _index(windows_per_member):
    ptr = np.concatenate(([0], np.cumsum([len(w) for w in windows_per_member])))
    flat = [w for ws in windows_per_member for w in ws]
    return WeeklyAvailability(
        ptr, np.array([s for s, _ in flat], np.int64), np.array([e for _, e in flat], np.int64), len(windows_per_member)
    )


def _count(windows, start, duration):
    free = np.zeros(WEEK, bool)
    for s, e in windows:
        free[s:e] = True
    return (
        int(free[(start + np.arange(duration)) % WEEK].sum())
        if duration < WEEK
        else (int(free.sum()) * (duration // WEEK) + int(free[(start + np.arange(duration % WEEK)) % WEEK].sum()))
    )


def test_covered_minutes_across_midnight_and_the_week_end():
    idx = _index([[(6 * DAY + 1380, WEEK), (0, 60)], [(100, 200), (150, 300)], []])
    assert idx.covered([0], [6 * DAY + 1380], [120]).tolist() == [120]  # Sunday 23:00 -> Monday 01:00
    assert idx.covered([0], [6 * DAY + 1410], [90]).tolist() == [90]
    assert idx.covered([1], [0], [WEEK]).tolist() == [200]  # overlapping windows are not counted twice
    assert idx.covered([1], [120], [2 * WEEK + 10]).tolist() == [2 * 200 + 10]
    assert idx.covered([2], [0], [60]).tolist() == [0]


windows = st.lists(st.tuples(st.integers(0, 6), st.integers(0, DAY - 1), st.integers(1, 600)), max_size=4)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(windows, min_size=1, max_size=4), st.integers(0, WEEK - 1), st.integers(1, 3 * DAY), st.booleans())
def test_both_coverage_routes_agree_with_counting(members, start, duration, on_grid):
    if on_grid:  # the quarter-hour route applies only to windows and tasks on the grid
        members = [[(d, s - s % 15, s - s % 15 + max(15, n - n % 15)) for d, s, n in ws] for ws in members]
        start, duration = start - start % 15, max(15, duration - duration % 15)
    else:
        members = [[(d, s, s + n) for d, s, n in ws] for ws in members]
    wins = [[(d * DAY + s, min(d * DAY + e, (d + 1) * DAY)) for d, s, e in ws] for ws in members]
    idx = _index(wins)
    n = len(wins)
    want = [_count(w, start, duration) for w in wins]
    assert idx.covered(np.arange(n), [start] * n, [duration] * n).tolist() == want
    word, mask, used, usable = task_quarter_masks(np.array([start]), np.array([duration]))
    if usable[0]:
        exact = idx.quarter_exact
        fast = idx.covered_quarters(np.arange(n), np.repeat(word, n), np.repeat(mask, n, axis=0), int(used[0]))
        assert [f for f, e in zip(fast.tolist(), exact) if e] == [w for w, e in zip(want, exact) if e]
    assert on_grid is False or idx.quarter_exact.all()


def test_claims_overlap_and_loads():
    mon = MONDAY
    claims = [[(mon + 600, mon + 660), (mon + 630, mon + 700)], [(mon - DAY + 600, mon - DAY + 660)], []]
    ptr = np.concatenate(([0], np.cumsum([len(c) for c in claims])))
    flat = [c for cs in claims for c in cs]
    idx = ClaimIndex(ptr, np.array([s for s, _ in flat]), np.array([e for _, e in flat]), 3, mon, mon + 7 * DAY)
    q = idx.overlaps(
        np.array([0, 0, 0, 1, 2]),
        np.array([mon + 700, mon + 699, mon + 540, mon + 540, mon]),
        np.array([mon + 760, mon + 760, mon + 600, mon + 700, mon + 9000]),
    )
    assert q.tolist() == [False, True, False, False, False]
    assert idx.day_load(np.array([0, 0, 1]), np.array([day_of(mon)] * 2 + [day_of(mon) - 1])).tolist() == [2, 2, 0]
    assert idx.week_load(np.array([0, 1, 2]), np.array([week_of(mon)] * 3)).tolist() == [2, 0, 0]
