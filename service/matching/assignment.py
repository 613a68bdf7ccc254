"""Dispatch (派单): fill the open slots of many tasks at once from the candidate graph.

The candidates are the graph's (each task's best K_t, see candidates.py); the answer
is exactly optimal over them.

Objective. Each assignment earns its pair score, rounded to integer units
(``gain = round(score * scale)``, scale 100 by default: 0.01 points). A member's k-th
new task in this run costs ``(k - 1) * load_step`` (convex: work is spread before
anyone takes a second task). With ``fill_first`` (the default) the solver first fills
as many slots as possible and, among those fillings, maximises
``sum(gain) - sum(penalty)``; without it, it maximises that objective alone and
leaves a slot empty when filling it would not pay.

Constraints, per member, over the member's candidate pairs in the graph:

* **overlap**: the member's candidate tasks are sorted by start and cut into
  *overlap components* -- maximal runs whose windows chain together
  (``[s, e)`` half-open, so back-to-back tasks do not chain). At most ONE task per
  component. Exactly "no two overlapping tasks" when a component is a clique; on a
  chain A–B–C where A and C are disjoint it is stricter (only one of the three).
  This is deliberate: pairwise non-overlap across many tasks with slots is not a
  network-flow constraint (fixed-interval scheduling with eligibility is NP-hard),
  whereas one unit of capacity per component is, so the solver stays exact for it.
* **daily cap**: tasks count on their start day. Components are grouped into *day
  buckets*: a component whose tasks start on several days (a window crossing
  midnight) joins those days into one bucket. A bucket admits
  ``min over its days of (daily_cap - existing claims that day)`` new tasks; for the
  usual one-day bucket that is the plain daily cap, and merged buckets are only ever
  stricter.
* **weekly cap**: likewise, day buckets group into week buckets (Monday-based weeks;
  only a bucket spanning Sunday night joins two weeks), admitting
  ``min over its weeks of (weekly_cap - existing claims that week)``.
* **slots**: at most ``Tasks.slots`` (open slots) members per task, one slot each.

These nest (pair ⊂ component ⊂ day bucket ⊂ week bucket ⊂ member), so the whole
problem is a min-cost flow: source → task (slots) → member's component → day bucket
→ week bucket → member → sink, the last hop as parallel unit arcs costing
``0, step, 2·step, …``. Nodes whose capacity can never bind are skipped. The greedy
baseline (best score first) obeys the very same constraints, so it never beats the
exact answer: its (filled, objective) is never lexicographically better.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .candidates import CandidateGraph
from .problem import Problem

UNFILLED_REASONS = {
    "no_eligible": ("没有符合条件的人选", "no eligible candidate left"),
    "used_elsewhere": ("人选已派往其他任务或已达上限", "candidates used elsewhere or at their caps"),
}


@dataclass(frozen=True)
class DispatchSettings:
    load_step: float = 1.0  # score points the 2nd, 3rd… new task of a member costs: (k-1) * load_step
    fill_first: bool = True  # fill the most slots first, then the best objective
    scale: int = 100  # scores go to the integer solver as round(score * scale): 0.01 points

    @property
    def penalty_unit(self) -> int:
        return int(round(self.load_step * self.scale))


@dataclass
class Structure:
    """The per-member constraint layout over the pairs dispatch may use (see module doc).

    Arrays over pairs are in member, start, end order; ``rows`` maps them back to graph rows."""

    rows: np.ndarray  # int64[Q] candidate-graph rows
    member: np.ndarray  # int64[Q]
    task: np.ndarray  # int64[Q]
    gain: np.ndarray  # int64[Q]
    comp: np.ndarray  # int64[Q] overlap component
    dayb: np.ndarray  # int64[Q] day bucket
    weekb: np.ndarray  # int64[Q] week bucket
    comp_dayb: np.ndarray  # int64[C]
    dayb_weekb: np.ndarray  # int64[D]
    weekb_member: np.ndarray  # int64[W]
    day_cap: np.ndarray  # int64[D] room left in the bucket (may be <= 0)
    week_cap: np.ndarray  # int64[W]


def build_structure(p: Problem, graph: CandidateGraph, settings: DispatchSettings) -> Structure:
    tsk = p.tasks
    sel = np.flatnonzero(tsk.slots[graph.task] > 0)
    m = graph.member[sel].astype(np.int64)
    t = graph.task[sel].astype(np.int64)
    start, end = tsk.start[t], tsk.end[t]
    order = np.lexsort((end, start, m))
    rows, m, t, start, end = sel[order], m[order], t[order], start[order], end[order]
    gain = np.rint(graph.score[rows] * settings.scale).astype(np.int64)
    n = len(rows)
    if n == 0:
        z = np.zeros(0, np.int64)
        return Structure(rows, m, t, gain, z, z, z, z, z, z, z, z)

    lo = int(start.min())
    span = int(end.max()) - lo + 1
    ks = m * span + (start - lo)
    ke = m * span + (end - lo)
    reach = np.maximum.accumulate(ke)
    new_comp = np.ones(n, dtype=bool)
    new_comp[1:] = ks[1:] >= reach[:-1]  # member offsets make every member start afresh
    comp = np.cumsum(new_comp) - 1
    heads = np.flatnonzero(new_comp)

    day, week = p.t_day[t], p.t_week[t]
    c_member = m[heads]
    c_min_day, c_max_day = np.minimum.reduceat(day, heads), np.maximum.reduceat(day, heads)
    c_min_week, c_max_week = np.minimum.reduceat(week, heads), np.maximum.reduceat(week, heads)
    # Components of one member are disjoint in time, so each one's days/weeks come no
    # earlier than the previous one's: comparing neighbours is enough.
    new_day = np.ones(len(heads), dtype=bool)
    new_day[1:] = (c_member[1:] != c_member[:-1]) | (c_min_day[1:] > c_max_day[:-1])
    comp_dayb = np.cumsum(new_day) - 1
    d_heads = np.flatnonzero(new_day)
    b_member = c_member[d_heads]
    b_min_week = np.minimum.reduceat(c_min_week, d_heads)
    b_max_week = np.maximum.reduceat(c_max_week, d_heads)
    new_week = np.ones(len(d_heads), dtype=bool)
    new_week[1:] = (b_member[1:] != b_member[:-1]) | (b_min_week[1:] > b_max_week[:-1])
    dayb_weekb = np.cumsum(new_week) - 1
    weekb_member = b_member[np.flatnonzero(new_week)]

    dayb = comp_dayb[comp]
    weekb = dayb_weekb[dayb]
    mem = p.members
    day_room = mem.daily_cap[m].astype(np.int64) - p.claims.day_load(m, day)
    week_room = mem.weekly_cap[m].astype(np.int64) - p.claims.week_load(m, week)
    pair_new_day = np.flatnonzero(new_comp & new_day[comp])
    pair_new_week = np.flatnonzero(new_comp & new_day[comp] & new_week[dayb])
    day_cap = np.minimum.reduceat(day_room, pair_new_day)
    week_cap = np.minimum.reduceat(week_room, pair_new_week)
    return Structure(rows, m, t, gain, comp, dayb, weekb, comp_dayb, dayb_weekb, weekb_member, day_cap, week_cap)


@dataclass
class DispatchResult:
    solver: str  # "exact" or "greedy"
    rows: np.ndarray  # int64[A] candidate-graph rows assigned
    member: np.ndarray  # int64[A] member rows
    task: np.ndarray  # int64[A] task rows
    score: np.ndarray  # float64[A]
    total_score: float  # sum of the assigned pairs' scores
    objective: float  # total_score minus the load penalties
    objective_units: int  # the same in the solver's integer units
    filled: int
    slots: int
    task_filled: np.ndarray  # int32[T]
    unfilled_no_eligible: np.ndarray  # int32[T]
    unfilled_used_elsewhere: np.ndarray  # int32[T]
    note: str = ""  # why the greedy fallback ran, if it did
    stats: dict = field(default_factory=dict)  # exact: network / solve seconds, nodes, arcs

    def summary(self) -> dict:
        return {
            "solver": self.solver,
            "score": round(self.total_score, 3),
            "objective": round(self.objective, 3),
            "filled": self.filled,
            "slots": self.slots,
        }

    def unfilled(self, p: Problem) -> list[dict]:
        """Per task with empty slots: how many, and why."""
        out = []
        for t in np.flatnonzero(self.unfilled_no_eligible + self.unfilled_used_elsewhere):
            reasons = []
            for key, count in (
                ("no_eligible", self.unfilled_no_eligible[t]),
                ("used_elsewhere", self.unfilled_used_elsewhere[t]),
            ):
                if count:
                    zh, en = UNFILLED_REASONS[key]
                    reasons.append({"code": key, "slots": int(count), "zh": zh, "en": en})
            out.append(
                {
                    "task": int(t),
                    "task_id": int(p.tasks.ids[t]),
                    "open": int(p.tasks.slots[t]),
                    "filled": int(self.task_filled[t]),
                    "reasons": reasons,
                }
            )
        return out

    def explain(self, p: Problem, graph: CandidateGraph) -> list[dict]:
        """Every assignment with its score breakdown and reasons."""
        return [graph.describe(p, int(r)).as_dict() for r in self.rows]


def penalty_units(counts: np.ndarray, unit: int) -> int:
    counts = counts.astype(np.int64)
    return int(unit * (counts * (counts - 1) // 2).sum())


def _effective(s: Structure):
    comps_per_day = np.bincount(s.comp_dayb, minlength=len(s.day_cap))
    day_eff = np.clip(np.minimum(s.day_cap, comps_per_day), 0, None)
    day_sum = np.bincount(s.dayb_weekb, weights=day_eff, minlength=len(s.week_cap)).astype(np.int64)
    week_eff = np.clip(np.minimum(s.week_cap, day_sum), 0, None)
    usable = (day_eff[s.dayb] > 0) & (week_eff[s.weekb] > 0)
    return comps_per_day, day_eff, day_sum, week_eff, usable


def _result(
    p: Problem,
    graph: CandidateGraph,
    s: Structure,
    picked: np.ndarray,
    solver: str,
    settings: DispatchSettings,
    note: str = "",
) -> DispatchResult:
    rows = s.rows[picked]
    order = np.argsort(rows)
    rows, member, task = rows[order], s.member[picked][order], s.task[picked][order]
    score = graph.score[rows]
    per_member = np.bincount(member, minlength=p.M)
    pen = penalty_units(per_member, settings.penalty_unit)
    units = int(s.gain[picked].sum()) - pen
    open_slots = p.tasks.slots.astype(np.int64)
    task_filled = np.bincount(task, minlength=p.T).astype(np.int32)
    left = open_slots - task_filled
    candidates = np.diff(graph.task_ptr)
    no_eligible = np.minimum(left, np.clip(open_slots - candidates, 0, None)).astype(np.int32)
    return DispatchResult(
        solver=solver,
        rows=rows,
        member=member,
        task=task,
        score=score,
        total_score=float(score.sum()),
        objective=float(score.sum()) - settings.load_step * float((per_member * (per_member - 1) // 2).sum()),
        objective_units=units,
        filled=int(len(rows)),
        slots=int(open_slots.sum()),
        task_filled=task_filled,
        unfilled_no_eligible=no_eligible,
        unfilled_used_elsewhere=(left - no_eligible).astype(np.int32),
        note=note,
    )


def greedy(
    p: Problem,
    graph: CandidateGraph,
    settings: DispatchSettings = DispatchSettings(),
    structure: Structure | None = None,
    note: str = "",
) -> DispatchResult:
    """Best pairs first, each taken if its task, component and buckets still have room."""
    s = structure or build_structure(p, graph, settings)
    order = np.lexsort((s.rows, -s.gain))
    task_left = p.tasks.slots.astype(np.int64).tolist()
    comp_used = [False] * (int(s.comp.max()) + 1 if len(s.comp) else 0)
    day_left = s.day_cap.tolist()
    week_left = s.week_cap.tolist()
    ts, cs, ds, ws = s.task.tolist(), s.comp.tolist(), s.dayb.tolist(), s.weekb.tolist()
    picked = []
    for q in order.tolist():
        t, c, d, w = ts[q], cs[q], ds[q], ws[q]
        if task_left[t] > 0 and not comp_used[c] and day_left[d] > 0 and week_left[w] > 0:
            task_left[t] -= 1
            comp_used[c] = True
            day_left[d] -= 1
            week_left[w] -= 1
            picked.append(q)
    return _result(p, graph, s, np.array(picked, dtype=np.int64), "greedy", settings, note)


def _first_node(sink: int, *levels: np.ndarray) -> np.ndarray:
    """Per row, the first level whose node id is not -1, else the sink."""
    out = np.full(len(levels[0]), sink, dtype=np.int64)
    for ids in reversed(levels):
        out = np.where(ids >= 0, ids, out)
    return out


def _number(needed: np.ndarray, base: int) -> tuple[np.ndarray, int]:
    ids = np.full(len(needed), -1, dtype=np.int64)
    k = int(needed.sum())
    ids[needed] = base + np.arange(k)
    return ids, base + k


def exact(
    p: Problem,
    graph: CandidateGraph,
    settings: DispatchSettings = DispatchSettings(),
    structure: Structure | None = None,
) -> DispatchResult:
    """Optimal dispatch by min-cost flow (OR-Tools SimpleMinCostFlow)."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    began = time.perf_counter()
    s = structure or build_structure(p, graph, settings)
    comps_per_day, day_eff, day_sum, week_eff, usable = _effective(s)
    use = np.flatnonzero(usable)
    pen = settings.penalty_unit

    comp_size = np.bincount(s.comp[use], minlength=len(s.comp_dayb))
    member_total = np.bincount(s.weekb_member, weights=week_eff, minlength=p.M).astype(np.int64)
    SOURCE, SINK = 0, 1
    base = 2 + p.T
    comp_node, base = _number(comp_size >= 2, base)
    day_node, base = _number((day_eff > 0) & (day_eff < comps_per_day), base)
    week_node, base = _number((week_eff > 0) & (week_eff < day_sum), base)
    member_node, base = _number((member_total >= 2) & (pen > 0), base)

    tails, heads, caps, costs = [], [], [], []

    def arcs(tail, head, cap, cost):
        tails.append(np.asarray(tail, np.int64))
        heads.append(np.asarray(head, np.int64))
        caps.append(np.broadcast_to(np.asarray(cap, np.int64), np.shape(tail)))
        costs.append(np.broadcast_to(np.asarray(cost, np.int64), np.shape(tail)))

    open_tasks = np.flatnonzero(p.tasks.slots > 0)
    arcs(np.zeros(len(open_tasks)), 2 + open_tasks, p.tasks.slots[open_tasks], 0)
    um, uc, ud, uw = s.member[use], s.comp[use], s.dayb[use], s.weekb[use]
    arcs(
        2 + s.task[use], _first_node(SINK, comp_node[uc], day_node[ud], week_node[uw], member_node[um]), 1, -s.gain[use]
    )
    pair_arcs_at = len(open_tasks)

    c = np.flatnonzero(comp_node >= 0)
    cd = s.comp_dayb[c]
    cw = s.dayb_weekb[cd]
    arcs(comp_node[c], _first_node(SINK, day_node[cd], week_node[cw], member_node[s.weekb_member[cw]]), 1, 0)
    d = np.flatnonzero(day_node >= 0)
    dw = s.dayb_weekb[d]
    arcs(day_node[d], _first_node(SINK, week_node[dw], member_node[s.weekb_member[dw]]), day_eff[d], 0)
    w = np.flatnonzero(week_node >= 0)
    arcs(week_node[w], _first_node(SINK, member_node[s.weekb_member[w]]), week_eff[w], 0)
    mm = np.flatnonzero(member_node >= 0)
    reps = member_total[mm]
    kth = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    arcs(np.repeat(member_node[mm], reps), np.full(int(reps.sum()), SINK), 1, kth * pen)
    total_slots = int(p.tasks.slots[open_tasks].sum())
    if not settings.fill_first:
        arcs([SOURCE], [SINK], total_slots, 0)

    tail, head = np.concatenate(tails), np.concatenate(heads)
    # Arcs grouped by tail node: measurably quicker for the solver than our build order.
    order = np.lexsort((head, tail))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    solver = SimpleMinCostFlow()
    arc_ids = solver.add_arcs_with_capacity_and_unit_cost(
        tail[order].astype(np.int32),
        head[order].astype(np.int32),
        np.concatenate(caps)[order],
        np.concatenate(costs)[order],
    )
    solver.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([total_slots, -total_slots]))
    built = time.perf_counter()
    status = solver.solve_max_flow_with_min_cost() if settings.fill_first else solver.solve()
    solved = time.perf_counter()
    if status != SimpleMinCostFlow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = solver.flows(arc_ids[position[pair_arcs_at : pair_arcs_at + len(use)]])
    result = _result(p, graph, s, use[flows > 0], "exact", settings)
    result.stats = {"network": built - began, "solve": solved - built, "nodes": base, "arcs": len(order)}
    return result


def dispatch(
    p: Problem, graph: CandidateGraph, settings: DispatchSettings = DispatchSettings(), *, method: str = "exact"
) -> DispatchResult:
    """Assign open slots; ``method`` "exact" (falls back to greedy if the solver fails) or "greedy"."""
    s = build_structure(p, graph, settings)
    if method == "greedy":
        return greedy(p, graph, settings, s)
    if method != "exact":
        raise ValueError("method must be 'exact' or 'greedy'")
    try:
        return exact(p, graph, settings, s)
    except Exception as exc:  # the caller still gets a valid dispatch, labelled as greedy
        return greedy(p, graph, settings, s, note=f"exact solver failed: {exc}")
