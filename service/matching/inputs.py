"""The matcher's input tables: plain numpy arrays, one row per member and per task.

Rows are positions (``0 .. M-1``, ``0 .. T-1``); the database ids ride along in
``Members.ids`` / ``Tasks.ids`` and are only used when answers are reported. Place,
community and beneficiary columns hold database ids, ``-1`` meaning "none".

Skills are bit masks over a ``Vocabulary``: bit ``i`` of word ``i // 64`` is skill
``i``, so the arrays are ``uint64[rows, W]`` with ``W = ceil(len(vocabulary) / 64)``
(one word for the ~24 tags in use today).

Everything can be filled directly from SQL results, or through the row builders
``build_members`` / ``build_tasks`` / ``build_links`` below, which take one small
Python record per row and do the path, skill and id bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .timeline import DAY, WEEK

NONE = -1
POLICIES = ("registered", "everyone", "invited")
REGISTERED, EVERYONE, INVITED = 0, 1, 2
ZONE_KINDS = ("compound", "grid")
DEFAULT_DAILY_CAP = 2
DEFAULT_WEEKLY_CAP = 3


@dataclass(frozen=True)
class Vocabulary:
    """The skill tags, in bit order, with their Chinese and English names."""

    codes: tuple[str, ...]
    names_zh: tuple[str, ...]
    names_en: tuple[str, ...]
    _bit: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not (len(self.codes) == len(self.names_zh) == len(self.names_en)):
            raise ValueError("codes and names must have the same length")
        object.__setattr__(self, "_bit", {code: i for i, code in enumerate(self.codes)})

    @classmethod
    def from_pairs(cls, items: Iterable[tuple[str, str, str]]) -> Vocabulary:
        """From ``(code, name_zh, name_en)`` triples, e.g. the SkillTag rows ordered by id."""
        items = list(items)
        return cls(tuple(i[0] for i in items), tuple(i[1] for i in items), tuple(i[2] for i in items))

    @property
    def words(self) -> int:
        return max(1, -(-len(self.codes) // 64))

    def mask(self, codes: Iterable[str]) -> np.ndarray:
        out = np.zeros(self.words, dtype=np.uint64)
        for code in codes:
            bit = self._bit[code]  # an unknown tag is a data error worth failing on
            out[bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
        return out

    def bits(self, mask_row: np.ndarray) -> list[int]:
        row = np.asarray(mask_row, dtype=np.uint64).reshape(-1)
        return [w * 64 + b for w in range(len(row)) for b in range(64) if (int(row[w]) >> b) & 1]


def _ids(values, n, name, dtype=np.int64) -> np.ndarray:
    arr = np.asarray(values, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


def _masks(values, n, name) -> np.ndarray:
    arr = np.asarray(values, dtype=np.uint64)
    if arr.ndim == 1:
        arr = arr.reshape(n, 1)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{name} must be uint64[{n}, W]")
    return np.ascontiguousarray(arr)


def _zones(values, n, name) -> np.ndarray:
    arr = np.asarray(values, dtype=np.int64)
    if arr.shape != (n, 2):
        raise ValueError(f"{name} must have shape ({n}, 2)")
    return arr


def _csr(ptr, starts, ends, n, name, dtype):
    ptr = np.asarray(ptr, dtype=np.int64)
    starts = np.asarray(starts, dtype=dtype)
    ends = np.asarray(ends, dtype=dtype)
    if ptr.shape != (n + 1,) or ptr[0] != 0 or np.any(np.diff(ptr) < 0) or ptr[-1] != len(starts):
        raise ValueError(f"{name}_ptr must be a CSR pointer of length {n + 1} ending at {len(starts)}")
    if starts.shape != ends.shape or np.any(ends <= starts):
        raise ValueError(f"{name} windows need start < end")
    return ptr, starts, ends


@dataclass
class Members:
    """One row per active member who may be matched.

    ====================  ================  ===============================================
    column                dtype / shape     meaning
    ====================  ================  ===============================================
    ids                   int64[M]          members.id
    skills                uint64[M, W]      skill bit mask (Vocabulary order)
    residence_community   int64[M]          approved residence-side registration, -1 none
    unit_community        int64[M]          approved unit-side registration, -1 none
    in_service            bool[M]           party_status == "in_service"
    home_community        int64[M]          community above the home building, -1 unknown
    home_zones            int64[M, 2]       compound / grid ids above the home building
    home_building         int64[M]          members.home_building_id, -1 none
    avail_ptr             int64[M+1]        CSR into avail_start / avail_end
    avail_start/end       int32[A]          weekly windows as week minutes:
                                            weekday*1440 + start_minute / end_minute
    claim_ptr             int64[M+1]        CSR into claim_start / claim_end
    claim_start/end       int64[C]          slot-holding claims (and pending invitations, if
                                            they should block), local minutes (timeline.py)
    daily_cap             int32[M]          most tasks starting on one day
    weekly_cap            int32[M]          most tasks starting in one Monday-based week
    recent_tasks          int32[M]          tasks served this month (fairness)
    completed             int32[M]          claims done/verified, all time (reliability)
    no_shows              int32[M]          claims ended as no_show
    late_cancels          int32[M]          claims cancelled with late_cancel
    residence_served      int32[M]          residence-side services this period (side balance)
    ====================  ================  ===============================================
    """

    ids: np.ndarray
    skills: np.ndarray
    residence_community: np.ndarray
    unit_community: np.ndarray
    in_service: np.ndarray
    home_community: np.ndarray
    home_zones: np.ndarray
    home_building: np.ndarray
    avail_ptr: np.ndarray
    avail_start: np.ndarray
    avail_end: np.ndarray
    claim_ptr: np.ndarray
    claim_start: np.ndarray
    claim_end: np.ndarray
    daily_cap: np.ndarray
    weekly_cap: np.ndarray
    recent_tasks: np.ndarray
    completed: np.ndarray
    no_shows: np.ndarray
    late_cancels: np.ndarray
    residence_served: np.ndarray

    def __post_init__(self):
        n = len(self.ids)
        self.ids = _ids(self.ids, n, "ids")
        self.skills = _masks(self.skills, n, "skills")
        for name in ("residence_community", "unit_community", "home_community", "home_building"):
            setattr(self, name, _ids(getattr(self, name), n, name))
        self.in_service = _ids(self.in_service, n, "in_service", bool)
        self.home_zones = _zones(self.home_zones, n, "home_zones")
        self.avail_ptr, self.avail_start, self.avail_end = _csr(
            self.avail_ptr, self.avail_start, self.avail_end, n, "avail", np.int32
        )
        if np.any(self.avail_start < 0) or np.any(self.avail_end > WEEK):
            raise ValueError("availability must be week minutes in [0, 10080]")
        self.claim_ptr, self.claim_start, self.claim_end = _csr(
            self.claim_ptr, self.claim_start, self.claim_end, n, "claim", np.int64
        )
        for name in (
            "daily_cap",
            "weekly_cap",
            "recent_tasks",
            "completed",
            "no_shows",
            "late_cancels",
            "residence_served",
        ):
            arr = _ids(getattr(self, name), n, name, np.int32)
            if np.any(arr < 0):
                raise ValueError(f"{name} must not be negative")
            setattr(self, name, arr)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Tasks:
    """One row per task that may be suggested or dispatched.

    ==============  ==============  ==========================================================
    column          dtype / shape   meaning
    ==============  ==============  ==========================================================
    ids             int64[T]        tasks.id
    community       int64[T]        tasks.community_id
    place_zones     int64[T, 2]     compound / grid ids on the place's path (-1 none)
    place_building  int64[T]        the place when it is a building, else -1
    start, end      int64[T]        starts_at / ends_at as local minutes (timeline.py)
    slots           int32[T]        open slots: slots - taken (0 = full; never dispatched)
    required        uint64[T, W]    required_skills mask
    preferred       uint64[T, W]    preferred_skills mask
    policy          int8[T]         claim_policy: 0 registered, 1 everyone, 2 invited
    beneficiary     int64[T]        resident served by the task's need (for 结对), -1 none
    ==============  ==============  ==========================================================
    """

    ids: np.ndarray
    community: np.ndarray
    place_zones: np.ndarray
    place_building: np.ndarray
    start: np.ndarray
    end: np.ndarray
    slots: np.ndarray
    required: np.ndarray
    preferred: np.ndarray
    policy: np.ndarray
    beneficiary: np.ndarray

    def __post_init__(self):
        n = len(self.ids)
        self.ids = _ids(self.ids, n, "ids")
        for name in ("community", "place_building", "start", "end", "beneficiary"):
            setattr(self, name, _ids(getattr(self, name), n, name))
        self.place_zones = _zones(self.place_zones, n, "place_zones")
        self.slots = _ids(self.slots, n, "slots", np.int32)
        self.required = _masks(self.required, n, "required")
        self.preferred = _masks(self.preferred, n, "preferred")
        self.policy = _ids(self.policy, n, "policy", np.int8)
        if np.any(self.end <= self.start):
            raise ValueError("every task needs start < end")
        if np.any(self.slots < 0) or np.any((self.policy < 0) | (self.policy > 2)):
            raise ValueError("bad slots or policy")
        if np.any(self.community < 0):
            raise ValueError("every task belongs to a community")

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Links:
    """Relations between rows and places.

    * ``invitations`` int64[I, 2]: (member row, task row) pairs with a live invitation.
    * ``standing_pairs`` int64[P, 2]: (member row, beneficiary id), the 结对 pairs.
    * ``neighbours`` int64[N, 2]: (zone id, zone id) of neighbouring compounds/grids;
      either order is enough, the matcher makes it symmetric.
    """

    invitations: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    standing_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    neighbours: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def __post_init__(self):
        for name in ("invitations", "standing_pairs", "neighbours"):
            arr = np.asarray(getattr(self, name), dtype=np.int64).reshape(-1, 2)
            setattr(self, name, arr)


# ---------------------------------------------------------------------------
# Row builders: one plain record per member / task, e.g. filled from ORM rows.


def place_levels(path_ids: Sequence[int], kind_of: Mapping[int, str]) -> tuple[int, tuple[int, int], int]:
    """``(community, (zone, zone), building)`` for a place, from its ancestor ids.

    ``path_ids`` is ``Area.ancestor_ids()`` (root first, the place itself last);
    ``kind_of`` maps area id to ``Area.kind``. Zones are the compound and/or grid on
    the path, the deepest first (an old compound cut into grids gives both)."""
    community, building, zones = NONE, NONE, []
    for area_id in path_ids:
        kind = kind_of.get(area_id)
        if kind == "community":
            community = area_id
        elif kind in ZONE_KINDS:
            zones.append(area_id)
        elif kind == "building":
            building = area_id
    zones = zones[::-1][:2] + [NONE] * max(0, 2 - len(zones))
    return community, (zones[0], zones[1]), building


@dataclass
class MemberRow:
    id: int
    skills: Iterable[str] = ()
    residence_community: int | None = None
    unit_community: int | None = None
    in_service: bool = False
    home_path: Sequence[int] = ()
    availability: Iterable[tuple[int, int, int]] = ()  # (weekday, start_minute, end_minute)
    claims: Iterable[tuple[int, int]] = ()  # (start, end) local minutes
    daily_cap: int = DEFAULT_DAILY_CAP
    weekly_cap: int = DEFAULT_WEEKLY_CAP
    recent_tasks: int = 0
    completed: int = 0
    no_shows: int = 0
    late_cancels: int = 0
    residence_served: int = 0


@dataclass
class TaskRow:
    id: int
    community: int
    start: int  # local minutes
    end: int
    slots: int = 1
    place_path: Sequence[int] = ()
    required: Iterable[str] = ()
    preferred: Iterable[str] = ()
    policy: str = "registered"
    beneficiary: int | None = None


def _or_none(value) -> int:
    return NONE if value is None else int(value)


def build_members(
    rows: Sequence[MemberRow], vocabulary: Vocabulary, kind_of: Mapping[int, str] | None = None
) -> Members:
    kind_of = kind_of or {}
    n = len(rows)
    homes = [place_levels(r.home_path, kind_of) for r in rows]
    windows = [[(d * DAY + s, d * DAY + e) for d, s, e in r.availability] for r in rows]
    claims = [list(r.claims) for r in rows]
    skills = np.zeros((n, vocabulary.words), dtype=np.uint64)
    for i, r in enumerate(rows):
        skills[i] = vocabulary.mask(r.skills)
    flat_w = [w for ws in windows for w in ws]
    flat_c = [c for cs in claims for c in cs]
    return Members(
        ids=np.asarray([r.id for r in rows]),
        skills=skills,
        residence_community=np.asarray([_or_none(r.residence_community) for r in rows]),
        unit_community=np.asarray([_or_none(r.unit_community) for r in rows]),
        in_service=np.asarray([bool(r.in_service) for r in rows]),
        home_community=np.asarray([h[0] for h in homes]),
        home_zones=np.array([h[1] for h in homes], dtype=np.int64).reshape(n, 2),
        home_building=np.asarray([h[2] for h in homes]),
        avail_ptr=np.concatenate(([0], np.cumsum([len(w) for w in windows]))).astype(np.int64),
        avail_start=np.asarray([w[0] for w in flat_w]),
        avail_end=np.asarray([w[1] for w in flat_w]),
        claim_ptr=np.concatenate(([0], np.cumsum([len(c) for c in claims]))).astype(np.int64),
        claim_start=np.asarray([c[0] for c in flat_c]),
        claim_end=np.asarray([c[1] for c in flat_c]),
        daily_cap=np.asarray([r.daily_cap for r in rows]),
        weekly_cap=np.asarray([r.weekly_cap for r in rows]),
        recent_tasks=np.asarray([r.recent_tasks for r in rows]),
        completed=np.asarray([r.completed for r in rows]),
        no_shows=np.asarray([r.no_shows for r in rows]),
        late_cancels=np.asarray([r.late_cancels for r in rows]),
        residence_served=np.asarray([r.residence_served for r in rows]),
    )


def build_tasks(rows: Sequence[TaskRow], vocabulary: Vocabulary, kind_of: Mapping[int, str] | None = None) -> Tasks:
    kind_of = kind_of or {}
    n = len(rows)
    places = [place_levels(r.place_path, kind_of) for r in rows]
    required = np.zeros((n, vocabulary.words), dtype=np.uint64)
    preferred = np.zeros((n, vocabulary.words), dtype=np.uint64)
    for i, r in enumerate(rows):
        required[i] = vocabulary.mask(r.required)
        preferred[i] = vocabulary.mask(r.preferred)
    return Tasks(
        ids=np.asarray([r.id for r in rows]),
        community=np.asarray([r.community for r in rows]),
        place_zones=np.array([p[1] for p in places], dtype=np.int64).reshape(n, 2),
        place_building=np.asarray([p[2] for p in places]),
        start=np.asarray([r.start for r in rows]),
        end=np.asarray([r.end for r in rows]),
        slots=np.asarray([r.slots for r in rows]),
        required=required,
        preferred=preferred,
        policy=np.asarray([POLICIES.index(r.policy) for r in rows]),
        beneficiary=np.asarray([_or_none(r.beneficiary) for r in rows]),
    )


def build_links(
    members: Members,
    tasks: Tasks,
    *,
    invitations: Iterable[tuple[int, int]] = (),
    standing_pairs: Iterable[tuple[int, int]] = (),
    neighbours: Iterable[tuple[int, int]] = (),
) -> Links:
    """From database ids: invitations as (member id, task id), standing pairs as
    (member id, beneficiary id), neighbours as (zone id, zone id). Pairs naming a member
    or task that is not in the tables are dropped (inactive member, closed task)."""
    m_row = {int(i): r for r, i in enumerate(members.ids)}
    t_row = {int(i): r for r, i in enumerate(tasks.ids)}
    inv = [(m_row[m], t_row[t]) for m, t in invitations if m in m_row and t in t_row]
    pairs = [(m_row[m], b) for m, b in standing_pairs if m in m_row]
    return Links(
        invitations=np.array(inv, dtype=np.int64).reshape(-1, 2),
        standing_pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2),
        neighbours=np.array(list(neighbours), dtype=np.int64).reshape(-1, 2),
    )
