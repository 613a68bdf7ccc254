"""The jobs' own targets: claim reminders (once per claim), invitation expiry, the CLI and the runs page."""

from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from service.jobs import cli, runner
from service.jobs.models import ClaimReminder, JobRun
from service.notifications.models import Notification
from service.tasks.models import Claim, Invitation, Task
from tests.factories import add_login, make_member, settle
from tests.rankings.conftest import TZ, at
from tests.web.test_pages import login

NOW = at(2026, 11, 20, 9)


def _task(session, world, starts, status="open", title="楼道清理"):
    task = Task(
        title=title,
        community_id=world.community_a.id,
        place_id=world.community_a.id,
        category="environment",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        slots=5,
        taken=1,
        status=status,
    )
    session.add(task)
    session.flush()
    return task


def test_members_are_reminded_once_of_claims_starting_within_a_day(session, world):
    add_login(session, world, "member_b", member=world.member_b)
    soon = _task(session, world, NOW + timedelta(hours=10), title="敬老院探访")
    later = _task(session, world, NOW + timedelta(hours=30))
    cancelled = _task(session, world, NOW + timedelta(hours=5), status="cancelled")
    session.add_all(
        [
            Claim(task_id=soon.id, member_id=world.member_a.id, status="claimed"),
            Claim(task_id=soon.id, member_id=world.member_b.id, status="waiting"),
            Claim(task_id=later.id, member_id=world.member_a.id, status="claimed"),
            Claim(task_id=cancelled.id, member_id=world.member_b.id, status="claimed"),
        ]
    )
    settle(session)
    run = runner.run_job(session, "claim_reminders", now=NOW, tz=TZ)
    assert (run.outcome, run.items) == ("ok", 1)
    notes = session.scalars(select(Notification)).all()
    assert [(n.account_id, n.title) for n in notes] == [
        (world.accounts["member"].id, "任务提醒：敬老院探访 将于 11-20 19:00 开始")
    ]
    assert runner.run_job(session, "claim_reminders", now=NOW + timedelta(minutes=30), tz=TZ).items == 0
    # A day later the other claim is due: reminded then, and the first never again.
    assert runner.run_job(session, "claim_reminders", now=NOW + timedelta(hours=7), tz=TZ).items == 1
    assert session.scalar(select(func.count()).select_from(ClaimReminder)) == 2
    assert session.scalar(select(func.count()).select_from(Notification)) == 2


def test_unanswered_invitations_expire(session, world):
    task = _task(session, world, NOW + timedelta(days=2))
    other = make_member(session, "王五", building=world.building_a)
    session.add_all(
        [
            Invitation(
                task_id=task.id, member_id=world.member_a.id, status="pending", expires_at=NOW - timedelta(minutes=1)
            ),
            Invitation(
                task_id=task.id, member_id=world.member_b.id, status="pending", expires_at=NOW + timedelta(hours=1)
            ),
            Invitation(task_id=task.id, member_id=other.id, status="declined", expires_at=NOW - timedelta(hours=1)),
        ]
    )
    settle(session)
    run = runner.run_job(session, "invitations_expire", now=NOW, tz=TZ)
    assert (run.outcome, run.items) == ("ok", 1)
    statuses = dict(session.execute(select(Invitation.member_id, Invitation.status)).all())
    assert statuses == {world.member_a.id: "expired", world.member_b.id: "pending", other.id: "declined"}
    assert runner.run_job(session, "invitations_expire", now=NOW, tz=TZ).items == 0


def test_run_once_from_the_command_line(app, session, ledger):
    result = app.test_cli_runner().invoke(args=["scheduler", "run-once", "rankings_month", "--at", "2026-11-01T01:00"])
    assert result.exit_code == 0, result.output
    assert "rankings_month: ok (48 items)" in result.output
    unknown = app.test_cli_runner().invoke(args=["scheduler", "run-once", "no_such_job"])
    assert unknown.exit_code == 2 and "no job 'no_such_job'" in unknown.output
    listed = app.test_cli_runner().invoke(args=["scheduler", "list"])
    assert listed.exit_code == 0 and "rankings_month" in listed.output and "needs_escalate" in listed.output


def test_scheduler_run_catches_up_then_starts_the_timetable(app, session, ledger, monkeypatch):
    started = []

    class Recorded(BackgroundScheduler):
        def start(self, *args, **kwargs):
            started.append(sorted(job.id for job in self.get_jobs()))

    real = cli.build_scheduler
    monkeypatch.setattr(cli, "build_scheduler", lambda app_: real(app_, Recorded))
    result = app.test_cli_runner().invoke(args=["scheduler", "run"])
    assert result.exit_code == 0, result.output
    assert "catch-up rankings_month: ok" in result.output and len(started) == 1 and "ledger_check" in started[0]
    assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "rankings_month")) == 1


def test_staff_see_the_timetable_last_runs_and_failures(client, session, world):
    runner.run_job(session, "invitations_expire", now=NOW, tz=TZ)
    failed = JobRun(
        job="needs_escalate",
        as_of=NOW,
        outcome="failed",
        owner="host:1",
        details={},
        error="job target missing: service.needs.service.escalate_overdue",
    )
    session.add(failed)
    session.commit()
    session.close()
    login(client, world.member_a.phone)
    assert client.get("/staff/jobs").status_code == 403
    login(client, world.accounts["community_admin"].phone)
    page = client.get("/staff/jobs").text
    assert 'id="job-rankings_month"' in page and "公示上月排名" in page
    failures = page.split('id="failures"')[1].split("</section>")[0]
    assert "escalate_overdue" in failures
    assert "invitations_expire" in page.split('id="recent-runs"')[1]


def test_the_needs_jobs_run_the_needs_package_through_the_registry(session, world):
    from service.needs.models import Need
    from tests.factories import make_need

    resolved = make_need(
        session,
        world.community_a,
        status="resolved",
        created_at=NOW - timedelta(days=10),
        resolved_at=NOW - timedelta(days=8),
    )
    overdue = make_need(
        session,
        world.community_a,
        status="accepted",
        created_at=NOW - timedelta(days=3),
        due_at=NOW - timedelta(hours=1),
    )
    settle(session)
    closing = runner.run_job(session, "needs_auto_close", now=NOW, tz=TZ)
    assert (closing.outcome, closing.items) == ("ok", 1), closing.error
    escalating = runner.run_job(session, "needs_escalate", now=NOW, tz=TZ)
    assert escalating.outcome == "ok" and escalating.items >= 1, escalating.error
    assert session.get(Need, resolved.id).status == "closed"
    assert session.get(Need, overdue.id).escalation_level >= 1
