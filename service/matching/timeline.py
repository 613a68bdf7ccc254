"""Time on the matcher's one integer timeline, and the two per-member time indexes.

Every instant the matcher sees is a **local wall-clock minute since 1970-01-01 00:00**
(China has no daylight saving, so local minutes are a plain linear clock; see
``local_minutes``). From it follow, with no time-zone work inside the matcher:

* the calendar day ``minute // 1440`` (daily caps count tasks by their start day),
* the Monday-based week ``(day + 3) // 7`` (1970-01-01 was a Thursday),
* the minute of the week ``weekday * 1440 + minute of day`` (0 = Monday 00:00),
  which is where the weekly availability windows live.

Availability is kept as a cyclic week of 10080 minutes, so a window of Sunday
23:00–24:00 followed by Monday 00:00–02:00 is one stretch, and a task crossing
midnight (or Sunday night into Monday) is measured exactly: the covered minutes of
``[a, a + d)`` are read off a per-member cumulative function that wraps at the week end.
Windows and tasks on the quarter-hour grid (the usual case) take a faster, equally
exact route: 15 × the quarter-hour bits the two have in common.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cached_property

import numpy as np

DAY = 1440
WEEK = 7 * DAY
HOURS_PER_WEEK = 7 * 24
HOUR_WORDS = 3  # 168 hour bits rounded up to whole uint64 words
QUARTER = 15
QUARTERS = WEEK // QUARTER  # 672
# Quarter-hour masks are kept in 16-bit words (one word: four hours), so the usual task
# of a few hours touches one or two words. Member masks run 52 h past the week end
# (repeating its start), so any task of up to 48 h is one contiguous run of bits.
QWORD = 16
QUARTER_SPAN = 48 * 60 // QUARTER  # longest task on the fast path, in quarters
QUARTER_WORDS = 55  # 880 bits >= 671 + 192 + one spare word for the run's offset
TASK_QUARTER_WORDS = 13  # a run of <= 192 bits starting anywhere in a word
_EPOCH = datetime(1970, 1, 1)


def local_minutes(moment: datetime, tz: tzinfo | None = None) -> int:
    """Minutes since 1970-01-01 00:00 on the local wall clock.

    An aware ``moment`` is first converted to ``tz`` (e.g. ``ZoneInfo("Asia/Shanghai")``);
    a naive one is taken as already local. Seconds are dropped."""
    if moment.tzinfo is not None and tz is not None:
        moment = moment.astimezone(tz)
    delta = moment.replace(tzinfo=None) - _EPOCH
    return delta.days * DAY + delta.seconds // 60


def day_of(minutes):
    return np.floor_divide(minutes, DAY)


def week_of(minutes):
    return np.floor_divide(np.floor_divide(minutes, DAY) + 3, 7)


def weekday_of(minutes):
    return np.mod(np.floor_divide(minutes, DAY) + 3, 7)


def week_minute(minutes):
    return weekday_of(minutes) * DAY + np.mod(minutes, DAY)


def _segment_starts(sorted_owner: np.ndarray, n: int) -> np.ndarray:
    """CSR pointer (n + 1) of rows grouped by a sorted owner column."""
    return np.searchsorted(sorted_owner, np.arange(n + 1)).astype(np.int64)


def hour_masks(owner: np.ndarray, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """uint64[n, 3]: bit h is set when some interval of the row touches hour h of the week.

    ``start``/``end`` are week minutes with ``end - start <= WEEK``; ``end`` may pass the
    week end (it wraps). Used only as a cheap necessary condition before the exact
    coverage, so touching an hour by one minute is enough to set it."""
    grid = np.zeros((n, HOUR_WORDS * 64), dtype=bool)
    if len(owner):
        first = start // 60
        last = (end - 1) // 60
        count = last - first + 1
        rows = np.repeat(owner, count)
        offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        hours = (np.repeat(first, count) + offset) % HOURS_PER_WEEK
        grid[rows, hours] = True
    return np.packbits(grid, axis=1, bitorder="little").view(np.uint64).reshape(n, HOUR_WORDS)


def _runs_to_bits(owner, first, last, n, width, rows_per_pass=8192) -> np.ndarray:
    """uint16[n, width/16]: bits first..last-1 of each run set in its owner's row."""
    out = np.zeros((n, width // QWORD), dtype=np.uint16)
    count = np.maximum(last - first, 0)
    for lo in range(0, n, rows_per_pass):  # bounded temporary bool grid
        hi = min(n, lo + rows_per_pass)
        sel = (owner >= lo) & (owner < hi) & (count > 0)
        c = count[sel]
        grid = np.zeros((hi - lo, width), dtype=bool)
        if len(c):
            rows = np.repeat(owner[sel] - lo, c)
            offset = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
            grid[rows, np.repeat(first[sel], c) + offset] = True
        out[lo:hi] = np.packbits(grid, axis=1, bitorder="little").view("<u2")
    return out


def task_quarter_masks(wstart: np.ndarray, duration: np.ndarray):
    """Quarter-hour runs of task windows, for the exact fast coverage path.

    Returns (first word int64[T], uint16[T, 13] mask from that word, words used int64[T],
    usable bool[T]); usable when the window starts and ends on a quarter hour and lasts
    at most 48 h."""
    usable = (wstart % QUARTER == 0) & (duration % QUARTER == 0) & (duration <= QUARTER_SPAN * QUARTER)
    q0 = np.where(usable, wstart // QUARTER, 0)
    nq = np.where(usable, duration // QUARTER, 0)
    word = q0 // QWORD
    offset = q0 - word * QWORD
    bits = _runs_to_bits(np.arange(len(q0)), offset, offset + nq, len(q0), TASK_QUARTER_WORDS * QWORD)
    used = -(-(offset + nq) // QWORD)
    return word.astype(np.int64), bits, used.astype(np.int64), usable


class WeeklyAvailability:
    """The members' weekly free windows, merged, with O(log n) covered-minute queries.

    Built from CSR arrays: member ``i`` owns windows ``ptr[i]:ptr[i+1]`` of ``start``/``end``
    (week minutes, ``0 <= start < end <= WEEK``). Overlapping windows are merged first so
    nothing is counted twice. Each member's windows are laid out on one global axis at
    ``i * STRIDE``, which turns every per-member query into one vectorised searchsorted.
    """

    STRIDE = WEEK + 1

    def __init__(self, ptr: np.ndarray, start: np.ndarray, end: np.ndarray, n: int):
        owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
        keys_s = owner * self.STRIDE + start.astype(np.int64)
        keys_e = owner * self.STRIDE + end.astype(np.int64)
        order = np.argsort(keys_s, kind="stable")
        keys_s, keys_e, owner = keys_s[order], keys_e[order], owner[order]
        if len(keys_s):
            reach = np.maximum.accumulate(keys_e)
            fresh = np.ones(len(keys_s), dtype=bool)
            fresh[1:] = keys_s[1:] > reach[:-1]
            heads = np.flatnonzero(fresh)
            self.g_start = keys_s[heads]
            self.g_end = np.maximum.reduceat(keys_e, heads)
            self.g_owner = owner[heads]
        else:
            self.g_start = self.g_end = self.g_owner = np.zeros(0, dtype=np.int64)
        self.prefix = np.concatenate(([0], np.cumsum(self.g_end - self.g_start)))
        self.ptr = _segment_starts(self.g_owner, n)
        self.n = n
        local_s = self.g_start - self.g_owner * self.STRIDE
        local_e = self.g_end - self.g_owner * self.STRIDE
        # Quarter hours wholly free. A member whose windows all sit on quarter hours is
        # either wholly free or wholly busy in each quarter, so for them (and a task on
        # quarter hours) the covered minutes are 15 × the shared quarter bits: exact.
        raw_owner = np.repeat(np.arange(n), np.diff(ptr))
        off_grid = (start % QUARTER != 0) | (end % QUARTER != 0)
        self.quarter_exact = np.bincount(raw_owner[off_grid], minlength=n) == 0
        first = -(-local_s // QUARTER)
        last = local_e // QUARTER
        self.quarters = self._quarter_bits(first, last)
        # Quarter hours with any free minute: 15 × shared bits bounds coverage from above.
        self.quarters_any = (
            self.quarters
            if self.quarter_exact.all()
            else self._quarter_bits(local_s // QUARTER, -(-local_e // QUARTER))
        )

    @cached_property
    def hours(self) -> np.ndarray:
        """uint64[n, 3] hours of the week with some free minute (for tasks off the quarter grid)."""
        owner = self.g_owner
        return hour_masks(owner, self.g_start - owner * self.STRIDE, self.g_end - owner * self.STRIDE, self.n)

    def _quarter_bits(self, first: np.ndarray, last: np.ndarray) -> np.ndarray:
        repeat = QUARTER_WORDS * QWORD - QUARTERS  # the week's start, again after its end
        wrap = first < repeat
        return _runs_to_bits(
            np.concatenate((self.g_owner, self.g_owner[wrap])),
            np.concatenate((first, first[wrap] + QUARTERS)),
            np.concatenate((last, np.minimum(last[wrap], repeat) + QUARTERS)),
            self.n,
            QUARTER_WORDS * QWORD,
        )

    def cumulative(self, member: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Free minutes of each member in ``[0, x)`` of the week, ``0 <= x <= WEEK``."""
        member = np.asarray(member, dtype=np.int64)
        q = member * self.STRIDE + x
        if not len(self.g_start):
            return np.zeros(len(q), dtype=np.int64)
        i = np.searchsorted(self.g_start, q, side="right") - 1
        first = self.ptr[member]
        own = i >= first
        j = np.where(own, i, 0)
        value = self.prefix[j] - self.prefix[first] + np.minimum(q, self.g_end[j]) - self.g_start[j]
        return np.where(own, value, 0)

    def covered_quarters(self, member: np.ndarray, word: np.ndarray, mask: np.ndarray, used: int) -> np.ndarray:
        """Free minutes counted on quarter-hour bits (exact where ``quarter_exact`` holds);
        ``used`` is how many mask words any of the tasks needs."""
        cols = word[:, None] + np.arange(used)
        shared = self.quarters[np.asarray(member, np.int64)[:, None], cols] & mask[:, :used]
        return np.bitwise_count(shared).sum(axis=1, dtype=np.int64) * QUARTER

    def covered(self, member: np.ndarray, wstart: np.ndarray, duration: np.ndarray) -> np.ndarray:
        """Free minutes inside the window ``[wstart, wstart + duration)`` (week minutes, cyclic)."""
        member = np.asarray(member, dtype=np.int64)
        wstart = np.asarray(wstart, dtype=np.int64)
        duration = np.asarray(duration, dtype=np.int64)
        full_weeks, rest = np.divmod(duration, WEEK)
        head = self.cumulative(member, wstart)
        stop = wstart + rest
        wraps = stop > WEEK
        inside = self.cumulative(member, np.minimum(stop, WEEK)) - head
        if wraps.any():
            inside = inside + np.where(wraps, self.cumulative(member, np.where(wraps, stop - WEEK, 0)), 0)
        if full_weeks.any():
            inside = inside + full_weeks * (self.prefix[self.ptr[member + 1]] - self.prefix[self.ptr[member]])
        return inside


class ClaimIndex:
    """The members' existing claims: overlap tests and day / week loads.

    Built from CSR arrays of claims (local minutes). ``lo``/``hi`` bound the tasks under
    consideration: claims outside ``[lo, hi)`` cannot overlap any of them and are left
    out of the overlap index, but loads are counted over whole calendar weeks so a claim
    on Monday still counts against a Friday task's weekly cap.
    """

    def __init__(self, ptr: np.ndarray, start: np.ndarray, end: np.ndarray, n: int, lo: int, hi: int):
        owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
        start = start.astype(np.int64)
        end = end.astype(np.int64)
        self.n = n
        self.lo, self.hi = int(lo), int(max(hi, lo + 1))
        self.stride = self.hi - self.lo + 1

        near = (end > self.lo) & (start < self.hi)
        o, s, e = owner[near], np.maximum(start[near], self.lo) - self.lo, np.minimum(end[near], self.hi) - self.lo
        keys_s, keys_e = o * self.stride + s, o * self.stride + e
        order = np.argsort(keys_s, kind="stable")
        keys_s, keys_e, o = keys_s[order], keys_e[order], o[order]
        if len(keys_s):
            reach = np.maximum.accumulate(keys_e)
            fresh = np.ones(len(keys_s), dtype=bool)
            fresh[1:] = keys_s[1:] >= reach[:-1]
            heads = np.flatnonzero(fresh)
            self.g_start, self.g_end, g_owner = keys_s[heads], np.maximum.reduceat(keys_e, heads), o[heads]
        else:
            self.g_start = self.g_end = g_owner = np.zeros(0, dtype=np.int64)
        self.ptr = _segment_starts(g_owner, n)

        # Whole weeks around the horizon, so loads see the rest of each task's week.
        self.day0 = int(week_of(self.lo)) * 7 - 3
        self.days = int(week_of(self.hi - 1)) * 7 - 3 + 7 - self.day0
        self.week0 = int(week_of(self.lo))
        self.weeks = int(week_of(self.hi - 1)) - self.week0 + 1
        day = day_of(start) - self.day0
        keep = (day >= 0) & (day < self.days)
        self.day_keys, self.day_counts = np.unique(owner[keep] * self.days + day[keep], return_counts=True)
        week = week_of(start) - self.week0
        keep = (week >= 0) & (week < self.weeks)
        self.week_keys, self.week_counts = np.unique(owner[keep] * self.weeks + week[keep], return_counts=True)

    def overlaps(self, member: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Whether ``[start, end)`` meets any claim of the member (half-open intervals)."""
        member = np.asarray(member, dtype=np.int64)
        if not len(self.g_start):
            return np.zeros(len(member), dtype=bool)
        a = member * self.stride + (np.clip(start, self.lo, self.hi) - self.lo)
        b = member * self.stride + (np.clip(end, self.lo, self.hi) - self.lo)
        j = np.searchsorted(self.g_end, a, side="right")
        own = j < self.ptr[member + 1]
        j = np.minimum(j, len(self.g_start) - 1)
        return own & (self.g_start[j] < b)

    @staticmethod
    def _lookup(keys: np.ndarray, counts: np.ndarray, member: np.ndarray, slot: np.ndarray, span: int) -> np.ndarray:
        member = np.asarray(member, dtype=np.int64)
        inside = (slot >= 0) & (slot < span)  # outside the horizon nothing was counted
        if not len(keys):
            return np.zeros(len(member), dtype=np.int64)
        q = member * span + slot
        i = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
        return np.where(inside & (keys[i] == q), counts[i], 0)

    def day_load(self, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Existing claims starting on each given day (``day_of``)."""
        return self._lookup(self.day_keys, self.day_counts, member, np.asarray(day) - self.day0, self.days)

    def week_load(self, member: np.ndarray, week: np.ndarray) -> np.ndarray:
        """Existing claims starting in each given Monday-based week (``week_of``)."""
        return self._lookup(self.week_keys, self.week_counts, member, np.asarray(week) - self.week0, self.weeks)
