"""Messages that leave the system go through the outbox: written in the command's transaction,
sent by the ``send_outbox`` job after commit, each at most once."""

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from service.database import db
from service.jobs import runner
from service.jobs.cli import run_in_app
from service.needs import service as needs
from service.notifications import service as notifications
from service.notifications.models import OutboxMessage
from service.people.models import Account
from tests.needs.conftest import public_need
from tests.web.test_pages import login

PHONE = "13912345678"
TZ = UTC


class Recorder:
    """A gateway that accepts everything (thread-safe), or refuses the first ``failures`` sends."""

    def __init__(self, failures: int = 0):
        self.failures, self.calls, self.received = failures, 0, []
        self.lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        with self.lock:
            self.calls += 1
            if self.calls <= self.failures:
                raise ConnectionError(f"gateway refused (call {self.calls})")
            self.received.append((phone, text))


@pytest.fixture
def gateway():
    recorder = Recorder()
    notifications.set_sender(recorder)
    yield recorder
    notifications.set_sender(notifications.LoggingSender())


def _rows(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _queue(session, n: int = 1, **kw) -> list[int]:
    rows = [notifications.send_to_phone(session, f"139{i:08d}", "测试短信 %(n)s", {"n": i}, **kw) for i in range(n)]
    session.commit()
    return [row.id for row in rows]


def test_a_command_that_rolls_back_sends_nothing(needs_world, session, gateway):
    needs.submit_public(session, public_need(needs_world), now=datetime.now(UTC))
    session.flush()
    assert [(r.recipient, r.status) for r in _rows(session)] == [(PHONE, "pending")]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert notifications.deliver_outbox(session)["items"] == 0
    assert gateway.calls == 0


def test_after_commit_the_job_sends_once_and_a_restarted_scheduler_does_not_send_again(
    api, needs_world, session, gateway, make_app
):
    code = api.post("/api/v1/needs", json=public_need(needs_world)).json["tracking_code"]
    assert gateway.calls == 0  # the request queued the SMS; nothing left during it
    [row] = _rows(session)
    assert (row.channel, row.recipient, row.language, row.status) == ("sms", PHONE, "zh_CN", "pending")
    assert row.message_id == "您的诉求已登记，查询码 %(code)s，可凭码查询办理进度并评价。" and row.params == {
        "code": code
    }
    session.commit()

    run = runner.run_job(session, "send_outbox", now=datetime.now(UTC), tz=TZ)
    assert (run.outcome, run.items) == ("ok", 1)
    assert gateway.received == [(PHONE, f"【红色积分】您的诉求已登记，查询码 {code}，可凭码查询办理进度并评价。")]
    [row] = _rows(session)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None) and row.sent_at is not None
    session.commit()

    # A scheduler restart: a new app, a new session, the job run again (and by hand, from the CLI).
    restarted = make_app()
    assert run_in_app(restarted, "send_outbox") == {"job": "send_outbox", "outcome": "ok", "items": 0, "error": None}
    result = restarted.test_cli_runner().invoke(args=["scheduler", "run-once", "send_outbox"])
    assert result.exit_code == 0 and "send_outbox: ok (0 items)" in result.output
    assert gateway.calls == 1


def test_the_text_is_rendered_in_the_recipients_language_when_sent(session, world, gateway):
    english = notifications.send_to_phone(
        session, "13900000001", "认领成功：%(task)s", {"task": "楼道清理"}, language="en"
    )
    chinese = notifications.send_to_phone(session, "13900000002", "认领成功：%(task)s", {"task": "楼道清理"})
    session.commit()
    assert (english.language, chinese.language) == ("en", "zh_CN")
    notifications.deliver_outbox(session)
    assert sorted(gateway.received) == [
        ("13900000001", "[Red Points] Claim confirmed: 楼道清理"),
        ("13900000002", "【红色积分】认领成功：楼道清理"),
    ]


def test_an_outbound_notification_queues_an_sms_in_the_accounts_language(session, world, gateway):
    account = session.get(Account, world.accounts["member"].id)
    account.locale = "en"
    notifications.notify(session, account.id, "test", "认领成功：%(task)s", params={"task": "楼道清理"}, outbound=True)
    session.commit()
    assert gateway.calls == 0
    notifications.deliver_outbox(session)
    assert gateway.received == [(account.phone, "[Red Points] Claim confirmed: 楼道清理")]


