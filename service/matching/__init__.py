"""The matcher's pure core: eligibility, scores, candidates, suggestions and dispatch.

No Flask and no ORM in here: the caller loads rows from the database into numpy
arrays, calls these functions, and writes the answers back (invitations, etc.).

Flow of a matching run::

    from service.matching import *

    vocab = Vocabulary.from_pairs((t.code, t.name, t.name_en) for t in skill_tags)   # bit order
    members = build_members([MemberRow(...), ...], vocab, kind_of)   # or Members(<arrays>)
    tasks = build_tasks([TaskRow(...), ...], vocab, kind_of)         # or Tasks(<arrays>)
    links = build_links(members, tasks, invitations=..., standing_pairs=..., neighbours=...)
    problem = Problem(members, tasks, links, vocab, weights=None)     # DEFAULT_WEIGHTS

    why_not(problem, m, t)            # first hard filter that excludes member row m from task row t
    explain(problem, m, t)            # score, breakdown, reasons (zh/en) for any pair
    graph = build_candidates(problem) # sparse (member, task, score) graph, each task's best K_t
    suggest(problem, graph, t)        # top-10 members for one task, explained
    top_suggestions(graph)            # top-10 rows for every task at once (arrays)
    recommend(problem, m)             # tasks ranked for one member (exact, all tasks)
    result = dispatch(problem, graph) # optimal 派单 by min-cost flow (greedy fallback)
    result.explain(problem, graph); result.unfilled(problem)

Input formats are documented on ``Members``, ``Tasks`` and ``Links`` (inputs.py); time
is local wall-clock minutes since 1970-01-01 (``local_minutes``, timeline.py). All
member / task references inside the matcher are *row positions* in those tables;
database ids are only carried for reporting (``Members.ids``, ``Tasks.ids``).

What to load (one run = the open tasks in scope and the members who could serve them):

* members: active members with their skill tags, approved registrations (one per
  side), ``Area.ancestor_ids()`` of the home building, availability windows, their
  slot-holding claims overlapping the dispatch weeks (as local-minute intervals),
  caps, this month's served count, all-time done / no-show / late-cancel counts, and
  this period's residence-side service count;
* tasks: ``slots - taken`` as open slots, ``starts_at``/``ends_at`` through
  ``local_minutes(dt, ZoneInfo("Asia/Shanghai"))``, the place's ancestor ids, skills,
  claim policy and, for need tasks, the resident the need is for;
* links: live invitations, standing pairs (member, resident), neighbouring
  compound/grid pairs; ``kind_of`` maps area id -> ``Area.kind`` for the paths.

Modules: timeline (time axis, availability and claim indexes), inputs (tables and
row builders), problem (shared indexes, DEFAULT_WEIGHTS), eligibility (hard filters,
why_not), scoring (components), reasons (reason phrases), candidates (graph,
suggestions, recommendations), assignment (dispatch: exact and greedy).
"""

from .candidates import (
    DEFAULT_LIMITS,
    CandidateGraph,
    CandidateLimits,
    build_candidates,
    recommend,
    suggest,
    top_suggestions,
)
from .assignment import DispatchResult, DispatchSettings, dispatch, exact, greedy
from .eligibility import REASONS, Exclusion, exclusion_codes, why_not
from .reasons import Reason, Suggestion, explain
from .inputs import (
    EVERYONE,
    INVITED,
    NONE,
    POLICIES,
    REGISTERED,
    Links,
    MemberRow,
    Members,
    TaskRow,
    Tasks,
    Vocabulary,
    build_links,
    build_members,
    build_tasks,
    place_levels,
)
from .problem import COMPONENTS, DEFAULT_MIN_COVER, DEFAULT_WEIGHTS, Problem
from .scoring import NEAR_LEVELS, NEAR_VALUES
from .timeline import local_minutes

__all__ = [
    "CandidateGraph",
    "CandidateLimits",
    "COMPONENTS",
    "DEFAULT_LIMITS",
    "DEFAULT_MIN_COVER",
    "DEFAULT_WEIGHTS",
    "DispatchResult",
    "DispatchSettings",
    "EVERYONE",
    "Exclusion",
    "INVITED",
    "Links",
    "MemberRow",
    "Members",
    "NEAR_LEVELS",
    "NEAR_VALUES",
    "NONE",
    "POLICIES",
    "Problem",
    "REASONS",
    "REGISTERED",
    "Reason",
    "Suggestion",
    "TaskRow",
    "Tasks",
    "Vocabulary",
    "build_candidates",
    "build_links",
    "build_members",
    "build_tasks",
    "dispatch",
    "exact",
    "exclusion_codes",
    "explain",
    "greedy",
    "local_minutes",
    "place_levels",
    "recommend",
    "suggest",
    "top_suggestions",
    "why_not",
]
