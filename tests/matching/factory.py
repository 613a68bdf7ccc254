"""Small hand-made cities for the matcher tests (no database)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from service.matching import (
    MemberRow,
    Problem,
    TaskRow,
    Vocabulary,
    build_links,
    build_members,
    build_tasks,
    local_minutes,
)
from service.matching.timeline import DAY

VOCAB = Vocabulary.from_pairs(
    [
        ("repair", "维修", "repairs"),
        ("electric", "电工", "electrics"),
        ("haircut", "理发", "haircuts"),
        ("medical", "医护", "medical care"),
        ("legal", "法律", "legal aid"),
        ("driving", "驾驶", "driving"),
    ]
)
MONDAY = local_minutes(datetime(2026, 11, 23))  # a Monday, 00:00 local

# One street: two communities, each with two grids of two buildings; grid 21 is next to 31.
KINDS = {
    1: "city",
    2: "street",
    10: "community",
    11: "community",
    20: "grid",
    21: "grid",
    30: "grid",
    31: "grid",
    200: "building",
    201: "building",
    210: "building",
    300: "building",
    310: "building",
}
PATHS = {
    10: [1, 2, 10],
    11: [1, 2, 11],
    20: [1, 2, 10, 20],
    21: [1, 2, 10, 21],
    30: [1, 2, 11, 30],
    31: [1, 2, 11, 31],
    200: [1, 2, 10, 20, 200],
    201: [1, 2, 10, 20, 201],
    210: [1, 2, 10, 21, 210],
    300: [1, 2, 11, 30, 300],
    310: [1, 2, 11, 31, 310],
}
NEIGHBOURS = [(21, 31)]
ALL_WEEK = [(d, 0, DAY) for d in range(7)]


def at(day: int, hour: float) -> int:
    """Local minutes at ``hour`` o'clock, ``day`` days after MONDAY."""
    return MONDAY + day * DAY + int(round(hour * 60))


def member(id, home=200, *, residence=10, unit=None, **kw) -> MemberRow:
    kw.setdefault("availability", ALL_WEEK)
    return MemberRow(
        id=id, home_path=PATHS[home] if home else (), residence_community=residence, unit_community=unit, **kw
    )


def task(id, place=20, *, day=5, start=9.0, hours=2.0, **kw) -> TaskRow:
    path = PATHS[place]
    community = next(a for a in path if KINDS[a] == "community")
    return TaskRow(id=id, community=community, place_path=path, start=at(day, start), end=at(day, start + hours), **kw)


def problem(members, tasks, *, invitations=(), standing_pairs=(), neighbours=NEIGHBOURS, **kw) -> Problem:
    m = build_members(members, VOCAB, KINDS)
    t = build_tasks(tasks, VOCAB, KINDS)
    links = build_links(m, t, invitations=invitations, standing_pairs=standing_pairs, neighbours=neighbours)
    return Problem(m, t, links, VOCAB, **kw)