def test_a_failing_sender_is_retried_with_backoff_then_gives_up(session, world):
    [row_id] = _queue(session)
    t0 = datetime.now(UTC)
    failing = Recorder(failures=99)
    waits = []
    for attempt in range(1, notifications.MAX_ATTEMPTS + 1):
        early = notifications.deliver_outbox(session, t0 - timedelta(seconds=1), sender=failing)
        assert early["items"] == early["retry"] == early["failed"] == 0 and failing.calls == attempt - 1
        notifications.deliver_outbox(session, t0, sender=failing)
        row = session.get(OutboxMessage, row_id)
        assert failing.calls == row.attempts == attempt
        assert row.last_error == f"ConnectionError: gateway refused (call {attempt})"
        if attempt < notifications.MAX_ATTEMPTS:
            assert row.status == "pending"
            waits.append(row.next_attempt_at - t0)
            t0 = row.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert row.status == "failed" and row.sent_at is None
    notifications.deliver_outbox(session, t0 + timedelta(days=1), sender=failing)
    assert failing.calls == notifications.MAX_ATTEMPTS  # given up: never tried again


def test_a_sender_that_recovers_sends_on_the_retry(session, world):
    [row_id] = _queue(session)
    flaky = Recorder(failures=1)
    now = datetime.now(UTC)
    assert notifications.deliver_outbox(session, now, sender=flaky)["retry"] == 1
    assert notifications.deliver_outbox(session, now + timedelta(minutes=1), sender=flaky)["items"] == 1
    row = session.get(OutboxMessage, row_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert flaky.received == [("13900000000", "【红色积分】测试短信 0")]


def test_the_backoff_doubles_and_is_capped_at_an_hour():
    waits = [notifications.backoff(n) for n in (1, 2, 3, 6, 7, 30)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 32, 60, 60)]


class Crash(BaseException):
    """The process dies while the gateway has the message: nothing after the call runs."""


class CrashingSender(Recorder):
    def send(self, phone: str, text: str) -> None:
        super().send(phone, text)
        raise Crash


def test_a_row_left_sending_by_a_crash_is_never_sent_again(session, world, make_app):
    [row_id] = _queue(session)
    crashing = CrashingSender()
    with pytest.raises(Crash):
        notifications.deliver_outbox(session, sender=crashing)
    session.rollback()
    assert session.get(OutboxMessage, row_id).status == "sending"  # committed before the call
    session.commit()

    later = Recorder()
    restarted = make_app()
    with restarted.app_context():
        try:
            assert notifications.deliver_outbox(db.session, sender=later)["items"] == 0
            after = datetime.now(UTC) + notifications.SENDING_TIMEOUT + timedelta(seconds=1)
            assert notifications.deliver_outbox(db.session, after, sender=later)["interrupted"] == 1
        finally:
            db.session.remove()
    row = _rows(session)[0]
    assert (row.status, row.last_error) == ("failed", notifications.INTERRUPTED)
    assert crashing.calls == 1 and later.calls == 0


def test_two_concurrent_runs_send_each_row_exactly_once(session, world, app, is_postgres):
    """Two deliveries at once (the job lock aside): each claims rows the other skips."""
    if not is_postgres:
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises writers")
    ids = _queue(session, 40)
    session.close()
    gateway = Recorder()
    # Each run holds its first claimed row as "sending" until the other has claimed one too.
    both_sending = threading.Barrier(2, timeout=20)
    seen, errors = {}, []

    class Run:
        def __init__(self):
            self.first = True

        def send(self, phone, text):
            if self.first:
                self.first = False
                both_sending.wait()
            gateway.send(phone, text)
            seen.setdefault(threading.get_ident(), []).append(phone)

    def deliver():
        with app.app_context():
            try:
                notifications.deliver_outbox(db.session, sender=Run())
            except Exception as error:  # surfaced below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(seen) == 2  # both runs sent
    counts = Counter(phone for phone, _text in gateway.received)
    assert len(counts) == len(ids) and set(counts.values()) == {1}
    assert {r.status for r in _rows(session)} == {"sent"}


def test_staff_see_the_outbox_by_status_on_the_jobs_page(client, session, world):
    _queue(session, 3)
    notifications.deliver_outbox(session, sender=Recorder(), limit=1)
    session.close()
    login(client, world.accounts["community_admin"].phone)
    page = client.get("/staff/jobs").text
    assert '<tr id="outbox-pending"><td>待发送</td><td>2</td></tr>' in page
    assert '<tr id="outbox-sent"><td>已发送</td><td>1</td></tr>' in page
