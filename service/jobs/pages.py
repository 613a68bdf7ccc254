"""/staff/jobs: the timetable, the last runs and the recent failures."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from ..database import db
from ..i18n import N_
from ..notifications.service import outbox_counts
from ..people.auth import current_scope
from ..people.scope import MANAGE
from ..periods import app_timezone
from .models import JobRun
from .registry import JOBS

pages = Blueprint("jobs_pages", __name__, template_folder="templates")

RECENT = 50
FAILURE_DAYS = 14
OUTCOME_LABELS = {
    "running": N_("运行中"),
    "ok": N_("成功"),
    "failed": N_("失败"),
    "skipped": N_("跳过（另一进程正在运行）"),
}
OUTBOX_LABELS = {
    "pending": N_("待发送"),
    "sending": N_("发送中"),
    "sent": N_("已发送"),
    "failed": N_("发送失败"),
}


def next_run(job, now: datetime, tz):
    trigger = (
        CronTrigger(timezone=tz, **job.args) if job.trigger == "cron" else IntervalTrigger(timezone=tz, **job.args)
    )
    return trigger.get_next_fire_time(None, now.astimezone(tz))


def job_overview(session, now: datetime, tz) -> dict:
    latest_ids = select(func.max(JobRun.id)).group_by(JobRun.job)
    last = {run.job: run for run in session.scalars(select(JobRun).where(JobRun.id.in_(latest_ids)))}
    recent = session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(RECENT)).all()
    failures = session.scalars(
        select(JobRun)
        .where(JobRun.outcome == "failed", JobRun.started_at >= now - timedelta(days=FAILURE_DAYS))
        .order_by(JobRun.id.desc())
        .limit(RECENT)
    ).all()
    timetable = [{"job": job, "next": next_run(job, now, tz), "last": last.get(job.id)} for job in JOBS]
    outbox = [{"status": k, "label": OUTBOX_LABELS[k], "count": n} for k, n in outbox_counts(session).items()]
    return {"timetable": timetable, "recent": recent, "failures": failures, "outbox": outbox}


@pages.get("/staff/jobs")
@login_required
def staff_jobs():
    scope = current_scope()
    if not scope.paths(MANAGE):
        return render_template("error.html", status=403, message=_("仅管理员可见")), 403
    data = job_overview(db.session, datetime.now(UTC), app_timezone())
    return render_template("jobs/runs.html", outcome_label=lambda k: _(OUTCOME_LABELS.get(k, k)), **data)
