"""The matcher at city scale, on a synthetic city generated entirely in numpy.

    python -m benchmarks.matcher [--members 75000] [--tasks 10000] [--seed 1] [--base 16 --per-slot 8 --most 60]

No database: the point is the matcher's own cost. The city has uneven communities
(~150) and grids (~2000), ~24 skills with skewed popularity, typical availability
patterns (weekday evenings, weekends, retirees' daytime, night shifts that cross
midnight, sparse), 1–8 slots per task, two-sided registrations for in-service members,
some tasks open to everyone or by invitation, standing pairs, and existing claims.

Prints one JSON object. Targets (issue): exact dispatch end to end under 5 s and
peak RSS under 500 MB at 75k members × 10k tasks; under 10 s at 75k × 20k.

Timings: ``candidates_s`` is build_candidates including the lazily built indexes;
``suggestions_s`` picks the top 10 of every task; ``dispatch_s`` is the exact dispatch
end to end (constraint layout, network, solve, result) and ``solver_s`` the OR-Tools
solve alone; ``*_cpu_s`` are process CPU times, steadier on a busy machine. Ratios are
greedy over exact; exact fills the most slots first, so its raw score can trail a
greedy that fills fewer (``objective`` includes the load cost being minimised).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import datetime

import numpy as np

from service.matching import (
    DEFAULT_LIMITS,
    CandidateLimits,
    DispatchSettings,
    Links,
    Members,
    Problem,
    Tasks,
    Vocabulary,
    build_candidates,
    dispatch,
    local_minutes,
    recommend,
    suggest,
    top_suggestions,
)
from service.matching.timeline import DAY

SKILLS = [
    ("repair", "维修", "repairs"),
    ("electric", "电工", "electrics"),
    ("plumbing", "水管", "plumbing"),
    ("haircut", "理发", "haircuts"),
    ("medical", "医护", "medical care"),
    ("legal", "法律", "legal aid"),
    ("tutoring", "辅导", "tutoring"),
    ("driving", "驾驶", "driving"),
    ("cooking", "烹饪", "cooking"),
    ("computer", "电脑", "computers"),
    ("sewing", "缝补", "mending"),
    ("knife", "磨刀", "knife sharpening"),
    ("psych", "心理疏导", "counselling"),
    ("mediation", "调解", "mediation"),
    ("patrol", "巡逻", "patrols"),
    ("firstaid", "急救", "first aid"),
    ("photo", "摄影", "photography"),
    ("music", "文艺", "performing"),
    ("sign", "手语", "sign language"),
    ("garden", "园艺", "gardening"),
    ("accounting", "会计", "accounting"),
    ("translate", "翻译", "translation"),
    ("sports", "体育", "sports"),
    ("design", "宣传设计", "design"),
]
HORIZON_DAYS = 14


def _csr(counts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(counts))).astype(np.int64)


def generate(n_members: int, n_tasks: int, seed: int):
    rng = np.random.default_rng(seed)
    n_comm, n_grid, per_grid = 150, 2000, 15
    vocab = Vocabulary.from_pairs(SKILLS)

    comm_ids = 10_000 + np.arange(n_comm)
    comm_weight = rng.lognormal(0.0, 0.8, n_comm)
    comm_weight /= comm_weight.sum()
    grid_comm = np.concatenate((np.arange(n_comm), rng.choice(n_comm, n_grid - n_comm, p=comm_weight)))
    grid_comm.sort()
    grid_ids = 20_000 + np.arange(n_grid)
    # A fifth of the grids sit inside an old compound (the compound is a zone too).
    compound_of_grid = np.where(rng.random(n_grid) < 0.2, 40_000 + grid_comm * 4 + rng.integers(0, 4, n_grid), -1)
    grid_weight = comm_weight[grid_comm] * rng.lognormal(0, 0.5, n_grid)
    grid_weight /= grid_weight.sum()
    n_build = n_grid * per_grid
    build_ids = 100_000 + np.arange(n_build)
    # Neighbouring grids: along a line that walks through the communities in order.
    line = np.argsort(grid_comm * 10 + rng.random(n_grid))
    neighbours = np.concatenate([np.stack((grid_ids[line[:-k]], grid_ids[line[k:]]), 1) for k in (1, 2)])

    # ---- members
    M = n_members
    home_grid = rng.choice(n_grid, M, p=grid_weight)
    home_build = home_grid * per_grid + rng.integers(0, per_grid, M)
    home_comm = grid_comm[home_grid]
    status = rng.choice(3, M, p=[0.6, 0.2, 0.2])  # in-service, retired, other volunteer
    in_service = status == 0
    residence = np.where(rng.random(M) < 0.95, comm_ids[home_comm], -1)
    unit = np.where(in_service & (rng.random(M) < 0.9), comm_ids[rng.choice(n_comm, M, p=comm_weight)], -1)
    popularity = 1.0 / np.arange(1, len(SKILLS) + 1) ** 0.8
    popularity /= popularity.sum()
    n_skill = np.minimum(rng.poisson(1.4, M), 5)
    owner = np.repeat(np.arange(M), n_skill)
    bits = rng.choice(len(SKILLS), len(owner), p=popularity).astype(np.uint64)
    skills = np.zeros(M, dtype=np.uint64)
    np.bitwise_or.at(skills, owner, np.uint64(1) << bits)

    # Availability patterns: (weekday, start, end) templates, jittered per member.
    patterns = [
        [(d, 1110, 1290) for d in range(5)],  # weekday evenings
        [(d, s, e) for d in (5, 6) for s, e in ((480, 720), (840, 1080))],  # weekends
        [(d, s, e) for d in range(7) for s, e in ((480, 690), (870, 1050))],  # retirees' days
        [(d, 1110, 1290) for d in range(5)] + [(5, 480, 1080), (6, 540, 720)],  # evenings + weekend
        [(d, 1320, 1440) for d in range(7)] + [(d, 0, 120) for d in range(7)],  # night shift
    ]
    kind = np.where(
        status == 1,
        rng.choice([2, 3, 1], M, p=[0.6, 0.2, 0.2]),
        rng.choice([0, 1, 3, 4, 5], M, p=[0.3, 0.25, 0.25, 0.05, 0.15]),
    )
    starts, ends, owners = [], [], []
    for k, template in enumerate(patterns):
        who = np.flatnonzero(kind == k)
        tpl = np.array(template)
        jitter = rng.integers(-2, 3, (len(who), 1)) * 15
        ws = tpl[:, 0] * DAY + np.clip(tpl[:, 1] + jitter, 0, DAY - 60)
        we = tpl[:, 0] * DAY + np.clip(tpl[:, 2] + jitter, 60, DAY)
        keep = ws < we
        owners.append(np.broadcast_to(who[:, None], ws.shape)[keep])
        starts.append(ws[keep])
        ends.append(we[keep])
    sparse = np.flatnonzero(kind == 5)  # one or two random three-hour windows
    for _ in range(2):
        who = sparse[rng.random(len(sparse)) < 0.8]
        d = rng.integers(0, 7, len(who))
        s = rng.integers(14, 40, len(who)) * 30
        owners.append(who)
        starts.append(d * DAY + s)
        ends.append(d * DAY + np.minimum(s + 180, DAY))
    owners, starts, ends = (np.concatenate(x) for x in (owners, starts, ends))
    order = np.argsort(owners, kind="stable")
    avail_ptr = _csr(np.bincount(owners, minlength=M))

    base = local_minutes(datetime(2026, 11, 23))  # a Monday
    n_claims = np.minimum(rng.poisson(0.4, M), 3)
    c_owner = np.repeat(np.arange(M), n_claims)
    c_start = base + rng.integers(0, HORIZON_DAYS * 48, len(c_owner)) * 30
    c_order = np.argsort(c_owner, kind="stable")

    members = Members(
        ids=1 + np.arange(M),
        skills=skills,
        residence_community=residence,
        unit_community=unit,
        in_service=in_service,
        home_community=comm_ids[home_comm],
        home_zones=np.stack((grid_ids[home_grid], compound_of_grid[home_grid]), 1),
        home_building=build_ids[home_build],
        avail_ptr=avail_ptr,
        avail_start=starts[order],
        avail_end=ends[order],
        claim_ptr=_csr(n_claims),
        claim_start=c_start[c_order],
        claim_end=c_start[c_order] + 120,
        daily_cap=1 + (rng.random(M) < 0.3),
        weekly_cap=rng.integers(2, 5, M),
        recent_tasks=rng.poisson(1.2, M),
        completed=rng.poisson(6, M),
        no_shows=rng.poisson(0.3, M),
        late_cancels=rng.poisson(0.3, M),
        residence_served=np.where(in_service, rng.poisson(0.8, M), 0),
    )

    # ---- tasks
    T = n_tasks
    t_grid = rng.choice(n_grid, T, p=grid_weight)
    t_comm = grid_comm[t_grid]
    where = rng.choice(3, T, p=[0.2, 0.5, 0.3])  # community, grid, building
    place_zones = np.where(where[:, None] == 0, -1, np.stack((grid_ids[t_grid], compound_of_grid[t_grid]), 1))
    place_building = np.where(where == 2, build_ids[t_grid * per_grid + rng.integers(0, per_grid, T)], -1)
    day = rng.integers(0, HORIZON_DAYS, T)
    weekday = day % 7
    slot = rng.choice(4, T, p=[0.4, 0.33, 0.25, 0.02])  # weekend-ish, evening, daytime, overnight
    minute = np.select(
        [slot == 0, slot == 1, slot == 2],
        [rng.integers(16, 34, T) * 30, rng.integers(37, 40, T) * 30, rng.integers(16, 34, T) * 30],
        rng.integers(44, 47, T) * 30,
    )
    day = np.where((slot == 0) & (weekday < 5), day - weekday + 5 + rng.integers(0, 2, T), day) % HORIZON_DAYS
    start = base + day * DAY + minute
    duration = rng.integers(2, 9, T) * 30
    slots = rng.choice(np.arange(1, 9), T, p=[0.35, 0.25, 0.15, 0.1, 0.06, 0.04, 0.03, 0.02])
    n_req = rng.choice(3, T, p=[0.45, 0.45, 0.1])
    req = np.zeros(T, np.uint64)
    for k in (1, 2):
        pick = n_req >= k
        req[pick] |= np.uint64(1) << rng.choice(len(SKILLS), pick.sum(), p=popularity).astype(np.uint64)
    pref = (
        np.where(
            rng.random(T) < 0.3,
            np.uint64(1) << rng.choice(len(SKILLS), T, p=popularity).astype(np.uint64),
            np.uint64(0),
        )
        & ~req
    )
    policy = rng.choice(3, T, p=[0.88, 0.07, 0.05])
    beneficiary = np.where(rng.random(T) < 0.3, 500_000 + rng.integers(0, 20_000, T), -1)
    tasks = Tasks(
        ids=1 + np.arange(T),
        community=comm_ids[t_comm],
        place_zones=place_zones,
        place_building=place_building,
        start=start,
        end=start + duration,
        slots=slots,
        required=req,
        preferred=pref,
        policy=policy,
        beneficiary=beneficiary,
    )

    # ---- links: invitations (invite-only tasks and a few others), standing pairs
    by_comm = np.argsort(home_comm, kind="stable")
    comm_ptr = np.searchsorted(home_comm[by_comm], np.arange(n_comm + 1))
    invite_tasks = np.concatenate((np.repeat(np.flatnonzero(policy == 2), 6), rng.choice(T, T // 50, replace=False)))
    c = t_comm[invite_tasks]
    size = comm_ptr[c + 1] - comm_ptr[c]
    ok = size > 0
    inv_members = by_comm[comm_ptr[c[ok]] + (rng.random(ok.sum()) * size[ok]).astype(np.int64)]
    invitations = np.stack((inv_members, invite_tasks[ok]), 1)
    paired_tasks = np.flatnonzero(beneficiary >= 0)
    c = t_comm[paired_tasks]
    size = comm_ptr[c + 1] - comm_ptr[c]
    ok = (size > 0) & (rng.random(len(paired_tasks)) < 0.5)
    pair_members = by_comm[comm_ptr[c[ok]] + (rng.random(ok.sum()) * size[ok]).astype(np.int64)]
    standing = np.concatenate(
        (
            np.stack((pair_members, beneficiary[paired_tasks[ok]]), 1),
            np.stack((rng.integers(0, M, M // 10), 500_000 + rng.integers(0, 20_000, M // 10)), 1),
        )
    )
    links = Links(invitations=invitations, standing_pairs=standing, neighbours=neighbours)
    return Problem(members, tasks, links, vocab)


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=75_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base", type=int, default=DEFAULT_LIMITS.base, help="candidates kept per task, at least")
    parser.add_argument("--per-slot", type=int, default=DEFAULT_LIMITS.per_slot, help="candidates kept per open slot")
    parser.add_argument("--most", type=int, default=DEFAULT_LIMITS.most, help="candidates kept per task, at most")
    args = parser.parse_args()

    clock = time.perf_counter
    t0 = clock()
    problem = generate(args.members, args.tasks, args.seed)
    generate_s = clock() - t0

    t0, c0 = clock(), time.process_time()
    graph = build_candidates(problem, limits=CandidateLimits(args.base, args.per_slot, args.most))
    candidates_s, candidates_cpu_s = clock() - t0, time.process_time() - c0

    t0 = clock()
    ptr, rows = top_suggestions(graph, 10)
    suggestions_s = clock() - t0
    t0 = clock()
    explained = [suggest(problem, graph, t) for t in range(0, problem.T, max(1, problem.T // 200))]
    explain_s = (clock() - t0) / len(explained)
    t0 = clock()
    for m in range(0, problem.M, max(1, problem.M // 50)):
        recommend(problem, m)
    recommend_s = (clock() - t0) / 50

    settings = DispatchSettings()
    t0, c0 = clock(), time.process_time()
    exact = dispatch(problem, graph, settings, method="exact")
    dispatch_s, dispatch_cpu_s = clock() - t0, time.process_time() - c0
    t0 = clock()
    greedy = dispatch(problem, graph, settings, method="greedy")
    greedy_s = clock() - t0

    def summary(r):
        return {
            "solver": r.solver,
            "score": round(r.total_score, 1),
            "objective": round(r.objective, 1),
            "filled": r.filled,
            "slots": r.slots,
        }

    print(
        json.dumps(
            {
                "members": problem.M,
                "tasks": problem.T,
                "seed": args.seed,
                "limits": [args.base, args.per_slot, args.most],
                "candidate_pairs": len(graph),
                "scored_pairs": graph.scored,
                "generate_s": round(generate_s, 3),
                "candidates_s": round(candidates_s, 3),
                "candidates_cpu_s": round(candidates_cpu_s, 3),
                "suggestions_s": round(suggestions_s, 4),
                "suggested_pairs": int(len(rows)),
                "explain_task_ms": round(explain_s * 1000, 2),
                "recommend_member_ms": round(recommend_s * 1000, 2),
                "dispatch_s": round(dispatch_s, 3),
                "dispatch_cpu_s": round(dispatch_cpu_s, 3),
                "candidates_plus_dispatch_s": round(candidates_s + dispatch_s, 3),
                "solver_s": round(exact.stats.get("solve", float("nan")), 3),
                "network_nodes": exact.stats.get("nodes"),
                "network_arcs": exact.stats.get("arcs"),
                "network_s": round(exact.stats.get("network", float("nan")), 3),
                "greedy_s": round(greedy_s, 3),
                "peak_mb": peak_mb(),
                "exact": summary(exact),
                "greedy": summary(greedy),
                "score_ratio": round(greedy.total_score / exact.total_score, 4) if exact.total_score else None,
                "objective_ratio": round(greedy.objective / exact.objective, 4) if exact.objective else None,
                "fill_ratio": round(greedy.filled / exact.filled, 4) if exact.filled else None,
                "unfilled_tasks": len(exact.unfilled(problem)),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
