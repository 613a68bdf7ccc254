"""The sparse candidate graph: each task's best eligible members, scored and explained.

**What is kept.** Task ``t`` keeps its best ``limits.per_task(slots[t])`` eligible members
by score (ties: lower member row first), where by default
``K_t = min(60, max(16, 8 × open slots))``: enough for a top-10 suggestion list and
for dispatch to choose among eight people per slot, while the graph (and the dispatch
network built on it) stays linear in the number of tasks. Without such a cap an
"everyone" task would carry every available member of the city. Everything
downstream -- suggestions, dispatch -- is exact *on this graph*.

**How it is found without scoring every eligible pair.** Scoring is the costly part
(free-time coverage, conflicts, neighbour look-ups), so pairs are only scored when
they may make a task's top ``K_t``, and the cut is certified, not guessed:

* ``registered`` / ``invited`` tasks, community by community: the members registered
  there (either side) × its tasks form a dense block, filtered with bit masks
  (required skills; some shared hour of the week). A cheap *upper bound* of every
  cell's score is computed in the block (coverage taken as 1, a neighbouring grid
  assumed wherever nothing nearer holds, a standing pair assumed whenever both sides
  have one). Each task scores exactly only its ``2·K_t`` best cells by bound; if its
  ``K_t``-th exact score is at least the best bound left out, the top is proven,
  otherwise the rest of that task's cells are scored too. Invitations from outside
  the community are scored directly.
* ``everyone`` tasks: members who can be near the task (registered in or living in
  its community, living in a neighbouring grid, paired with its beneficiary,
  invited) go through the same block method. Everyone else is far away, so for them
  nearness, side balance and pairing are 0 and the score is at most
  ``fair + reliable`` (member-only, "static") ``+ skill weight + cover weight``.
  They are scanned in falling static order in doubling prefixes until the task's
  ``K_t``-th best far score reaches that bound for the next unscanned member.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .eligibility import has_skills, screen
from .reasons import Suggestion, describe
from .inputs import EVERYONE, INVITED, NONE, REGISTERED
from .problem import Problem
from .scoring import NEAR_VALUES, component_values, member_points, total
from .timeline import HOUR_WORDS, QUARTER

DEFAULT_BLOCK_CELLS = 1_000_000
SUGGESTIONS = 10
FAR_FIRST = 2048
SLACK = 4
# Bounds are computed in float32; this margin keeps them above the exact float64 score.
BOUND_MARGIN = 1e-4
# A far member whose bound equals the K-th score could tie it and, with a lower member
# row, belong in the top; the scan stops only when the bound is strictly below.
TIE = 1e-9


@dataclass(frozen=True)
class CandidateLimits:
    """Candidates kept per task: ``min(most, max(base, per_slot × open slots))``."""

    base: int = 16
    per_slot: int = 8
    most: int = 60

    def per_task(self, slots: np.ndarray) -> np.ndarray:
        return np.clip(np.maximum(self.base, self.per_slot * np.asarray(slots, np.int64)), 1, max(1, self.most))


DEFAULT_LIMITS = CandidateLimits()


@dataclass
class CandidateGraph:
    """Rows sorted by task, best score first; task ``t`` owns rows ``task_ptr[t]:task_ptr[t+1]``.

    ``member``/``task`` are rows of the Problem's tables; ``values`` holds the unweighted
    components (COMPONENTS order) so every row can be explained without recomputing."""

    member: np.ndarray  # int32[P]
    task: np.ndarray  # int32[P]
    score: np.ndarray  # float64[P]
    values: np.ndarray  # float32[P, 7]
    near: np.ndarray  # int8[P] nearness level (scoring.NEAR_LEVELS)
    task_ptr: np.ndarray  # int64[T + 1]
    limit: np.ndarray  # int64[T] the cap K_t each task was cut to
    scored: int = 0  # pairs scored exactly while building (diagnostics)

    def __len__(self) -> int:
        return len(self.member)

    def rows_of(self, t: int) -> range:
        return range(int(self.task_ptr[t]), int(self.task_ptr[t + 1]))

    def describe(self, p: Problem, row: int) -> Suggestion:
        return describe(p, self.member[row], self.task[row], self.values[row], self.near[row], self.score[row])


def _rank_in_group(group_sorted: np.ndarray) -> np.ndarray:
    head = np.ones(len(group_sorted), dtype=bool)
    head[1:] = group_sorted[1:] != group_sorted[:-1]
    starts = np.flatnonzero(head)
    return np.arange(len(group_sorted)) - np.repeat(starts, np.diff(np.append(starts, len(group_sorted))))


class _Scored:
    """Scored pairs: member, task, score, values, near (parallel arrays)."""

    def __init__(self, m, t, score, values, near):
        self.m, self.t, self.score, self.values, self.near = m, t, score, values, near

    @classmethod
    def empty(cls):
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros((0, 7), np.float32),
            np.zeros(0, np.int8),
        )

    @classmethod
    def join(cls, parts):
        parts = [x for x in parts if len(x.m)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(x, f) for x in parts]) for f in ("m", "t", "score", "values", "near")))

    def take(self, idx):
        return _Scored(self.m[idx], self.t[idx], self.score[idx], self.values[idx], self.near[idx])

    def best(self, limit: np.ndarray) -> _Scored:
        """Each task's best ``limit[t]``, sorted by task then score (ties: lower member).

        A pair found twice (a near member met again in the far scan) is kept once."""
        if not len(self.m):
            return self
        order = np.lexsort((self.m, -self.score, self.t))
        m, t = self.m[order], self.t[order]
        again = np.zeros(len(order), dtype=bool)
        again[1:] = (m[1:] == m[:-1]) & (t[1:] == t[:-1])
        order, t = order[~again], t[~again]
        rank = _rank_in_group(t)
        return self.take(order[rank < limit[t]])

    def kth(self, tasks: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``tasks``: how many pairs are held and the ``limit``-th best score (-inf if fewer).

        Expects ``best()`` order."""
        pos = np.searchsorted(self.t, tasks)
        count = np.searchsorted(self.t, tasks, side="right") - pos
        want = limit[tasks]
        kth = np.full(len(tasks), -np.inf)
        has = count >= want
        kth[has] = self.score[pos[has] + want[has] - 1]
        return count, kth

    def __len__(self):
        return len(self.m)


