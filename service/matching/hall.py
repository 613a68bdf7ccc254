""" "为你推荐" in the task hall: the few open tasks that suit a member best, with reasons in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ..tasks.models import Task
from .service import recommend_for


@dataclass
class Recommendation:
    task: Task
    score: float
    reasons: list[dict] = field(default_factory=list)
    text: dict = field(default_factory=dict)

    @property
    def reasons_text(self) -> str:
        return self.text.get(_lang(), self.text.get("zh", ""))


def _lang() -> str:
    try:
        from flask import has_request_context
        from flask_babel import get_locale

        if has_request_context():
            locale = get_locale()
            return "en" if locale is not None and str(locale).startswith("en") else "zh"
    except Exception:  # no app or no babel: Chinese first
        pass
    return "zh"


def recommended_for_member(
    session, member_id: int, now: datetime, tz: ZoneInfo, limit: int = 3
) -> list[Recommendation]:
    """Open tasks ranked for the member (``.task`` is the Task; ``.reasons_text`` the reasons in words)."""
    return [
        Recommendation(task, s["score"], s["reasons"], s["text"])
        for task, s in recommend_for(session, member_id, now, limit, tz)
    ]


__all__ = ["Recommendation", "recommended_for_member"]
