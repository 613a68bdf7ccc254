"""The database down: API calls answer 503 with the one error body and Retry-After, pages
the error page with the same message, /healthz 503; never a 500 with a traceback.

"Down" is real, not mocked: an app pointed at a PostgreSQL port nothing listens on (the
connection is refused at once; a short connect_timeout bounds it anyway), or at a SQLite
file that cannot be opened (a path under a directory that does not exist, which even
root cannot open). Each test's app is its own, so the shared test database is untouched.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from config import normalise_database_url

MESSAGE = "数据库暂时不可用，请稍后重试"
DEAD_POSTGRES = normalise_database_url("postgresql://postgres@127.0.0.1:1/x?connect_timeout=2")


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request, make_app, tmp_path):
    url = DEAD_POSTGRES if request.param == "postgresql" else f"sqlite:///{tmp_path}/no-such-dir/service.db"
    return make_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False)


def _assert_unavailable_json(r):
    assert r.status_code == 503, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json
    assert r.json["error"]["code"] == "unavailable"
    assert r.json["error"]["message"] == MESSAGE
    assert int(r.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "url, token",
    [
        ("/api/v1/needs/public?area_id=1", None),  # public, anonymous
        ("/api/v1/auth/me", "some-token"),  # the token lookup itself needs the database
        ("/api/v1/tasks?community_id=1", "some-token"),
    ],
)
def test_api_answers_503_with_the_error_body(down_app, url, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    _assert_unavailable_json(down_app.test_client().get(url, headers=headers))


def test_api_write_answers_503_too(down_app):
    r = down_app.test_client().post("/api/v1/auth/token", json={"phone": "13900000000", "password": "password-123"})
    _assert_unavailable_json(r)


def test_pages_show_the_message_on_the_error_page(down_app):
    r = down_app.test_client().get("/needs/new")
    assert r.status_code == 503
    assert r.mimetype == "text/html"
    assert MESSAGE in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) > 0


def test_healthz_answers_503(down_app):
    r = down_app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json == {"status": "degraded", "database": "unreachable"}


def _app_with_routes(make_app):
    app = make_app(RATELIMIT_ENABLED=False)

    @app.get("/api/v1/_test/invalidated")
    def invalidated():
        raise DBAPIError(
            "SELECT 1", {}, Exception("server closed the connection unexpectedly"), connection_invalidated=True
        )

    @app.get("/api/v1/_test/integrity")
    def integrity():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    return app


def test_a_connection_the_pool_invalidated_is_503(make_app):
    _assert_unavailable_json(_app_with_routes(make_app).test_client().get("/api/v1/_test/invalidated"))


def test_other_database_errors_stay_500_not_503(make_app):
    """An integrity error is a bug, not an outage: it must not hide behind 'try again later'."""
    with pytest.raises(IntegrityError):  # tests propagate exceptions: a 500 in production, not a 503
        _app_with_routes(make_app).test_client().get("/api/v1/_test/integrity")
