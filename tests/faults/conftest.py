"""Real processes for the fault tests: gunicorn on a free loopback port, a plain HTTP client
with timeouts, and the process-tree look-ups needed to find (and kill) one worker.

Nothing here is mocked: the tests drive the same ``wsgi:app`` production runs, through
gunicorn's own worker management, against a real PostgreSQL.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.load import api_request

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(not PG_URL, reason="fault tests need PostgreSQL: set TEST_DATABASE_URL")
MESSAGE = "数据库暂时不可用，请稍后重试"


class GaveUp(AssertionError):
    pass


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    """Poll until ``predicate()`` returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise GaveUp(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_pids(parent: int) -> set[int]:
    """Live children of ``parent``, read from /proc (psutil is not a dependency)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone between listing and reading
            continue
        # The command name may contain spaces or brackets: the fields after it start at the last ')'.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z":
            found.add(int(entry.name))
    return found


def tagged_url(url: str, application_name: str) -> str:
    """The URL with an application_name, so the test can pick the server's backends out of
    pg_stat_activity on a PostgreSQL server that other tests share."""
    return make_url(url).update_query_dict({"application_name": application_name}).render_as_string(hide_password=False)


def waiting_behind(conn, application_name: str, blocker_pid: int):
    """The backend of ``application_name`` parked on a lock held by ``blocker_pid``, once it is
    there: its pid, its statement, and the tables its transaction has already written to."""
    return conn.execute(
        text(
            "SELECT a.pid, a.query,"
            "       ARRAY(SELECT c.relname::text FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            "             WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'"
            "             ORDER BY 1) AS writing"
            "  FROM pg_stat_activity a"
            " WHERE a.datname = current_database() AND a.application_name = :name"
            "   AND a.wait_event_type = 'Lock' AND :blocker = ANY(pg_blocking_pids(a.pid))"
        ),
        {"name": application_name, "blocker": blocker_pid},
    ).one_or_none()


def backend_state(conn, pid: int) -> str | None:
    """pg_stat_activity's state of one backend; None once it has gone."""
    return conn.scalar(text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    elapsed: float

    @property
    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def call(
    port: int, method: str, path: str, token: str | None = None, body: dict | None = None, timeout: float = 20.0
) -> Response:
    """One request on its own connection (gunicorn's sync workers close it after each answer anyway).
    Transport failures propagate: callers decide whether a dropped connection is expected."""
    headers, payload = api_request(token, body)
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return Response(
            response.status, {k.lower(): v for k, v in response.getheaders()}, data, time.monotonic() - started
        )
    finally:
        conn.close()


def healthz_status(port: int) -> int | None:
    try:
        return call(port, "GET", "/healthz", timeout=10).status
    except OSError:  # not listening yet, or a worker being replaced
        return None


@dataclass
class Gunicorn:
    proc: subprocess.Popen
    port: int
    log_path: Path
    workers_seen: set = field(default_factory=set)

    def workers(self) -> set[int]:
        pids = child_pids(self.proc.pid)
        self.workers_seen |= pids
        return pids

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_healthy(self, timeout: float = 90) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            return healthz_status(self.port) == 200

        try:
            wait_for(ready, timeout, "gunicorn to answer /healthz with 200", interval=0.2)
        except GaveUp as error:
            raise GaveUp(f"{error}\n--- gunicorn log ---\n{self.log_tail()}") from None

    def stop(self) -> None:
        workers = self.workers()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # A worker orphaned by a master that had to be killed would keep its database
        # connections (and this test's database) busy: end the ones we saw, checking each pid
        # still runs this server (its command line names our port), since a pid can be reused.
        for pid in self.workers_seen | workers:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"127.0.0.1:{self.port}".encode() in cmdline:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


@pytest.fixture
def gunicorn(tmp_path):
    """Start ``wsgi:app`` under gunicorn against a database URL; stopped at teardown, even on failure."""
    started: list[Gunicorn] = []

    def start(database_url: str, workers: int) -> Gunicorn:
        port = free_port()
        log_path = tmp_path / f"gunicorn-{uuid.uuid4().hex[:6]}.log"
        binary = Path(sys.executable).parent / "gunicorn"
        env = os.environ | {"DATABASE_URL": database_url, "SECRET_KEY": "fault-tests-secret"}
        env.pop("REDIS_URL", None)  # per-process rate-limit storage: these tests never touch a limited route
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    str(binary),
                    "--workers",
                    str(workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    # Long enough that gunicorn's own timeout never kills a worker the test is holding on a lock.
                    "--timeout",
                    "120",
                    "--graceful-timeout",
                    "5",
                    "wsgi:app",
                ],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Gunicorn(proc, port, log_path)
        started.append(server)
        server.wait_healthy()
        wait_for(lambda: len(server.workers()) == workers, 60, f"{workers} gunicorn workers")
        return server

    yield start
    for server in started:
        server.stop()
