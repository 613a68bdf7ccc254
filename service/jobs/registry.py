"""Every scheduled job, declared as data: id, trigger, what it calls. The scheduler process
reads this list and nothing else; ``flask scheduler run-once JOB`` runs one entry by hand.

Targets are dotted paths resolved when the job runs, never at import: some live in
packages still being written (needs, tasks), and a missing one must show up as a
failed run on /staff/jobs, not as a scheduler that does not start. A target is called
with the keyword arguments named in ``passes`` (from: session, now, tz, keepalive) and
returns how many items it handled (an int, a sequence, a dict with "items", or None).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from ..i18n import N_

PUBLICATIONS = "publications"


@dataclass(frozen=True)
class Job:
    id: str
    trigger: str  # APScheduler trigger name: "cron" or "interval"
    args: dict  # the trigger's arguments, in the configured time zone
    target: str  # dotted path of the function called
    title: str = ""
    passes: tuple = ("session", "now")
    # Jobs sharing a lock never run at once, in this process or any other.
    lock: str | None = None
    # Publications run one at a time on their own thread, so a month's publication never
    # holds up the quarter-hourly jobs, and never competes with another publication.
    executor: str = "default"
    # Expiry of the SQLite lock row; renewed while the job reports progress.
    lock_minutes: int = 10
    catch_up: bool = False  # also run once when the scheduler starts

    @property
    def lock_name(self) -> str:
        return self.lock or self.id


class _Options(TypedDict, total=False):
    passes: tuple
    lock: str | None
    executor: str
    catch_up: bool


_PUBLISH: _Options = {
    "passes": ("session", "now", "tz", "keepalive"),
    "lock": PUBLICATIONS,
    "executor": PUBLICATIONS,
    "catch_up": True,
}

JOBS: tuple[Job, ...] = (
    Job(
        "rankings_week",
        "cron",
        {"day_of_week": "mon", "hour": 1, "minute": 0},
        "service.jobs.tasks.publish_weeks",
        N_("公示上周排名"),
        **_PUBLISH,
    ),
    Job(
        "rankings_month",
        "cron",
        {"day": 1, "hour": 1, "minute": 0},
        "service.jobs.tasks.publish_months",
        N_("公示上月排名"),
        **_PUBLISH,
    ),
    Job(
        "rankings_quarter",
        "cron",
        {"month": "1,4,7,10", "day": 1, "hour": 1, "minute": 0},
        "service.jobs.tasks.publish_quarters",
        N_("公示上季度排名"),
        **_PUBLISH,
    ),
    Job(
        "rankings_year",
        "cron",
        {"month": 1, "day": 1, "hour": 1, "minute": 0},
        "service.jobs.tasks.publish_years",
        N_("公示上年度排名"),
        **_PUBLISH,
    ),
    # Daily: a month's list goes out when its review window (red_black_settings) has passed.
    Job(
        "red_black_lists",
        "cron",
        {"hour": 1, "minute": 5},
        "service.jobs.tasks.publish_red_black_lists",
        N_("发布红黑榜"),
        **_PUBLISH,
    ),
    # Hourly safety net: whatever a failed or missed run left unpublished goes out within the hour.
    Job(
        "publication_sweep",
        "cron",
        {"minute": 45},
        "service.jobs.tasks.publish_everything",
        N_("补发未公示的排名和红黑榜"),
        **(_PUBLISH | {"catch_up": False}),
    ),
    Job("needs_escalate", "interval", {"minutes": 15}, "service.needs.service.escalate_overdue", N_("督办超时诉求")),
    Job(
        "needs_auto_close",
        "interval",
        {"hours": 1},
        "service.needs.service.auto_close_resolved",
        N_("自动关闭7天未评价的已办结诉求"),
    ),
    Job(
        "claim_reminders",
        "interval",
        {"minutes": 30},
        "service.jobs.tasks.remind_claims",
        N_("提醒24小时内开始的任务"),
        passes=("session", "now", "tz"),
    ),
    # An invitation nobody answered in time expires and its slot goes to the next best candidate.
    Job(
        "invitations_expire",
        "interval",
        {"minutes": 5},
        "service.matching.invitations.expire_and_reoffer",
        N_("过期未答复的派单邀请并改派下一位"),
        passes=("session", "now", "tz"),
    ),
    # 五见: each standing pair's visits due by its rhythm become tasks invited to the paired member.
    Job(
        "visits_generate",
        "cron",
        {"hour": 0, "minute": 20},
        "service.pairs.service.generate_due_visits",
        N_("按走访频次生成结对走访任务"),
        passes=("session", "now", "tz"),
        catch_up=True,
    ),
    # Outgoing messages (SMS) written by commands into the outbox go out after their commit,
    # each at most once; failed sends are retried with backoff, then given up (see /staff/jobs).
    Job(
        "send_outbox",
        "interval",
        {"minutes": 1},
        "service.notifications.service.send_outbox",
        N_("发送待发短信"),
        passes=("session",),
        lock_minutes=5,
    ),
    Job(
        "ledger_check",
        "cron",
        {"hour": 3, "minute": 30},
        "service.jobs.tasks.check_ledger",
        N_("积分账本一致性检查"),
        lock_minutes=30,
    ),
)

BY_ID = {job.id: job for job in JOBS}


def get_job(job_id: str) -> Job:
    try:
        return BY_ID[job_id]
    except KeyError:
        raise KeyError(f"no job {job_id!r}; known: {', '.join(BY_ID)}") from None
