"""Notify people: an inbox row, and outgoing messages through the outbox, in the caller's transaction.

Texts are catalogue ids with parameters (``N_("认领成功：%(task)s")``, ``{"task": title}``):
an inbox row is put together in its reader's language when read, an outgoing message in
its recipient's language when the ``send_outbox`` job sends it. Nothing leaves the system
inside a command: a command that rolls back takes its outbox rows with it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import JSON, Text, func, insert, literal, select, update

from ..database import UTCDateTime, utcnow
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, fill, render_message
from ..people.models import Account
from ..people.phones import mask_phone
from .models import OUTBOX_STATUSES, Notification, OutboxMessage

log = logging.getLogger(__name__)

TITLE_LIMIT = 120
# Every SMS carries the service's signature, in the recipient's language.
SMS_SIGNATURE = N_("【红色积分】%(text)s")

# Delivery: a failed send is tried again after 1, 2, 4 … minutes (at most an hour) and
# given up after MAX_ATTEMPTS; a row left "sending" longer than SENDING_TIMEOUT belongs
# to a run that died while sending, and is never sent again (it may have gone out).
MAX_ATTEMPTS = 5
BACKOFF_CAP = timedelta(hours=1)
SENDING_TIMEOUT = timedelta(minutes=10)
BATCH = 200
ERROR_LIMIT = 1000
INTERRUPTED = "interrupted: the sender was called but the result was never recorded"


class Sender(Protocol):
    """Outbound SMS or WeChat. Deployments plug in a real gateway; the default only logs.
    ``send`` raises when the message was not accepted (the outbox tries again later)."""

    def send(self, phone: str, text: str) -> None: ...


class LoggingSender:
    def send(self, phone: str, text: str) -> None:
        # Never a full phone number in the logs (PIPL).
        log.info("outbound message to %s: %s", mask_phone(phone), text)


_sender: Sender = LoggingSender()


def set_sender(sender: Sender) -> None:
    global _sender
    _sender = sender


def get_sender() -> Sender:
    return _sender


# --- rendering ----------------------------------------------------------------------------------


def render_in(language: str, message_id: str, params: dict[str, Any] | None = None) -> str:
    """The message in ``language``, inside or outside a request (an app context is enough)."""
    from flask import has_app_context

    if not has_app_context():
        return render_message(message_id, params)
    from flask_babel import force_locale

    with force_locale(language if language in LANGUAGES else DEFAULT_LANGUAGE):
        return _render_forced(message_id, params)


def _render_forced(message_id: str, params: dict[str, Any] | None) -> str:
    return render_message(message_id, params, translate=True)


def _source(message_id: str, params: dict[str, Any] | None) -> str:
    """The source-language (Chinese) text, kept beside the id for readers of the raw row."""
    return fill(message_id, message_id, params)


# --- the inbox ----------------------------------------------------------------------------------


def _inbox_values(kind: str, title: str, body: str, detail: str, link: str, params: dict | None) -> dict:
    params = dict(params or {})
    return {
        "kind": kind,
        "title": _source(title, params)[:TITLE_LIMIT],
        "body": _source(body, params) if body else detail,
        "link": link,
        "title_id": title,
        "body_id": body or None,
        "params": params,
    }


def notify(
    session,
    account_id: int | None,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    outbound: bool = False,
    *,
    params: dict[str, Any] | None = None,
    detail: str = "",
) -> Notification | None:
    """An inbox row for the account. ``title`` and ``body`` are message ids (with ``params``);
    ``detail`` is a body in someone's own words (a description, a reason), shown as written.
    ``outbound`` also queues the title as an SMS to the account's phone, in its language."""
    if account_id is None:
        return None
    note = Notification(account_id=account_id, **_inbox_values(kind, title, body, detail, link, params))
    session.add(note)
    if outbound:
        account = session.get(Account, account_id)
        if account is not None and account.phone:
            send_to_phone(session, account.phone, title, params, language=account.locale or DEFAULT_LANGUAGE)
    return note


