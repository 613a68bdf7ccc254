"""Notify people: an inbox row in the same transaction, and an outbound message through the sender."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import func, insert, literal, select, update

from ..database import UTCDateTime, utcnow
from ..people.models import Account
from ..people.phones import mask_phone
from .models import Notification

log = logging.getLogger(__name__)


class Sender(Protocol):
    """Outbound SMS or WeChat. Deployments plug in a real gateway; the default only logs."""

    def send(self, phone: str, text: str) -> None: ...


class LoggingSender:
    def send(self, phone: str, text: str) -> None:
        # Never a full phone number in the logs (PIPL).
        log.info("outbound message to %s: %s", mask_phone(phone), text)


_sender: Sender = LoggingSender()


def set_sender(sender: Sender) -> None:
    global _sender
    _sender = sender


def notify(
    session, account_id: int | None, kind: str, title: str, body: str = "", link: str = "", outbound: bool = False
) -> Notification | None:
    if account_id is None:
        return None
    note = Notification(account_id=account_id, kind=kind, title=title, body=body, link=link)
    session.add(note)
    if outbound:
        account = session.get(Account, account_id)
        if account is not None:
            _sender.send(account.phone, title)
    return note


def notify_member(session, member_id: int, kind: str, title: str, body: str = "", link: str = "") -> None:
    """The member's inbox row, if they have an account, in one statement (claims call this on
    their hot path)."""
    columns = ("account_id", "kind", "title", "body", "link", "created_at")
    session.execute(
        insert(Notification).from_select(
            columns,
            select(
                Account.id,
                literal(kind),
                literal(title),
                literal(body),
                literal(link),
                literal(utcnow(), UTCDateTime()),
            ).where(Account.member_id == member_id),
        )
    )


def send_to_phone(phone: str, text: str) -> None:
    """Residents have no account: they hear from us by SMS and on their tracking page."""
    _sender.send(phone, text)


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
