from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, utcnow

SIDES = ("residence", "unit", "other")
ENTRY_KINDS = ("award", "bonus", "penalty", "adjustment", "reversal")
BENEFICIARY_GROUPS = ("special", "hardship", "key", "volunteer", "ordinary")

ADJUSTMENT_STATUSES = ("pending", "approved", "rejected")
#: why an adjustment waits for a second approver: above the per-entry cap, or past the monthly sum
ADJUSTMENT_CAUSES = ("per_entry", "monthly")

__all__ = [
    "ServiceCategory",
    "ServiceItem",
    "RuleSet",
    "LedgerEntry",
    "PendingAdjustment",
    "MemberEvaluation",
    "GradeRun",
    "GradeResult",
]


class ServiceCategory(Model):
    """A class of the service catalogue (Quangang's 7 classes): points rules are per category."""

    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)

    items: Mapped[list[ServiceItem]] = relationship(back_populates="category", order_by="ServiceItem.sort")


class ServiceItem(Model):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[ServiceCategory] = relationship(back_populates="items")


class RuleSet(Model):
    """One published version of an area's point rules. Never edited: a change is a new version."""

    __tablename__ = "rule_sets"
    __table_args__ = (UniqueConstraint("area_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    body: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    area = relationship("Area")


class LedgerEntry(Model):
    """The append-only ledger of red points. Amounts are tenths of a point.

    Rows are only ever inserted: corrections are reversal entries pointing at the
    original, and PostgreSQL/SQLite triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("side IN ('residence','unit','other')", name="side"),
        CheckConstraint("kind IN ('award','bonus','penalty','adjustment','reversal')", name="kind"),
        Index("ix_ledger_member_booked", "member_id", "booked_at"),
        Index("ix_ledger_community_booked", "community_id", "booked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    amount: Mapped[int] = mapped_column(Integer)  # tenths of a point, signed
    side: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(40))
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(Integer)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_sets.id"))
    hours_tenths: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # When the service happened (caps per day use it) and when it was booked
    # (periods and rankings use it, so a closed period never changes).
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    member = relationship("Member")
    community = relationship("Area", foreign_keys=[community_id])
    rule_set = relationship(RuleSet)


class LedgerIsAppendOnly(Exception):
    pass


@event.listens_for(LedgerEntry, "before_update")
def _no_update(mapper, connection, target):
    raise LedgerIsAppendOnly("ledger entries are never updated; post a reversal instead")


@event.listens_for(LedgerEntry, "before_delete")
def _no_delete(mapper, connection, target):
    raise LedgerIsAppendOnly("ledger entries are never deleted; post a reversal instead")


class PendingAdjustment(Model):
    """A manual adjustment above the cap (four-eyes): nothing is in the ledger until a second
    admin of the same or higher role over the community approves it; then the ledger entry is
    written under the request's idempotency key. Rejected requests stay, with the reason."""

    __tablename__ = "pending_adjustments"
    __table_args__ = (
        CheckConstraint("status IN ('pending','approved','rejected')", name="status"),
        CheckConstraint("cause IN ('per_entry','monthly')", name="cause"),
        Index("ix_pending_adjustments_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    amount: Mapped[int] = mapped_column(Integer)  # tenths of a point, signed
    reason: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    # the requester's highest area role over the community when asking: the approver needs as much
    requester_role: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    member = relationship("Member")
    community = relationship("Area", foreign_keys=[community_id])
    requested_by = relationship("Account", foreign_keys=[requested_by_id])
    decided_by = relationship("Account", foreign_keys=[decided_by_id])


class MemberEvaluation(Model):
    """双评价: the residence community's short evaluation of a member for a month."""

    __tablename__ = "member_evaluations"
    __table_args__ = (
        UniqueConstraint("member_id", "community_id", "period_start"),
        CheckConstraint("rating IN ('excellent','good','fair','poor')", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period_start: Mapped[date] = mapped_column(Date)
    rating: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeRun(Model):
    """评定等次: grades computed for a scope and period, kept with the rule version used."""

    __tablename__ = "grade_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rule_sets.id"))
    method: Mapped[str] = mapped_column(String(12))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    results: Mapped[list[GradeResult]] = relationship(order_by="GradeResult.position")


class GradeResult(Model):
    __tablename__ = "grade_results"
    __table_args__ = (UniqueConstraint("run_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("grade_runs.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(10))