def random_city(
    rng: np.random.Generator, n_members: int, n_tasks: int, *, days: int = 3, overnight: float = 0.1
) -> Problem:
    """A small random city exercising every filter and score component."""
    homes = [200, 201, 210, 300, 310, None]
    members = []
    for i in range(n_members):
        windows = []
        for _ in range(rng.integers(1, 4)):
            d = int(rng.integers(0, 7))
            s = int(rng.integers(0, 88)) * 15
            e = min(DAY, s + int(rng.integers(2, 40)) * 15)
            windows.append((d, s, e))
        if rng.random() < 0.1:
            windows.append((int(rng.integers(0, 7)), 7, 500))  # off the quarter grid: the slow path
        claims = []
        for _ in range(rng.integers(0, 3)):
            s = at(int(rng.integers(0, days)), float(rng.integers(0, 48)) / 2)
            claims.append((s, s + int(rng.integers(1, 6)) * 30))
        members.append(
            member(
                100 + i,
                homes[rng.integers(0, len(homes))],
                residence=[10, 11, None][rng.integers(0, 3)],
                unit=[10, 11, None, None][rng.integers(0, 4)],
                in_service=bool(rng.random() < 0.6),
                skills=[c for c in VOCAB.codes if rng.random() < 0.35],
                availability=windows,
                claims=claims,
                daily_cap=int(rng.integers(0, 3)),
                weekly_cap=int(rng.integers(0, 4)),
                recent_tasks=int(rng.integers(0, 4)),
                completed=int(rng.integers(0, 8)),
                no_shows=int(rng.integers(0, 3)),
                late_cancels=int(rng.integers(0, 3)),
                residence_served=int(rng.integers(0, 2)),
            )
        )
    tasks = []
    for j in range(n_tasks):
        late = rng.random() < overnight
        start = 23.0 if late else float(rng.integers(12, 44)) / 2
        if rng.random() < 0.1:
            start += float(rng.integers(1, 15)) / 60  # off the quarter grid: the hour-mask path
        req = [c for c in VOCAB.codes if rng.random() < 0.15]
        tasks.append(
            task(
                1000 + j,
                [10, 11, 20, 21, 30, 31, 200, 210, 300, 310][rng.integers(0, 10)],
                day=int(rng.integers(0, days)),
                start=start,
                hours=float(rng.integers(1, 9)) / 2,
                slots=int(rng.integers(1, 4)),
                required=req,
                preferred=[c for c in VOCAB.codes if c not in req and rng.random() < 0.2],
                policy=["registered", "registered", "everyone", "invited"][rng.integers(0, 4)],
                beneficiary=[None, 7, 8][rng.integers(0, 3)],
            )
        )
    invitations = [
        (100 + int(rng.integers(0, n_members)), 1000 + int(rng.integers(0, n_tasks))) for _ in range(n_tasks)
    ]
    pairs = [(100 + int(rng.integers(0, n_members)), int(rng.integers(7, 9))) for _ in range(max(1, n_members // 4))]
    return problem(members, tasks, invitations=invitations, standing_pairs=pairs)


def crowded_city(rng: np.random.Generator, n_members: int, n_tasks: int) -> Problem:
    """Many near-tied candidates per task: the hard case for candidate pruning.

    Three crowds: members registered in community 10 (some living in the neighbouring
    grid 31), residents of 10 registered nowhere (near only by home), and far members
    from community 11 who alone are free on Wednesday evenings, so for those tasks the
    far scan decides the whole top. Fairness and reliability take few values (ties);
    coverage varies; some windows are off the quarter-hour grid (a loose coverage
    bound); some members hold a clashing claim or a zero weekly cap (ineligible despite
    a high bound)."""
    members = []
    for i in range(n_members):
        crowd = rng.choice(3, p=[0.45, 0.2, 0.35])
        if crowd == 0:
            home, residence, unit = [200, 201, 210, 310][rng.integers(0, 4)], [10, 11][rng.integers(0, 2)], 10
        elif crowd == 1:
            home, residence, unit = [200, 201, 210][rng.integers(0, 3)], None, None
        else:
            home, residence, unit = 300, [None, 11][rng.integers(0, 2)], None
        if crowd == 2:
            s = int(rng.integers(18 * 60, 19 * 60 + 40))
            windows = [(2, s, s + int(rng.integers(90, 200)))]
        elif rng.random() < 0.25:
            s = int(rng.integers(8 * 60, 10 * 60))  # any minute: off the quarter grid
            windows = [(5, s, s + int(rng.integers(40, 200)))]
        else:
            windows = [(5, int(rng.integers(28, 40)) * 15, int(rng.integers(44, 56)) * 15)]
        claims = [(at(5, 10), at(5, 11))] if rng.random() < 0.1 else []
        members.append(
            member(
                200 + i,
                home,
                residence=residence,
                unit=unit,
                in_service=bool(rng.random() < 0.5),
                skills=[c for c in VOCAB.codes[:3] if rng.random() < 0.5],
                availability=windows,
                claims=claims,
                weekly_cap=0 if rng.random() < 0.08 else 3,
                recent_tasks=int(rng.integers(0, 2)),
                completed=int(rng.integers(2, 4)),
                residence_served=int(rng.integers(0, 2)),
            )
        )
    tasks = []
    for j in range(n_tasks):
        wednesday = rng.random() < 0.35
        tasks.append(
            task(
                3000 + j,
                [21, 210, 20, 200, 10][rng.integers(0, 5)],
                day=2 if wednesday else 5,
                start=19 if wednesday else [9, 9.5, 10][rng.integers(0, 3)],
                hours=[1, 1.5, 2][rng.integers(0, 3)],
                slots=int(rng.integers(1, 3)),
                required=[c for c in VOCAB.codes[:3] if rng.random() < 0.25],
                preferred=[c for c in VOCAB.codes[:3] if rng.random() < 0.25],
                policy="everyone" if wednesday or rng.random() < 0.4 else "registered",
                beneficiary=[None, 7][rng.integers(0, 2)],
            )
        )
    pairs = [(200 + int(i), 7) for i in rng.choice(n_members, size=max(1, n_members // 8), replace=False)]
    return problem(members, tasks, standing_pairs=pairs)
