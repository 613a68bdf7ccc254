"""The job registry and the scheduler built from it; web workers never build one."""

import pytest
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.background import BackgroundScheduler

from service.jobs import cli, runner
from service.jobs.registry import BY_ID, JOBS, PUBLICATIONS
from service.jobs.pages import next_run
from tests.rankings.conftest import TZ, at


def test_every_job_is_declared_once_with_a_dotted_target():
    assert len(BY_ID) == len(JOBS)
    for job in JOBS:
        assert job.trigger in ("cron", "interval") and job.target.count(".") >= 2
        assert set(job.passes) <= {"session", "now", "tz", "keepalive"}
    assert {j.id for j in JOBS if j.lock_name == PUBLICATIONS} == {
        "rankings_week",
        "rankings_month",
        "rankings_quarter",
        "rankings_year",
        "red_black_lists",
        "publication_sweep",
    }


@pytest.mark.parametrize(
    "job_id, now, expected",
    [
        ("rankings_month", at(2026, 11, 22, 9), at(2026, 12, 1, 1)),
        ("rankings_week", at(2026, 11, 22, 9), at(2026, 11, 23, 1)),  # a Sunday: next Monday
        ("rankings_quarter", at(2026, 11, 22, 9), at(2027, 1, 1, 1)),
        ("rankings_year", at(2026, 11, 22, 9), at(2027, 1, 1, 1)),
        ("rankings_month", at(2026, 12, 1, 0, 59), at(2026, 12, 1, 1)),
    ],
)
def test_publications_fire_just_after_each_period_ends(job_id, now, expected):
    assert next_run(BY_ID[job_id], now, TZ) == expected


def test_the_scheduler_holds_every_job_on_its_executor(app):
    scheduler = cli.build_scheduler(app, BackgroundScheduler)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(BY_ID)
    assert jobs["rankings_month"].executor == PUBLICATIONS and jobs["needs_escalate"].executor == "default"
    assert jobs["needs_escalate"].func is cli.run_in_app and jobs["needs_escalate"].args == (app, "needs_escalate")


def test_no_web_worker_builds_a_scheduler(make_app, monkeypatch, world):
    built = []
    original = BaseScheduler.__init__

    def spy(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(BaseScheduler, "__init__", spy)
    from tests.rankings.conftest import install

    app = install(make_app())
    client = app.test_client()
    for url in ("/", "/healthz", f"/boards/{world.community_a.id}", "/api/v1/openapi.json"):
        assert client.get(url).status_code in (200, 404)
    assert built == []


def test_a_missing_target_is_named_clearly():
    with pytest.raises(runner.MissingTarget, match="service.needs.service.no_such_job_yet"):
        runner.resolve("service.needs.service.no_such_job_yet")
    with pytest.raises(runner.MissingTarget, match="cannot be imported"):
        runner.resolve("service.not_a_package_yet.service.run")
    assert runner.resolve("service.jobs.tasks.check_ledger").__name__ == "check_ledger"
