"""Hard filters: who may be matched to a task at all.

For a (member, task) pair the filters run in this order, and the first that fails
is the reason the member is not suggested:

1. may claim   -- registered (either side) in the task's community, or the task is
                  open to everyone, or the member holds an invitation to it;
                  an invite-only task admits invited members only;
2. skills      -- has every required skill tag;
3. available   -- at least ``min_cover`` (default half) of the task's window falls in
                  the member's weekly free windows (crossing midnight is exact);
4. no conflict -- no existing claim overlaps the task's window (half-open intervals,
                  so back-to-back is fine; a claim on this very task counts as one);
5. weekly cap  -- fewer existing claims in the task's week than ``weekly_cap``.

``exclusion_codes`` evaluates all filters for arrays of pairs; ``why_not`` explains
one pair; ``screen`` is the cheap progressive form used by candidate generation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..i18n import N_, Bilingual
from .inputs import EVERYONE, INVITED, NONE, REGISTERED
from .problem import Problem

ELIGIBLE = 0
NOT_REGISTERED = 1
INVITE_ONLY = 2
MISSING_SKILLS = 3
UNAVAILABLE = 4
TIME_CONFLICT = 5
WEEKLY_CAP = 6

#: code -> (key, Chinese, English)
REASONS = {
    NOT_REGISTERED: ("not_registered", N_("未在任务所在社区报到"), "not registered in the task's community"),
    INVITE_ONLY: ("invite_only", N_("该任务仅限受邀人员认领"), "the task is by invitation only"),
    MISSING_SKILLS: ("missing_skills", N_("缺少任务要求的技能"), "lacks a required skill"),
    UNAVAILABLE: ("unavailable", N_("任务时段内空闲时间不足一半"), "free for less than half of the task's window"),
    TIME_CONFLICT: ("time_conflict", N_("已认领时间重叠的任务"), "already holds an overlapping task"),
    WEEKLY_CAP: ("weekly_cap", N_("本周任务已达上限"), "weekly task limit reached"),
}


@dataclass(frozen=True)
class Exclusion:
    code: int
    key: str
    zh: str
    en: str
    detail_zh: str
    detail_en: str
    #: the detail as a catalogue id and its parameters (pairs), for errors shown to a reader
    message: str = ""
    params: tuple = ()

    def as_dict(self) -> dict:
        return {"code": self.key, "zh": self.detail_zh, "en": self.detail_en}


def _pairs(m, t):
    return np.atleast_1d(np.asarray(m, dtype=np.int64)), np.atleast_1d(np.asarray(t, dtype=np.int64))


def may_claim(p: Problem, m, t) -> np.ndarray:
    m, t = _pairs(m, t)
    mem, comm = p.members, p.tasks.community[t]
    registered = ((mem.residence_community[m] == comm) | (mem.unit_community[m] == comm)) & (comm != NONE)
    policy = p.tasks.policy[t]
    return (policy == EVERYONE) | ((policy == REGISTERED) & registered) | p.invited(m, t)


def has_skills(p: Problem, m, t) -> np.ndarray:
    m, t = _pairs(m, t)
    req = p.tasks.required[t]
    return np.all((p.members.skills[m] & req) == req, axis=1)


def covered_share(p: Problem, m, t) -> np.ndarray:
    m, t = _pairs(m, t)
    avail = p.availability
    word, mask, used, usable = p.task_quarters
    fast = usable[t] & avail.quarter_exact[m]
    minutes = np.empty(len(m), dtype=np.int64)
    i = np.flatnonzero(fast)
    if len(i):
        minutes[i] = avail.covered_quarters(m[i], word[t[i]], mask[t[i]], int(used[t[i]].max()))
    i = np.flatnonzero(~fast)
    if len(i):
        minutes[i] = avail.covered(m[i], p.t_wstart[t[i]], p.t_duration[t[i]])
    return minutes / p.t_duration[t]


def is_available(p: Problem, share: np.ndarray) -> np.ndarray:
    # A hair of tolerance so that exactly half of an odd-length window still counts.
    return share >= p.min_cover - 1e-9


def conflicts(p: Problem, m, t) -> np.ndarray:
    m, t = _pairs(m, t)
    return p.claims.overlaps(m, p.tasks.start[t], p.tasks.end[t])


def at_weekly_cap(p: Problem, m, t) -> np.ndarray:
    m, t = _pairs(m, t)
    return p.claims.week_load(m, p.t_week[t]) >= p.members.weekly_cap[m]


def exclusion_codes(p: Problem, m, t) -> np.ndarray:
    """int8 per pair: 0 if eligible, else the code of the first filter that fails."""
    m, t = _pairs(m, t)
    first_fail = [
        (~may_claim(p, m, t), np.where(p.tasks.policy[t] == INVITED, INVITE_ONLY, NOT_REGISTERED)),
        (~has_skills(p, m, t), MISSING_SKILLS),
        (~is_available(p, covered_share(p, m, t)), UNAVAILABLE),
        (conflicts(p, m, t), TIME_CONFLICT),
        (at_weekly_cap(p, m, t), WEEKLY_CAP),
    ]
    codes = np.zeros(len(m), dtype=np.int8)
    for failed, code in reversed(first_fail):
        codes = np.where(failed, code, codes).astype(np.int8)
    return codes


def _skill_names(p: Problem, bits: list[int]) -> tuple[str, str]:
    voc = p.vocabulary
    if voc is None:
        return "、".join(f"#{b}" for b in bits), ", ".join(f"#{b}" for b in bits)
    return "、".join(voc.names_zh[b] for b in bits), ", ".join(voc.names_en[b] or voc.codes[b] for b in bits)


def why_not(p: Problem, m: int, t: int) -> Exclusion | None:
    """Why member row ``m`` is not a candidate for task row ``t``; None if they are."""
    code = int(exclusion_codes(p, m, t)[0])
    if code == ELIGIBLE:
        return None
    key, zh, en = REASONS[code]
    detail_zh, detail_en = zh, en
    message = zh
    params: tuple[tuple[str, object], ...] = ()
    if code == MISSING_SKILLS:
        missing = p.tasks.required[t] & ~p.members.skills[m]
        bits = (
            p.vocabulary.bits(missing)
            if p.vocabulary
            else [w * 64 + b for w in range(len(missing)) for b in range(64) if (int(missing[w]) >> b) & 1]
        )
        names_zh, names_en = _skill_names(p, bits)
        detail_zh, detail_en = f"{zh}：{names_zh}", f"{en}: {names_en}"
        message, params = N_("缺少任务要求的技能：%(skills)s"), (("skills", Bilingual(names_zh, names_en)),)
    elif code == UNAVAILABLE:
        share = float(covered_share(p, m, t)[0])
        need = round(p.min_cover * 100)
        detail_zh = f"任务时段内空闲时间仅 {share:.0%}，不足 {need}%"
        detail_en = f"free for only {share:.0%} of the task's window (needs {need}%)"
        message = N_("任务时段内空闲时间仅 %(share)s，不足 %(need)s%%")
        params = (("share", f"{share:.0%}"), ("need", need))
    elif code == WEEKLY_CAP:
        load = int(p.claims.week_load(np.array([m]), p.t_week[[t]])[0])
        cap = int(p.members.weekly_cap[m])
        detail_zh, detail_en = f"{zh}（{load}/{cap}）", f"{en} ({load}/{cap})"
        message, params = N_("本周任务已达上限（%(load)s/%(cap)s）"), (("load", load), ("cap", cap))
    return Exclusion(code, key, zh, en, detail_zh, detail_en, message, params)


def screen(
    p: Problem, m: np.ndarray, t: np.ndarray, *, claim_checked: bool = False, skills_checked: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the eligible pairs and their covered share.

    Filters narrow the pair list one after another, so the costly ones (coverage,
    conflicts) only see what survived the cheap ones. The caller may vouch that the
    claim and skill filters already hold (candidate generation builds pairs that way)."""
    idx = np.arange(len(m))
    if not claim_checked:
        idx = idx[may_claim(p, m[idx], t[idx])]
    if not skills_checked:
        idx = idx[has_skills(p, m[idx], t[idx])]
    share = covered_share(p, m[idx], t[idx])
    ok = is_available(p, share)
    idx, share = idx[ok], share[ok]
    if len(p.claims.g_start):
        has_claims = np.diff(p.claims.ptr)[m[idx]] > 0
        bad = np.zeros(len(idx), dtype=bool)
        sub = np.flatnonzero(has_claims)
        bad[sub] = conflicts(p, m[idx[sub]], t[idx[sub]])
        idx, share = idx[~bad], share[~bad]
    if len(p.claims.week_keys):
        ok = ~at_weekly_cap(p, m[idx], t[idx])
        idx, share = idx[ok], share[ok]
    else:
        # No claims in these weeks: only a zero cap can bar anyone.
        ok = p.members.weekly_cap[m[idx]] > 0
        idx, share = idx[ok], share[ok]
    return idx, share
