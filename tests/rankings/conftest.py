"""The app with the rankings and jobs blueprints and CLI (until create_app registers them),
and a clock: every test passes ``now`` explicitly."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service.jobs import models as _job_models  # noqa: F401  (tables known to the truncation between tests)
from service.rankings import models as _ranking_models  # noqa: F401

TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """A local (Asia/Shanghai) moment."""
    return datetime(*args, tzinfo=TZ)


def install(app):
    """Register what the lead will register in create_app; a no-op once that is done."""
    from service.extensions import api, csrf
    from service.jobs.cli import scheduler_cli
    from service.jobs.pages import pages as job_pages
    from service.rankings import pages as ranking_pages, routes

    if "rankings" not in app.blueprints:
        assert api._app is app, "register on the app flask-smorest was last initialised with"
        csrf.exempt(routes.api)
        api.register_blueprint(routes.api)
        app.register_blueprint(ranking_pages.pages)
    if "jobs_pages" not in app.blueprints:
        app.register_blueprint(job_pages)
    if "scheduler" not in app.cli.commands:
        app.cli.add_command(scheduler_cli)
    return app


@pytest.fixture
def app(make_app):
    return install(make_app())
