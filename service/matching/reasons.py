"""Human-readable reasons for a match, in Chinese and English, keyed alike.

A suggestion reads like "同楼栋 · 会维修 · 本月尚未服务 · 周六上午有空"; each phrase
is a ``Reason(key, zh, en)`` so the UI can pick a language or style by key.
Phrases appear in a fixed order: pair, nearness, skills, fairness, time, side, reliability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .eligibility import Exclusion, covered_share, why_not
from .problem import Problem
from .scoring import BUILDING, COLUMN, COMMUNITY, NEIGHBOUR, ZONE, breakdown, component_values, total
from .timeline import DAY, weekday_of

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# (from minute of day, zh, en); the last entry whose start is <= the task start wins.
DAY_PARTS = (
    (0, "凌晨", "small hours"),
    (300, "早上", "early morning"),
    (480, "上午", "morning"),
    (690, "中午", "midday"),
    (810, "下午", "afternoon"),
    (1080, "晚上", "evening"),
)
NEAR_PHRASES = {
    BUILDING: ("near.building", "同楼栋", "same building"),
    ZONE: ("near.zone", "同小区/网格", "same compound/grid"),
    COMMUNITY: ("near.community", "同社区", "same community"),
    NEIGHBOUR: ("near.neighbour", "相邻网格", "neighbouring grid"),
}
MAX_SKILL_NAMES = 3
RELIABLE_AFTER = 3  # completed tasks before "never missed one" means something


@dataclass(frozen=True)
class Reason:
    key: str
    zh: str
    en: str


@dataclass
class Suggestion:
    member: int
    task: int
    member_id: int
    task_id: int
    score: float
    breakdown: dict[str, float]
    reasons: list[Reason] = field(default_factory=list)
    excluded: Exclusion | None = None

    def text(self, lang: str = "zh") -> str:
        return " · ".join(getattr(r, "en" if lang == "en" else "zh") for r in self.reasons)

    def as_dict(self) -> dict:
        return {
            "member_id": self.member_id,
            "task_id": self.task_id,
            "score": round(self.score, 4),
            "breakdown": self.breakdown,
            "reasons": [{"key": r.key, "zh": r.zh, "en": r.en} for r in self.reasons],
            "text": {"zh": self.text("zh"), "en": self.text("en")},
            "excluded": self.excluded.as_dict() if self.excluded else None,
        }


def day_part(minute_of_day: int) -> tuple[str, str]:
    chosen = DAY_PARTS[0]
    for part in DAY_PARTS:
        if minute_of_day >= part[0]:
            chosen = part
    return chosen[1], chosen[2]


def reasons(p: Problem, m: int, t: int, values: np.ndarray, level: int) -> list[Reason]:
    mem, tsk = p.members, p.tasks
    out: list[Reason] = []
    if values[COLUMN["pair"]] > 0:
        out.append(Reason("pair", "结对帮扶对象", "standing pair with the beneficiary"))
    if level in NEAR_PHRASES:
        out.append(Reason(*NEAR_PHRASES[level]))
    matched = mem.skills[m] & (tsk.required[t] | tsk.preferred[t])
    if matched.any():
        bits = [w * 64 + b for w in range(len(matched)) for b in range(64) if (int(matched[w]) >> b) & 1]
        bits = bits[:MAX_SKILL_NAMES]
        voc = p.vocabulary
        zh = "、".join(voc.names_zh[b] for b in bits) if voc else "、".join(f"技能{b}" for b in bits)
        en = ", ".join(voc.names_en[b] or voc.codes[b] for b in bits) if voc else ", ".join(f"skill {b}" for b in bits)
        out.append(Reason("skill", f"会{zh}", f"skilled in {en}"))
    if mem.recent_tasks[m] == 0:
        out.append(Reason("fair", "本月尚未服务", "no service yet this month"))
    start = int(tsk.start[t])
    wd = int(weekday_of(start))
    part_zh, part_en = day_part(start % DAY)
    if values[COLUMN["cover"]] >= 1.0 - 1e-6:
        out.append(Reason("cover.full", f"{WEEKDAYS_ZH[wd]}{part_zh}有空", f"free {WEEKDAYS_EN[wd]} {part_en}"))
    elif values[COLUMN["cover"]] >= p.min_cover - 1e-6:
        out.append(
            Reason(
                "cover.most", f"{WEEKDAYS_ZH[wd]}{part_zh}大部分时间有空", f"mostly free {WEEKDAYS_EN[wd]} {part_en}"
            )
        )
    if values[COLUMN["side"]] > 0:
        out.append(Reason("side", "回居住地社区服务", "serving where they live"))
    if mem.completed[m] >= RELIABLE_AFTER and mem.no_shows[m] == 0 and mem.late_cancels[m] == 0:
        out.append(Reason("reliable", "从未爽约", "never missed a task"))
    return out


def describe(p: Problem, m: int, t: int, values: np.ndarray, level: int, score: float | None = None) -> Suggestion:
    """A Suggestion from already computed component values (e.g. a candidate-graph row)."""
    m, t = int(m), int(t)
    score = float(total(p, values[None, :])[0]) if score is None else float(score)
    return Suggestion(
        m,
        t,
        int(p.members.ids[m]),
        int(p.tasks.ids[t]),
        score,
        breakdown(p, values),
        reasons(p, m, t, values, int(level)),
    )


def explain(p: Problem, m: int, t: int) -> Suggestion:
    """Score, breakdown and reasons for any pair; ``excluded`` says if a hard filter bars it."""
    share = covered_share(p, m, t)
    values, level = component_values(p, [m], [t], share)
    s = describe(p, m, t, values[0], int(level[0]))
    s.excluded = why_not(p, m, t)
    return s


__all__ = ["Reason", "Suggestion", "describe", "explain", "reasons"]
