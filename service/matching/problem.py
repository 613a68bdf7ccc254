"""``Problem``: the input tables plus the indexes every matcher step shares.

Build one per matching run (``Problem(members, tasks, links, vocabulary)``); it is
read-only afterwards, and its indexes are built lazily on first use.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .inputs import NONE, Links, Members, Tasks, Vocabulary
from .timeline import WEEK, ClaimIndex, WeeklyAvailability, day_of, hour_masks, task_quarter_masks, week_minute, week_of

COMPONENTS = ("skill", "near", "cover", "fair", "reliable", "side", "pair")

#: Default weight of each score component. Every component is first put on a 0..1
#: scale (see scoring.py), so a weight is the most points that component can add and
#: the best possible score is their sum (15.5).
DEFAULT_WEIGHTS = {
    "skill": 3.0,  # share of the task's required + preferred tags the member has
    "near": 2.5,  # building 1 > compound/grid .7 > community .4 > neighbouring grid .25 > 0
    "cover": 1.0,  # share of the task's window inside the member's free time (>= .5 to be eligible)
    "fair": 1.5,  # 1 / (1 + tasks served this month)
    "reliable": 1.0,  # (done + 1) / (done + no-shows + late cancels / 2 + 2)
    "side": 1.5,  # in-service member, no residence-side service yet, task in residence community
    "pair": 5.0,  # standing pair (结对) with the task's beneficiary: outranks everything else
}

#: Smallest share of a task's window the member must have free (hard filter).
DEFAULT_MIN_COVER = 0.5


def resolve_weights(weights: dict | None) -> dict:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in merged:
            raise ValueError(f"unknown score component {key!r}; known: {', '.join(COMPONENTS)}")
        if value < 0:
            raise ValueError("weights must not be negative")
        merged[key] = float(value)
    return merged


def _in_sorted(sorted_keys: np.ndarray, q: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(np.shape(q), dtype=bool)
    i = np.minimum(np.searchsorted(sorted_keys, q), len(sorted_keys) - 1)
    return sorted_keys[i] == q


class Problem:
    """One matching run: the tables, the links, and the indexes shared by every step.

    ``weights`` overrides entries of DEFAULT_WEIGHTS; ``min_cover`` is the share of a
    task's window a member must have free; ``vocabulary`` gives skill names to reasons."""

    def __init__(
        self,
        members: Members,
        tasks: Tasks,
        links: Links | None = None,
        vocabulary: Vocabulary | None = None,
        *,
        weights: dict | None = None,
        min_cover: float = DEFAULT_MIN_COVER,
    ):
        if members.skills.shape[1] != tasks.required.shape[1] or tasks.preferred.shape[1] != tasks.required.shape[1]:
            raise ValueError("members and tasks must use skill masks of the same width")
        if not 0 < min_cover <= 1:
            raise ValueError("min_cover must be in (0, 1]")
        self.members = members
        self.tasks = tasks
        self.links = links or Links()
        self.vocabulary = vocabulary
        self.weights = resolve_weights(weights)
        self.weight_vector = np.array([self.weights[c] for c in COMPONENTS], dtype=np.float64)
        self.min_cover = float(min_cover)
        self.M, self.T = len(members), len(tasks)

        inv = self.links.invitations
        if len(inv) and (inv.min() < 0 or inv[:, 0].max() >= self.M or inv[:, 1].max() >= self.T):
            raise ValueError("invitations must be (member row, task row)")
        sp = self.links.standing_pairs
        if len(sp) and (sp[:, 0].min() < 0 or sp[:, 0].max() >= self.M):
            raise ValueError("standing pairs must be (member row, beneficiary id)")

        t = tasks
        self.t_duration = t.end - t.start
        self.t_wstart = week_minute(t.start)
        self.t_day = day_of(t.start)
        self.t_week = week_of(t.start)
        self.t_req_count = np.bitwise_count(t.required).sum(axis=1).astype(np.int32)
        self.t_pref_count = np.bitwise_count(t.preferred).sum(axis=1).astype(np.int32)

    # -- time ---------------------------------------------------------------
    @cached_property
    def availability(self) -> WeeklyAvailability:
        m = self.members
        return WeeklyAvailability(m.avail_ptr, m.avail_start, m.avail_end, self.M)

    @cached_property
    def claims(self) -> ClaimIndex:
        m = self.members
        lo = int(self.tasks.start.min()) if self.T else 0
        hi = int(self.tasks.end.max()) if self.T else 1
        return ClaimIndex(m.claim_ptr, m.claim_start, m.claim_end, self.M, lo, hi)

    @cached_property
    def task_hours(self) -> np.ndarray:
        """uint64[T, 3]: the hours of the week each task's window touches."""
        dur = np.minimum(self.t_duration, WEEK)
        return hour_masks(np.arange(self.T, dtype=np.int64), self.t_wstart, self.t_wstart + dur, self.T)

    @cached_property
    def task_quarters(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return task_quarter_masks(self.t_wstart, self.t_duration)

    @property
    def member_hours(self) -> np.ndarray:
        return self.availability.hours

    # -- relations ----------------------------------------------------------
    @cached_property
    def invitation_keys(self) -> np.ndarray:
        inv = self.links.invitations
        return np.unique(inv[:, 0] * max(self.T, 1) + inv[:, 1])

    def invited(self, m: np.ndarray, t: np.ndarray) -> np.ndarray:
        return _in_sorted(self.invitation_keys, np.asarray(m, np.int64) * max(self.T, 1) + t)

    @cached_property
    def _beneficiaries(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Dense beneficiary index per task (-1 none) and the sorted (member, beneficiary) keys."""
        sp = self.links.standing_pairs
        known = np.unique(sp[:, 1]) if len(sp) else np.zeros(0, dtype=np.int64)
        nb = max(len(known), 1)
        b = self.tasks.beneficiary
        if len(known):
            pos = np.minimum(np.searchsorted(known, b), len(known) - 1)
            dense = np.where((b != NONE) & (known[pos] == b), pos, -1)
        else:
            dense = np.full(self.T, -1)
        keys = np.unique(sp[:, 0] * nb + np.searchsorted(known, sp[:, 1])) if len(sp) else np.zeros(0, np.int64)
        return dense.astype(np.int64), keys, nb

    def paired(self, m: np.ndarray, t: np.ndarray) -> np.ndarray:
        dense, keys, nb = self._beneficiaries
        b = dense[t]
        return (b >= 0) & _in_sorted(keys, np.asarray(m, np.int64) * nb + b)

    @cached_property
    def _zones(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Zone ids made dense (members' and tasks' zones), and the sorted neighbour keys."""
        nbrs = self.links.neighbours
        all_ids = np.concatenate((self.members.home_zones.ravel(), self.tasks.place_zones.ravel(), nbrs.ravel()))
        known = np.unique(all_ids[all_ids != NONE])
        z = max(len(known), 1)

        def dense(ids):
            return np.where(ids == NONE, -1, np.searchsorted(known, ids)) if len(known) else np.full(ids.shape, -1)

        a, b = dense(nbrs[:, 0]), dense(nbrs[:, 1])
        keys = np.unique(np.concatenate((a * z + b, b * z + a))) if len(nbrs) else np.zeros(0, np.int64)
        return dense(self.members.home_zones), dense(self.tasks.place_zones), keys, z

    def neighbouring(self, m: np.ndarray, t: np.ndarray) -> np.ndarray:
        home, place, keys, z = self._zones
        if not len(keys):
            return np.zeros(len(m), dtype=bool)
        hz, pz = home[m], place[t]
        out = np.zeros(len(m), dtype=bool)
        for i in range(2):
            for j in range(2):
                ok = (hz[:, i] >= 0) & (pz[:, j] >= 0)
                out |= ok & _in_sorted(keys, hz[:, i] * z + pz[:, j])
        return out

    @cached_property
    def registrations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Members registered (either side) per community that has tasks.

        Returns the sorted community ids, a CSR pointer and the member rows; a member
        registered on both sides in one community appears once."""
        communities = np.unique(self.tasks.community)
        m = self.members
        rows = np.concatenate((np.arange(self.M), np.arange(self.M)))
        comm = np.concatenate((m.residence_community, m.unit_community))
        same = np.concatenate((np.zeros(self.M, bool), m.unit_community == m.residence_community))
        pos = np.searchsorted(communities, comm)
        pos_c = np.minimum(pos, max(len(communities) - 1, 0))
        keep = (comm != NONE) & ~same & (len(communities) > 0)
        if len(communities):
            keep &= communities[pos_c] == comm
        rows, dense = rows[keep], pos_c[keep]
        order = np.lexsort((rows, dense))
        rows, dense = rows[order], dense[order]
        ptr = np.searchsorted(dense, np.arange(len(communities) + 1))
        return communities, ptr, rows.astype(np.int64)
