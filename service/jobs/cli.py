"""``flask scheduler``: the one dedicated scheduler process, and running a job by hand.

No web worker ever builds a scheduler: only ``scheduler run`` does, in its own process
(``make scheduler`` beside ``make run``; a systemd unit or a container of its own in
production). Each run pushes a fresh app context, so nothing leaks between runs.
"""

from __future__ import annotations

import sys
from datetime import datetime, UTC
from zoneinfo import ZoneInfo

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import AppGroup

from ..database import db
from ..periods import app_timezone
from .registry import JOBS, PUBLICATIONS, get_job
from .runner import mark_interrupted, run_job

scheduler_cli = AppGroup("scheduler", help="Scheduled jobs: run the scheduler process, or one job by hand.")


def run_in_app(app, job_id: str, now: datetime | None = None) -> dict:
    """One run of one job inside its own app context (what the scheduler calls)."""
    with app.app_context():
        try:
            run = run_job(db.session, job_id, now=now or datetime.now(UTC), tz=app_timezone())
            return {"job": run.job, "outcome": run.outcome, "items": run.items, "error": run.error}
        finally:
            db.session.remove()


def build_scheduler(app, scheduler_class=None):
    """A scheduler with every job of the registry (not started)."""
    tz = ZoneInfo(app.config["TIMEZONE"])
    scheduler = (scheduler_class or BlockingScheduler)(
        timezone=tz,
        executors={"default": ThreadPoolExecutor(4), PUBLICATIONS: ThreadPoolExecutor(1)},
        # A run missed while the process was busy or paused still happens (once) within the hour.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in JOBS:
        scheduler.add_job(
            run_in_app, job.trigger, args=(app, job.id), id=job.id, name=job.id, executor=job.executor, **job.args
        )
    return scheduler


def catch_up(app, now: datetime | None = None) -> list[dict]:
    """Publish whatever ended while no scheduler was running, oldest first, before the timetable starts."""
    with app.app_context():
        mark_interrupted(db.session)
        db.session.remove()
    return [run_in_app(app, job.id, now) for job in JOBS if job.catch_up]


@scheduler_cli.command("run")
@click.option("--no-catch-up", is_flag=True, help="skip publishing the backlog at start")
def run_command(no_catch_up):
    """Run the scheduler in the foreground until interrupted (one such process per installation)."""
    app = current_app._get_current_object()
    if not no_catch_up:
        for result in catch_up(app):
            click.echo(f"catch-up {result['job']}: {result['outcome']} ({result['items']})")
    scheduler = build_scheduler(app)
    click.echo(f"scheduler started with {len(JOBS)} jobs in {app.config['TIMEZONE']}; Ctrl-C stops it")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@scheduler_cli.command("run-once")
@click.argument("job_id")
@click.option("--at", "at", default=None, help="run as of this ISO time (default: now)")
def run_once_command(job_id, at):
    """Run one job now, by hand (it takes the same lock and is recorded like a scheduled run)."""
    try:
        get_job(job_id)
    except KeyError as error:
        click.echo(str(error.args[0]), err=True)
        sys.exit(2)
    now = datetime.now(UTC)
    if at:
        moment = datetime.fromisoformat(at)
        now = (moment if moment.tzinfo else moment.replace(tzinfo=app_timezone())).astimezone(UTC)
    result = run_in_app(current_app._get_current_object(), job_id, now)
    click.echo(f"{result['job']}: {result['outcome']} ({result['items']} items)")
    if result["error"]:
        click.echo(result["error"], err=True)
    if result["outcome"] == "failed":
        sys.exit(1)


@scheduler_cli.command("list")
def list_command():
    """Every job with its trigger and next run time."""
    scheduler = build_scheduler(current_app._get_current_object())
    for job in scheduler.get_jobs():
        trigger = job.trigger
        click.echo(
            f"{job.id:20} {trigger!s:60} next {trigger.get_next_fire_time(None, datetime.now(trigger.timezone))}"
        )
