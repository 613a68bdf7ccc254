"""In-app inbox, and the outbox of messages that leave the system (SMS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, UTCDateTime, utcnow
from ..i18n import render_message

__all__ = ["Notification", "OutboxMessage", "OUTBOX_STATUSES"]


class Notification(Model):
    """One inbox row. New rows keep a message id (and one for the body, when it is a message)
    with their parameters, and are put together in the reader's language when read; ``title``
    and ``body`` hold the source-language text (rows written before message ids only have that,
    and a body that is the user's own words, such as a rejection reason, is kept there as is)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_account_unread", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    title_id: Mapped[str | None] = mapped_column(Text)
    body_id: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def shown_title(self) -> str:
        """The title in the current request's language."""
        return render_message(self.title_id, self.params) if self.title_id else self.title

    @property
    def shown_body(self) -> str:
        return render_message(self.body_id, self.params) if self.body_id else self.body


OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(Model):
    """A message leaving the system, written in the transaction of the command that caused it
    and sent afterwards by the ``send_outbox`` job, at most once: a row is marked ``sending``
    (and committed) before the sender is called, and a row found ``sending`` later is never
    sent again. The text is a message id with parameters, rendered in ``language`` when sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending','sending','sent','failed')", name="status"),
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), default="sms")
    recipient: Mapped[str] = mapped_column(String(32))  # a phone number
    message_id: Mapped[str] = mapped_column(Text)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="zh_CN")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when last marked sending
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