def _stack(rows: list[np.ndarray], width: int, dtype=bool) -> np.ndarray:
    """Rows stacked, plus one all-zero sentinel row at the end (index -1 / "none")."""
    out = np.zeros((len(rows) + 1, width), dtype=dtype)
    for i, r in enumerate(rows):
        out[i] = r
    return out


def _lookup(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Index of each value in the sorted ``table``; len(table) (the sentinel) if absent or NONE."""
    if not len(table):
        return np.zeros(values.shape, dtype=np.int64)
    pos = np.minimum(np.searchsorted(table, values), len(table) - 1)
    return np.where((values != NONE) & (table[pos] == values), pos, len(table))


class _Builder:
    def __init__(self, p: Problem, limits: CandidateLimits, block_cells: int, far_first: int, slack: int):
        self.p, self.block_cells, self.far_first = p, block_cells, far_first
        self.limit = limits.per_task(p.tasks.slots)
        # The bound is exact but for conflicts and weekly caps, so a little slack suffices.
        self.first_depth = self.limit + np.maximum(slack, self.limit // 4 if slack else 0)
        self.scored = 0
        mem = p.members
        self.static = member_points(p)
        self.side_m = mem.in_service & (mem.residence_served == 0) & (mem.residence_community != NONE)

    # -- exact scoring ---------------------------------------------------------
    def score(self, m, t, *, claim_checked=True, skills_checked=True) -> _Scored:
        if not len(m):
            return _Scored.empty()
        self.scored += len(m)
        keep, share = screen(self.p, m, t, claim_checked=claim_checked, skills_checked=skills_checked)
        m, t = m[keep], t[keep]
        values, near = component_values(self.p, m, t, share)
        return _Scored(m, t, total(self.p, values), values, near)

    # -- dense blocks: tasks × members ----------------------------------------------
    def _cover(self, rows, tasks) -> np.ndarray:
        """float32[S, R]: covered share, exact for quarter-hour data, else an upper bound."""
        p = self.p
        word, mask, used, usable = p.task_quarters
        q = np.ascontiguousarray(p.availability.quarters_any[rows].T)  # [words, R]
        w0, tm, nw = word[tasks], mask[tasks], used[tasks]
        quarters = np.zeros((len(tasks), len(rows)), dtype=np.uint8)
        for k in range(int(nw.max(initial=0))):
            live = np.flatnonzero(nw > k)
            if len(live) == len(tasks):
                quarters += np.bitwise_count(q[w0 + k] & tm[:, k, None])
            else:
                quarters[live] += np.bitwise_count(q[w0[live] + k] & tm[live, k, None])
        share = quarters * (np.float32(QUARTER) / p.t_duration[tasks].astype(np.float32))[:, None]
        odd = np.flatnonzero(~usable[tasks])
        if len(odd):  # off the quarter grid or over 48 h: any shared hour may be enough
            touch = np.zeros((len(odd), len(rows)), dtype=bool)
            mh, th = p.member_hours[rows], p.task_hours[tasks[odd]]
            for w in range(HOUR_WORDS):
                touch |= (th[:, w, None] & mh[None, :, w]) != 0
            share[odd] = touch
        return share

    def _cells(self, rows, tasks) -> tuple[np.ndarray, np.ndarray]:
        """ok: bool[S, R] may pass the filters; ub: float32[S, R] score bound (-inf where not ok).

        The bound is exact (up to BOUND_MARGIN) for everything but conflicts and weekly
        caps, which only exact scoring checks. Per block, small tables over the rows are
        built for the few distinct skills, zones, buildings and communities of its tasks
        and gathered per task, so each cell costs a handful of one-byte passes."""
        p, wt = self.p, self.p.weights
        mem, tsk = p.members, p.tasks
        R = len(rows)
        cover = self._cover(rows, tasks)
        ok = cover >= np.float32(p.min_cover - 1e-6)
        held = mem.skills[rows]
        words = held.shape[1]
        req, req_i = np.unique(tsk.required[tasks], axis=0, return_inverse=True)
        if req.any():
            has = np.ones((len(req), R), dtype=bool)
            for k, r in enumerate(req):
                for w in range(words):
                    if r[w]:
                        has[k] &= (held[:, w] & r[w]) == r[w]
            ok &= has[req_i.reshape(-1)]

        # Row terms that depend on the task only through its (preferred, required,
        # community): skills held, fairness + reliability, side balance.
        key = np.concatenate(
            (tsk.preferred[tasks], tsk.required[tasks], tsk.community[tasks, None].view(np.uint64)), axis=1
        )
        kinds, kind_i = np.unique(key, axis=0, return_inverse=True)
        kind_i = kind_i.reshape(-1)
        first = np.zeros(len(kinds), dtype=np.int64)
        first[kind_i[::-1]] = np.arange(len(tasks))[::-1]
        base = np.empty((len(kinds), R), dtype=np.float32)
        static = self.static[rows] + BOUND_MARGIN
        home_r = mem.residence_community[rows]
        for k, j in enumerate(first):
            t = tasks[j]
            hits = np.zeros(R, dtype=np.float32)
            for w in range(words):
                if tsk.preferred[t, w]:
                    hits += np.bitwise_count(held[:, w] & tsk.preferred[t, w])
            asked = max(int(p.t_req_count[t] + p.t_pref_count[t]), 1)
            row = static + (hits + p.t_req_count[t]) * (wt["skill"] / asked)
            if wt["side"]:
                row += wt["side"] * (self.side_m[rows] & (home_r == tsk.community[t]))
            base[k] = row
        ub = base[kind_i]
        ub += np.minimum(cover, np.float32(1.0)) * np.float32(wt["cover"])

        # Nearness as a level code 0 elsewhere .. 4 same building, best one wins.
        comms, comm_i = np.unique(tsk.community[tasks], return_inverse=True)
        code = np.stack([(mem.home_community[rows] == c) * np.uint8(2) for c in comms])[comm_i]
        home_d = p._zones[0][rows]
        place_d = p._zones[1][tasks]
        zones = np.unique(place_d[place_d >= 0])
        if len(zones):
            zi = _lookup(place_d, zones)
            _res_ptr, _residents, nb_ptr, nb = self._zone_index
            flag = np.zeros(p._zones[3] + 1, dtype=bool)  # last entry: a member without a zone
            h0, h1 = home_d[:, 0], home_d[:, 1]
            zone_code = np.zeros((len(zones) + 1, R), dtype=np.uint8)
            for k, u in enumerate(zones):
                flag[nb[nb_ptr[u] : nb_ptr[u + 1]]] = True
                zone_code[k] = np.where((h0 == u) | (h1 == u), 3, flag[h0] | flag[h1])
                flag[nb[nb_ptr[u] : nb_ptr[u + 1]]] = False
            np.maximum(code, zone_code[zi[:, 0]], out=code)
            if (zi[:, 1] < len(zones)).any():
                np.maximum(code, zone_code[zi[:, 1]], out=code)
        place_b = tsk.place_building[tasks]
        builds = np.unique(place_b[place_b != NONE])
        if len(builds):
            home_b = mem.home_building[rows]
            same = _stack([(home_b == b) * np.uint8(4) for b in builds], R, np.uint8)[_lookup(place_b, builds)]
            np.maximum(code, same, out=code)
        ub += (NEAR_VALUES[::-1] * wt["near"]).astype(np.float32)[code]
        if wt["pair"]:
            ti, ri = self._paired_cells(rows, tasks)
            ub[ti, ri] += np.float32(wt["pair"])
        ub[~ok] = -np.inf
        return ok, ub

    def _paired_cells(self, rows, tasks) -> tuple[np.ndarray, np.ndarray]:
        """(task index, row index) of cells with a standing pair; ``rows`` must be sorted."""
        ptr, paired = self._pair_index
        b = self.p._beneficiaries[0][tasks]
        cols = np.flatnonzero(b >= 0)
        if not len(cols) or not len(paired):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        count = ptr[b[cols] + 1] - ptr[b[cols]]
        col = np.repeat(cols, count)
        within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        who = paired[np.repeat(ptr[b[cols]], count) + within]
        pos = np.minimum(np.searchsorted(rows, who), len(rows) - 1)
        hit = rows[pos] == who
        return col[hit], pos[hit]

    def _settled(self, got: _Scored, tasks: np.ndarray, left_out: np.ndarray) -> np.ndarray:
        """Whether each task's top K_t is proven: nothing left, or its K_t-th score is
        strictly above every score left out. A bound sits BOUND_MARGIN (less float32
        rounding, far below half of it) above its exact score, so a cell left out whose
        score ties the K_t-th -- and might win the tie on member row -- keeps the task open."""
        count, kth = got.kth(tasks, self.limit)
        return (left_out == -np.inf) | ((count >= self.limit[tasks]) & (kth > left_out - BOUND_MARGIN / 2))

    def block(self, rows: np.ndarray, tasks: np.ndarray) -> _Scored:
        """Certified top-K_t of ``rows`` (sorted) for each of ``tasks``, all of whom may claim."""
        out = []
        if not len(rows) or not len(tasks):
            return _Scored.empty()
        step = max(1, self.block_cells // len(rows))
        for lo in range(0, len(tasks), step):
            sub = tasks[lo : lo + step]
            ok, ub = self._cells(rows, sub)
            depth = int(self.first_depth[sub].max())
            if len(rows) <= depth:
                ti, ri = np.nonzero(ok)
                out.append(self.score(rows[ri], sub[ti]).best(self.limit))
                continue
            got = _Scored.empty()
            open_ = np.arange(len(sub))
            while len(open_):
                # Score each open task's best `depth` cells by bound that are not scored yet.
                view = ub[open_]
                if depth >= len(rows):
                    ti, ri = np.nonzero(view > -np.inf)
                    left_out = np.full(len(open_), -np.inf)
                else:
                    part = np.argpartition(-view, depth, axis=1)
                    left_out = view[np.arange(len(open_)), part[:, depth]]
                    ti, ri = np.repeat(np.arange(len(open_)), depth), part[:, :depth].ravel()
                    keep = view[ti, ri] > -np.inf
                    ti, ri = ti[keep], ri[keep]
                ub[open_[ti], ri] = -np.inf
                got = _Scored.join([got, self.score(rows[ri], sub[open_[ti]])]).best(self.limit)
                open_ = open_[~self._settled(got, sub[open_], left_out)]
                depth *= 2
            out.append(got)
        return _Scored.join(out)

    def far(self, tasks: np.ndarray) -> _Scored:
        """Certified top-K_t for everyone-tasks among members *not* near them.

        A far member (not in ``local_members``) scores at most static + skill weight (if
        the task asks for any tag) + cover weight. Members are scanned in falling static
        order -- only holders of the task's rarest required skill, when it has one -- in
        doubling prefixes, until the K_t-th score found reaches that bound for the next
        member in line. Near members met on the way are scored like anyone else; the
        near blocks have them anyway and ``best`` drops the repeat."""
        p, wt = self.p, self.p.weights
        bound = wt["skill"] * ((p.t_req_count[tasks] + p.t_pref_count[tasks]) > 0) + wt["cover"]
        key = self._scan_key(tasks)
        parts = []
        for k in np.unique(key):
            group = np.flatnonzero(key == k)
            line = self._scan_line(int(k))
            best = _Scored.empty()
            start, size = 0, self.far_first
            while len(group) and start < len(line):
                rows = np.sort(line[start : start + size])
                start += size
                size *= 2
                if len(rows):
                    best = _Scored.join([best, self.block(rows, tasks[group])]).best(self.limit)
                if start >= len(line):
                    break
                count, kth = best.kth(tasks[group], self.limit)
                nxt = self.static[line[start]] + bound[group]
                group = group[~((count >= self.limit[tasks[group]]) & (kth > nxt + TIE))]
            parts.append(best)
        return _Scored.join(parts)

    def _scan_key(self, tasks: np.ndarray) -> np.ndarray:
        """The rarest required skill bit of each task, -1 if it requires none."""
        req = self.p.tasks.required[tasks]
        key = np.full(len(tasks), -1, dtype=np.int64)
        rarest = np.full(len(tasks), np.iinfo(np.int64).max)
        for bit in range(req.shape[1] * 64):
            has = ((req[:, bit // 64] >> np.uint64(bit % 64)) & np.uint64(1)).astype(bool)
            if has.any():
                n = len(self._scan_line(bit))
                better = has & (n < rarest)
                key[better], rarest[better] = bit, n
        return key

    def _scan_line(self, bit: int) -> np.ndarray:
        """Members in falling static order (ties: lower row), only holders of ``bit`` if >= 0."""
        lines = self.__dict__.setdefault("_lines", {})
        if bit not in lines:
            if -1 not in lines:
                lines[-1] = np.lexsort((np.arange(self.p.M), -self.static))
            order = lines[-1]
            if bit >= 0:
                col = self.p.members.skills[order, bit // 64]
                order = order[((col >> np.uint64(bit % 64)) & np.uint64(1)).astype(bool)]
            lines[bit] = order
        return lines[bit]

    @cached_property
    def _pair_index(self):
        """Standing pairs as CSR: dense beneficiary -> member rows (sorted)."""
        p = self.p
        sp = p.links.standing_pairs
        _dense, _keys, nb = p._beneficiaries
        if not len(sp):
            return np.zeros(nb + 1, np.int64), np.zeros(0, np.int64)
        known = np.unique(sp[:, 1])
        b = np.searchsorted(known, sp[:, 1])
        order = np.lexsort((sp[:, 0], b))
        return np.searchsorted(b[order], np.arange(nb + 1)), sp[order, 0]

    # -- who can be near an everyone-task -----------------------------------------
    @cached_property
    def _home_index(self):
        p = self.p
        communities = p.registrations[0]
        hc = p.members.home_community
        if len(communities):
            pos = np.minimum(np.searchsorted(communities, hc), len(communities) - 1)
            dense = np.where((hc != NONE) & (communities[pos] == hc), pos, -1)
        else:
            dense = np.full(p.M, -1)
        rows = np.flatnonzero(dense >= 0)
        rows = rows[np.argsort(dense[rows], kind="stable")]
        ptr = np.searchsorted(dense[rows], np.arange(len(communities) + 1))
        return ptr, rows

    @cached_property
    def _zone_index(self):
        """Residents per dense zone, and neighbours per dense zone (both CSR)."""
        p = self.p
        home, _place, keys, z = p._zones
        owner = np.repeat(np.arange(p.M), 2)
        zone = home.ravel()
        keep = zone >= 0
        owner, zone = owner[keep], zone[keep]
        order = np.argsort(zone, kind="stable")
        res_ptr = np.searchsorted(zone[order], np.arange(z + 1))
        a, b = keys // z, keys % z
        return res_ptr, owner[order], np.searchsorted(a, np.arange(z + 1)), b

    def local_members(self, c: int, tasks: np.ndarray) -> np.ndarray:
        """Everyone who could score nearness, side balance or a pair on these tasks."""
        p = self.p
        _c, reg_ptr, reg_rows = p.registrations
        h_ptr, h_rows = self._home_index
        parts = [reg_rows[reg_ptr[c] : reg_ptr[c + 1]], h_rows[h_ptr[c] : h_ptr[c + 1]]]
        res_ptr, residents, nb_ptr, nb = self._zone_index
        zones = np.unique(p._zones[1][tasks].ravel())
        for zn in zones[zones >= 0]:
            for other in nb[nb_ptr[zn] : nb_ptr[zn + 1]]:
                parts.append(residents[res_ptr[other] : res_ptr[other + 1]])
        sp = p.links.standing_pairs
        if len(sp):
            wanted = p.tasks.beneficiary[tasks]
            parts.append(sp[np.isin(sp[:, 1], wanted[wanted != NONE]), 0])
        inv = p.links.invitations
        if len(inv):
            parts.append(inv[np.isin(inv[:, 1], tasks), 0])
        return np.unique(np.concatenate(parts).astype(np.int64))


def build_candidates(
    p: Problem,
    *,
    limits: CandidateLimits = DEFAULT_LIMITS,
    block_cells: int = DEFAULT_BLOCK_CELLS,
    far_first: int = FAR_FIRST,
    slack: int = SLACK,
) -> CandidateGraph:
    """The candidate graph of ``p`` (see the module doc).

    The other knobs only trade speed and memory, never the result: ``block_cells`` bounds
    each dense block, ``far_first`` is the first far-scan prefix, and ``slack`` is how many
    cells beyond K_t each task scores in its first round (at least K_t / 4 when non-zero)."""
    b = _Builder(p, limits, block_cells, far_first, slack)
    tsk = p.tasks
    communities, reg_ptr, reg_rows = p.registrations
    dense = np.searchsorted(communities, tsk.community)
    by_comm = np.argsort(dense, kind="stable")
    comm_ptr = np.searchsorted(dense[by_comm], np.arange(len(communities) + 1))

    # Invitations to registered-policy tasks from members registered there are in the
    # block already; outsiders and invite-only tasks are scored directly.
    inv = p.links.invitations
    parts = []
    if len(inv):
        im, it = inv[:, 0], inv[:, 1]
        comm = tsk.community[it]
        inside = (p.members.residence_community[im] == comm) | (p.members.unit_community[im] == comm)
        extra = (tsk.policy[it] == INVITED) | ((tsk.policy[it] == REGISTERED) & ~inside)
        key = np.unique(im[extra] * p.T + it[extra])
        im, it = key // p.T, key % p.T
        ok = has_skills(p, im, it)
        parts.append(b.score(im[ok], it[ok]).best(b.limit))

    for c in range(len(communities)):
        tasks_c = by_comm[comm_ptr[c] : comm_ptr[c + 1]]
        open_c = tasks_c[tsk.policy[tasks_c] == REGISTERED]
        if len(open_c):
            parts.append(b.block(reg_rows[reg_ptr[c] : reg_ptr[c + 1]], open_c))
        all_c = tasks_c[tsk.policy[tasks_c] == EVERYONE]
        if len(all_c):
            parts.append(b.block(b.local_members(c, all_c), all_c))
    everyone = np.flatnonzero(tsk.policy == EVERYONE)
    if len(everyone):
        parts.append(b.far(everyone))

    got = _Scored.join(parts).best(b.limit)
    ptr = np.searchsorted(got.t, np.arange(p.T + 1)).astype(np.int64)
    return CandidateGraph(
        got.m.astype(np.int32), got.t.astype(np.int32), got.score, got.values, got.near, ptr, b.limit, b.scored
    )


def top_suggestions(graph: CandidateGraph, k: int = SUGGESTIONS) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` rows of every task at once: (ptr int64[T+1], graph rows int64[...])."""
    counts = np.diff(graph.task_ptr)
    rank = np.arange(len(graph)) - np.repeat(graph.task_ptr[:-1], counts)
    rows = np.flatnonzero(rank < k)
    ptr = np.concatenate(([0], np.cumsum(np.minimum(counts, k)))).astype(np.int64)
    return ptr, rows


def suggest(p: Problem, graph: CandidateGraph, t: int, k: int = SUGGESTIONS) -> list[Suggestion]:
    """Top ``k`` members for task row ``t``, each with breakdown and reasons."""
    rows = graph.rows_of(t)
    return [graph.describe(p, r) for r in list(rows)[:k]]


def recommend(p: Problem, m: int, k: int = SUGGESTIONS) -> list[Suggestion]:
    """Tasks ranked for member row ``m`` (exact, over all tasks, not limited by the graph's cap)."""
    t = np.arange(p.T, dtype=np.int64)
    mm = np.full(p.T, m, dtype=np.int64)
    keep, share = screen(p, mm, t)
    t = t[keep]
    values, near = component_values(p, mm[keep], t, share)
    score = total(p, values)
    order = np.lexsort((t, -score))[:k]
    return [describe(p, m, t[i], values[i], near[i], score[i]) for i in order]
