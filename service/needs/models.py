"""Residents' needs (诉求), their history, the departments they are handed to, and time-limit policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, PathString, UTCDateTime, utcnow
from ..people.models import Account
from ..places.models import Area

__all__ = ["Department", "NeedPolicy", "Need", "NeedEvent", "NeedEscalation"]  # what service.models re-exports

STATUSES = ("submitted", "accepted", "rejected", "in_progress", "transferred", "resolved", "closed")
# Still someone's job: these carry a due time that can run out.
OPEN_STATUSES = ("submitted", "accepted", "in_progress", "transferred")
# 受理及以后: the base of the closure rate (rejected needs were never taken on).
TAKEN_ON = ("accepted", "in_progress", "transferred", "resolved", "closed")
FINISHED = ("resolved", "closed")
URGENCIES = ("normal", "urgent")
# 居民自报 / 敲门问需 (grid worker, building leader) / 社区录入.
CHANNELS = ("resident", "door_to_door", "staff")
EVENT_ACTIONS = (
    "submitted",
    "accepted",
    "rejected",
    "started",
    "transferred",
    "resolved",
    "rated",
    "reopened",
    "closed",
    "escalated",
)


def _in(values) -> str:
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


class Department(Model):
    """A functional department a community can hand a need to (转单, 社区吹哨、部门报到)."""

    __tablename__ = "departments"
    __table_args__ = (CheckConstraint("due_days BETWEEN 1 AND 90", name="due_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    # How long it usually has, when the transfer names no due date.
    due_days: Mapped[int] = mapped_column(Integer, default=5)
    contact: Mapped[str] = mapped_column(String(100), default="")
    # Retired departments stay for the history of needs sent to them.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NeedPolicy(Model):
    """An area's time limits; the deepest area with a value wins, built-in defaults otherwise."""

    __tablename__ = "need_policies"
    __table_args__ = (
        CheckConstraint("urgent_hours IS NULL OR urgent_hours BETWEEN 1 AND 2160", name="urgent_hours"),
        CheckConstraint("normal_hours IS NULL OR normal_hours BETWEEN 1 AND 2160", name="normal_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    # Null leaves that urgency to the area above.
    urgent_hours: Mapped[int | None] = mapped_column(Integer)
    normal_hours: Mapped[int | None] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship()


class Need(Model):
    """One resident's need, from intake to closure (问题清单 → 销号)."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(STATUSES)}", name="status"),
        CheckConstraint(f"urgency IN {_in(URGENCIES)}", name="urgency"),
        CheckConstraint(f"channel IN {_in(CHANNELS)}", name="channel"),
        CheckConstraint(
            "beneficiary_group IS NULL OR beneficiary_group IN ('special','hardship','key','volunteer','ordinary')",
            name="beneficiary_group",
        ),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        # The queue and the overdue job both read open needs by due time.
        Index("ix_needs_status_due", "status", "due_at"),
        # Duplicate check: the same phone's recent needs.
        Index("ix_needs_phone_created", "resident_phone", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the resident holds instead of an account: short, random, unambiguous.
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    # A compound/grid or building of the community; null for a community-wide need.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    # The place's path (the community's when no place): scoping and area filters are one range scan.
    place_path: Mapped[str] = mapped_column(PathString, index=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    resident_name: Mapped[str] = mapped_column(String(50))
    # Null when recorded on behalf of someone without a mobile (no SMS then).
    resident_phone: Mapped[str | None] = mapped_column(String(11))
    photo: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    # 五类人群: sensitive, shown to scoped staff only.
    beneficiary_group: Mapped[str | None] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # 首问负责: the account answerable for it from acceptance on.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    # The running time limit and when its clock started: the second escalation
    # comes one more such span after the due time.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community: Mapped[Area] = relationship(foreign_keys=[community_id])
    place: Mapped[Area | None] = relationship(foreign_keys=[place_id])
    owner: Mapped[Account | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[Account | None] = relationship(foreign_keys=[created_by_id])
    department: Mapped[Department | None] = relationship()
    events: Mapped[list[NeedEvent]] = relationship(
        back_populates="need", order_by="(NeedEvent.at, NeedEvent.id)", cascade="all, delete-orphan"
    )

    def is_overdue(self, now: datetime) -> bool:
        return self.status in OPEN_STATUSES and self.due_at < now

    @property
    def place_name(self) -> str:
        return self.place.name if self.place is not None else self.community.name

    @property
    def masked_tracking_code(self) -> str:
        """What staff see of the tracking code: enough to tell needs apart, not to rate one."""
        return self.tracking_code[:2] + "*" * max(0, len(self.tracking_code) - 2)


class NeedEvent(Model):
    """One step in a need's history: who (null: the resident or the system), when, from, to, why."""

    __tablename__ = "need_events"
    __table_args__ = (CheckConstraint(f"action IN {_in(EVENT_ACTIONS)}", name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")

    need: Mapped[Need] = relationship(back_populates="events")
    actor: Mapped[Account | None] = relationship()


class NeedEscalation(Model):
    """督办: an overdue need raised to an area above, once per level and due time."""

    __tablename__ = "need_escalations"
    # A second run of the job (or two at once) cannot raise the same level twice.
    __table_args__ = (UniqueConstraint("need_id", "level", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
