"""Standing pairs (结对帮扶) between members and residents of the five groups, visit rhythms (五见), visits.

The matcher reads ``StandingPair`` (member_id, beneficiary_id, group, active) to lift a
member for a need whose resident is their pair; ``beneficiary_for_need`` in the service
says which beneficiary a need's resident is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, PathString, UTCDateTime, utcnow
from ..i18n import N_
from ..places.models import Area

__all__ = ["Beneficiary", "StandingPair", "VisitRhythm", "Visit"]

# 五类人群, as on needs and tasks (service.points.models.BENEFICIARY_GROUPS).
GROUPS = ("special", "hardship", "key", "volunteer", "ordinary")
GROUP_LABELS = {
    "special": N_("特殊群体"),
    "hardship": N_("困难群体"),
    "key": N_("重点群体"),
    "volunteer": N_("志愿群体"),
    "ordinary": N_("普通群体"),
}

# Periodic rhythms generate one visit per period; the event-driven ones generate nothing
# (the member sees the resident at activities, or when the resident comes to a consultation).
PERIODIC = ("daily", "weekly", "monthly")
RHYTHMS = PERIODIC + ("at_activities", "at_consultations")
RHYTHM_LABELS = {
    "daily": N_("每日一见"),
    "weekly": N_("每周一见"),
    "monthly": N_("每月一见"),
    "at_activities": N_("活动时见"),
    "at_consultations": N_("议事时见"),
}
# Fengxin's 五见: 特殊群体天天见, 困难群体周周见, 重点群体定期见, 志愿群体活动见, 普通群体议事见.
DEFAULT_RHYTHMS = {
    "special": "daily",
    "hardship": "weekly",
    "key": "monthly",
    "volunteer": "at_activities",
    "ordinary": "at_consultations",
}

# due: recorded, its task not made yet; invited: the task and the invitation exist;
# done: a verified claim; missed: the period ended without one; cancelled: the pair ended first.
VISIT_STATUSES = ("due", "invited", "done", "missed", "cancelled")


def _in(values) -> str:
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


class Beneficiary(Model):
    """A resident of the five groups someone is paired with. Residents hold no account; the phone is sensitive."""

    __tablename__ = "beneficiaries"
    __table_args__ = (
        CheckConstraint(f"beneficiary_group IN {_in(GROUPS)}", name="beneficiary_group"),
        # One record per mobile number in a community (numbers are optional: not everyone has one).
        UniqueConstraint("community_id", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The building (or compound/grid) where the resident lives; the community when unknown.
    place_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # The place's path: scoping and rhythm resolution read it without a join.
    place_path: Mapped[str] = mapped_column(PathString, index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(11))
    beneficiary_group: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    community: Mapped[Area] = relationship(foreign_keys=[community_id])
    place: Mapped[Area] = relationship(foreign_keys=[place_id])


class StandingPair(Model):
    """结对: a member answers for one resident; visits follow the group's rhythm while it is active."""

    __tablename__ = "standing_pairs"
    __table_args__ = (
        CheckConstraint(f"beneficiary_group IN {_in(GROUPS)}", name="beneficiary_group"),
        CheckConstraint("active OR ended_at IS NOT NULL", name="ended"),
        # One live pair between the same member and resident.
        Index(
            "uq_standing_pairs_active",
            "member_id",
            "beneficiary_id",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
        Index("ix_standing_pairs_beneficiary_active", "beneficiary_id", "active"),
        Index("ix_standing_pairs_member_active", "member_id", "active"),
        Index("ix_standing_pairs_community_active", "community_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiaries.id"))
    # The resident's group when paired: it picks the visit rhythm.
    beneficiary_group: Mapped[str] = mapped_column(String(12))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    member = relationship("Member")
    beneficiary: Mapped[Beneficiary] = relationship()
    community: Mapped[Area] = relationship()

    @property
    def group(self) -> str:
        return self.beneficiary_group


class VisitRhythm(Model):
    """An area's visit rhythm for one group; the deepest area with a row wins, 五见 defaults otherwise."""

    __tablename__ = "visit_rhythms"
    __table_args__ = (
        UniqueConstraint("area_id", "beneficiary_group"),
        CheckConstraint(f"beneficiary_group IN {_in(GROUPS)}", name="beneficiary_group"),
        CheckConstraint(f"rhythm IN {_in(RHYTHMS)}", name="rhythm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    beneficiary_group: Mapped[str] = mapped_column(String(12))
    rhythm: Mapped[str] = mapped_column(String(16))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship()


class Visit(Model):
    """One period's visit of a pair: at most one per pair and period start, so generation is idempotent."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("pair_id", "period_start"),
        CheckConstraint(f"status IN {_in(VISIT_STATUSES)}", name="status"),
        CheckConstraint(f"rhythm IN {_in(PERIODIC)}", name="rhythm"),
        CheckConstraint("period_start < period_end", name="period"),
        # The overdue list: visits still open whose period has ended.
        Index("ix_visits_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("standing_pairs.id"))
    rhythm: Mapped[str] = mapped_column(String(16))
    # Local days: the first of the period and the first after it.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # The period's end as an instant (local midnight): after it an unverified visit is missed.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="due")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pair: Mapped[StandingPair] = relationship()
    task = relationship("Task")

    @property
    def last_day(self) -> date:
        return self.period_end - timedelta(days=1)
