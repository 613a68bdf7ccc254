"""双报到 records: one row per registration, never rewritten, and the history of its changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, utcnow
from ..people.models import Account, Member
from ..places.models import Area

__all__ = ["Registration", "RegistrationEvent"]  # what service.models re-exports

SIDES = ("residence", "unit")
STATUSES = ("pending", "approved", "rejected", "withdrawn", "superseded")
ACTIVE = "approved"

# The same predicate on both backends, so the migration and the models agree.
_APPROVED = text("status = 'approved'")
_PENDING = text("status = 'pending'")


class Registration(Model):
    """A member reporting (报到) to a community on one side.

    A row changes status but is never reused: moving house files a new row and
    the old one ends as ``superseded``, so points booked in the past can still
    be attributed to the side that was active at the time (``sides_at``).
    """

    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint("side IN ('residence','unit')", name="side"),
        CheckConstraint("status IN ('pending','approved','rejected','withdrawn','superseded')", name="status"),
        # An active or ended registration must say since when it counted.
        CheckConstraint("status IN ('pending','rejected') OR approved_at IS NOT NULL", name="approved_at"),
        CheckConstraint("status IN ('pending','approved','rejected') OR ended_at IS NOT NULL", name="ended_at"),
        # At most one active registration, and one waiting, per member and side.
        # The service checks first (to answer 409); these hold under races.
        Index(
            "uq_registrations_one_approved",
            "member_id",
            "side",
            unique=True,
            postgresql_where=_APPROVED,
            sqlite_where=_APPROVED,
        ),
        Index(
            "uq_registrations_one_pending",
            "member_id",
            "side",
            unique=True,
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        # Covering: a community's approved members (matching) without visiting the rows.
        Index("ix_registrations_community_status_member", "community_id", "status", "member_id", "side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    side: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # Set when staff filed against the residence/pairing rule, and why.
    override_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was rejected, withdrawn or superseded (the full story is in the events).
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it stopped being active (withdrawn or superseded); null while active.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))

    member: Mapped[Member] = relationship()
    community: Mapped[Area] = relationship()
    filed_by: Mapped[Account | None] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[Account | None] = relationship(foreign_keys=[decided_by_id])
    events: Mapped[list[RegistrationEvent]] = relationship(
        back_populates="registration",
        order_by="(RegistrationEvent.at, RegistrationEvent.id)",
        cascade="all, delete-orphan",
    )

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class RegistrationEvent(Model):
    """One change of a registration: who, when, why. Appended, never edited."""

    __tablename__ = "registration_events"
    __table_args__ = (
        CheckConstraint("action IN ('filed','approved','rejected','withdrawn','superseded')", name="action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)

    registration: Mapped[Registration] = relationship(back_populates="events")
    actor: Mapped[Account | None] = relationship()