def notify_member(
    session,
    member_id: int,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    *,
    params: dict[str, Any] | None = None,
    detail: str = "",
) -> None:
    """The member's inbox row, if they have an account, in one statement (claims call this on
    their hot path). Same texts as ``notify``."""
    values = _inbox_values(kind, title, body, detail, link, params)
    columns = ("account_id", *values, "created_at")
    session.execute(
        insert(Notification).from_select(
            columns,
            select(
                Account.id,
                literal(values["kind"]),
                literal(values["title"]),
                literal(values["body"]),
                literal(values["link"]),
                literal(values["title_id"], Text()),
                literal(values["body_id"], Text()),
                literal(values["params"], JSON()),
                literal(utcnow(), UTCDateTime()),
            ).where(Account.member_id == member_id),
        )
    )


def unread_count(session, account_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        )
        or 0
    )


def inbox(session, account_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.account_id == account_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session, account_id: int, notification_id: int | None = None) -> int:
    stmt = update(Notification).where(Notification.account_id == account_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return session.execute(stmt.values(read_at=utcnow())).rowcount


# --- the outbox ---------------------------------------------------------------------------------


def send_to_phone(
    session,
    phone: str,
    message: str,
    params: dict[str, Any] | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    channel: str = "sms",
) -> OutboxMessage:
    """Queue an SMS in the caller's transaction (residents have no account: they hear from us by
    SMS, in Chinese, and on their tracking page). The ``send_outbox`` job sends it after commit."""
    row = OutboxMessage(
        channel=channel,
        recipient=phone,
        message_id=message,
        params=dict(params or {}),
        language=language if language in LANGUAGES else DEFAULT_LANGUAGE,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(row)
    return row


def outbox_text(row: OutboxMessage) -> str:
    """What the recipient reads: the message in their language, with the SMS signature."""
    text = render_in(row.language, row.message_id, row.params)
    if row.channel == "sms":
        text = render_in(row.language, SMS_SIGNATURE, {"text": text})
    return text


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most BACKOFF_CAP."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _fail_interrupted(session, now: datetime) -> int:
    failed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at <= now - SENDING_TIMEOUT)
        .values(status="failed", last_error=INTERRUPTED)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return failed


def _claim_one(session, now: datetime) -> OutboxMessage | None:
    """The next due row, marked ``sending`` and committed, or None. Concurrent runs skip each
    other's rows on PostgreSQL (SKIP LOCKED); SQLite serialises the writers."""
    row = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        session.commit()
        return None
    row.status, row.attempts, row.claimed_at = "sending", row.attempts + 1, now
    session.commit()
    return row


def deliver_outbox(session, now: datetime | None = None, *, limit: int = BATCH, sender: Sender | None = None) -> dict:
    """Send what is due, each row at most once; returns counts (the job's "items" are the sent)."""
    now = now or utcnow()
    sender = sender or _sender
    counts = {"items": 0, "retry": 0, "failed": 0, "interrupted": _fail_interrupted(session, now)}
    for _ in range(limit):
        row = _claim_one(session, now)
        if row is None:
            break
        try:
            sender.send(row.recipient, outbox_text(row))
        except Exception as error:  # the gateway refused or was unreachable: try again later
            row.last_error = (f"{type(error).__name__}: {error}")[:ERROR_LIMIT]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
                counts["failed"] += 1
            else:
                row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
                counts["retry"] += 1
            log.warning("outbox %s: send failed (attempt %s): %s", row.id, row.attempts, row.last_error)
        else:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            counts["items"] += 1
        session.commit()
    return counts


def send_outbox(session) -> dict:
    """The scheduled job (every minute): the wall clock decides what is due."""
    return deliver_outbox(session)


def outbox_counts(session) -> dict[str, int]:
    """Rows by status, every status present (for /staff/jobs)."""
    found = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: found.get(status, 0) for status in OUTBOX_STATUSES}
