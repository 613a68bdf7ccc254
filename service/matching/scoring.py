"""Soft score of an eligible (member, task) pair.

Each component is put on a 0..1 scale, then weighted (``DEFAULT_WEIGHTS`` in
problem.py, overridable per ``Problem``) and summed:

=========  =================================================================================
skill      (required tags held + preferred tags held) / (required + preferred tags);
           0 when the task asks for no tag, so skilled members drift to tasks needing them
near       1 same building, .7 same compound/grid, .4 same community,
           .25 neighbouring compound/grid (in another community), 0 elsewhere
cover      share of the task's window inside the member's weekly free time
fair       1 / (1 + tasks served this month)
reliable   (done + 1) / (done + no-shows + late cancels / 2 + 2): a newcomer gets .5,
           a no-show weighs twice a late cancellation
side       1 for an in-service party member with no residence-side service this period,
           when the task is in their residence community (steers them "home")
pair       1 when the member has a standing pair (结对) with the task's beneficiary
=========  =================================================================================
"""

from __future__ import annotations

import numpy as np

from .inputs import NONE
from .problem import COMPONENTS, Problem

NEAR_LEVELS = ("building", "zone", "community", "neighbour", "elsewhere")
NEAR_VALUES = np.array([1.0, 0.7, 0.4, 0.25, 0.0])
BUILDING, ZONE, COMMUNITY, NEIGHBOUR, ELSEWHERE = range(5)
COLUMN = {name: i for i, name in enumerate(COMPONENTS)}


def near_levels(p: Problem, m: np.ndarray, t: np.ndarray) -> np.ndarray:
    mem, tsk = p.members, p.tasks
    hb = mem.home_building[m]
    building = (hb != NONE) & (hb == tsk.place_building[t])
    hz, pz = mem.home_zones[m], tsk.place_zones[t]
    zone = np.zeros(len(m), dtype=bool)
    for i in range(2):
        for j in range(2):
            zone |= (hz[:, i] != NONE) & (hz[:, i] == pz[:, j])
    hc = mem.home_community[m]
    community = (hc != NONE) & (hc == tsk.community[t])
    level = np.full(len(m), ELSEWHERE, dtype=np.int8)
    rest = np.flatnonzero(~(building | zone | community))
    if len(rest):
        level[rest[p.neighbouring(m[rest], t[rest])]] = NEIGHBOUR
    level[community] = COMMUNITY
    level[zone] = ZONE
    level[building] = BUILDING
    return level


def fairness(recent_tasks: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.asarray(recent_tasks, np.float64))


def reliability(completed: np.ndarray, no_shows: np.ndarray, late_cancels: np.ndarray) -> np.ndarray:
    done = np.asarray(completed, np.float64)
    return (done + 1) / (done + no_shows + 0.5 * np.asarray(late_cancels, np.float64) + 2)


def member_points(p: Problem) -> np.ndarray:
    """float64[M]: the weighted points that depend on the member alone (fair + reliable).

    Candidate generation bounds scores with it, so it must stay the very same formula."""
    mem, w = p.members, p.weights
    return w["fair"] * fairness(mem.recent_tasks) + w["reliable"] * reliability(
        mem.completed, mem.no_shows, mem.late_cancels
    )


def component_values(p: Problem, m, t, share) -> tuple[np.ndarray, np.ndarray]:
    """float32[P, 7] component values (COMPONENTS order, each 0..1) and int8[P] near level."""
    m = np.atleast_1d(np.asarray(m, dtype=np.int64))
    t = np.atleast_1d(np.asarray(t, dtype=np.int64))
    mem, tsk = p.members, p.tasks
    values = np.empty((len(m), len(COMPONENTS)), dtype=np.float32)

    held = mem.skills[m]
    got = (
        np.bitwise_count(held & tsk.required[t]).sum(axis=1) + np.bitwise_count(held & tsk.preferred[t]).sum(axis=1)
    ).astype(np.float32)
    asked = (p.t_req_count[t] + p.t_pref_count[t]).astype(np.float32)
    values[:, COLUMN["skill"]] = np.divide(got, asked, out=np.zeros_like(got), where=asked > 0)

    level = near_levels(p, m, t)
    values[:, COLUMN["near"]] = NEAR_VALUES[level]
    values[:, COLUMN["cover"]] = np.minimum(share, 1.0)
    values[:, COLUMN["fair"]] = fairness(mem.recent_tasks[m])
    values[:, COLUMN["reliable"]] = reliability(mem.completed[m], mem.no_shows[m], mem.late_cancels[m])
    home = mem.residence_community[m]
    values[:, COLUMN["side"]] = (
        mem.in_service[m] & (mem.residence_served[m] == 0) & (home != NONE) & (home == tsk.community[t])
    )
    values[:, COLUMN["pair"]] = p.paired(m, t)
    return values, level


# Scores are kept on a 1e-9 grid so that two members with the same profile tie exactly,
# whichever batch scored them: ties are then broken by member, as documented.
SCORE_DECIMALS = 9


def total(p: Problem, values: np.ndarray) -> np.ndarray:
    return np.round(values.astype(np.float64) @ p.weight_vector, SCORE_DECIMALS)


def breakdown(p: Problem, values_row: np.ndarray) -> dict[str, float]:
    """component -> weighted points, rounded for display; they add up to the score."""
    return {name: round(float(values_row[i]) * p.weights[name], 4) for i, name in enumerate(COMPONENTS)}
