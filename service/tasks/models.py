from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, db, utcnow

__all__ = ["Task", "Claim", "Invitation", "task_needs"]

TASK_STATUSES = ("draft", "open", "full", "in_progress", "completed", "cancelled")
CLAIM_POLICIES = ("registered", "everyone", "invited")
TASK_KINDS = ("need", "activity", "patrol", "service")
# A claim holds a slot while it is one of these ("rejected": the member came, the work
# was not accepted; the slot was used). "waiting" is the waitlist; a no-show frees the slot.
SLOT_HOLDING = ("claimed", "checked_in", "done", "verified", "rejected")
CLAIM_STATUSES = ("waiting", "claimed", "checked_in", "done", "verified", "rejected", "no_show", "cancelled")
LIVE_CLAIM = ("waiting",) + SLOT_HOLDING

# Which needs a task serves: one task may answer several needs, and a need may take
# several tasks (a repair, then a follow-up visit).
task_needs = Table(
    "task_needs",
    db.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Task(Model):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('draft','open','full','in_progress','completed','cancelled')", name="status"),
        CheckConstraint("claim_policy IN ('registered','everyone','invited')", name="claim_policy"),
        CheckConstraint("slots >= 1 AND taken >= 0 AND taken <= slots", name="capacity"),
        CheckConstraint("starts_at < ends_at", name="window"),
        Index("ix_tasks_status_starts", "status", "starts_at"),
        Index("ix_tasks_community_starts", "community_id", "starts_at"),
        # The task hall: everyone-tasks, or a member's communities' registered ones, among the
        # open -- each branch of its OR one range of this partial index.
        Index(
            "ix_tasks_open_policy_community",
            "claim_policy",
            "community_id",
            postgresql_where=text("status IN ('open', 'full')"),
            sqlite_where=text("status IN ('open', 'full')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10), default="service")
    activity: Mapped[str | None] = mapped_column(String(20))
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # Where it happens: the community itself, a compound/grid or a building in it.
    place_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slots: Mapped[int] = mapped_column(Integer)
    # Slots held, kept by one conditional UPDATE per claim so no task is overbooked.
    taken: Mapped[int] = mapped_column(Integer, default=0)
    required_skills: Mapped[list] = mapped_column(JSON, default=list)
    preferred_skills: Mapped[list] = mapped_column(JSON, default=list)
    claim_policy: Mapped[str] = mapped_column(String(12), default="registered")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    beneficiary_group: Mapped[str | None] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    community = relationship("Area", foreign_keys=[community_id])
    place = relationship("Area", foreign_keys=[place_id])

    needs = relationship("Need", secondary=task_needs)

    @property
    def need_ids(self) -> list[int]:
        return [n.id for n in self.needs]

    @property
    def free_slots(self) -> int:
        return self.slots - self.taken


class Claim(Model):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(
            "status IN ('waiting','claimed','checked_in','done','verified','rejected','no_show','cancelled')",
            name="status",
        ),
        # One live claim (or waitlist place) per member per task.
        Index(
            "uq_claims_live",
            "task_id",
            "member_id",
            unique=True,
            postgresql_where=text("status IN ('waiting','claimed','checked_in','done','verified','rejected')"),
            sqlite_where=text("status IN ('waiting','claimed','checked_in','done','verified','rejected')"),
        ),
        Index("ix_claims_member_status", "member_id", "status"),
        Index("ix_claims_task_status", "task_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hours_tenths: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))

    task: Mapped[Task] = relationship()
    member = relationship("Member")


class Invitation(Model):
    """A member asked to take a slot (派单): accepted (a claim), declined, or expired."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("status IN ('pending','accepted','declined','expired','withdrawn')", name="status"),
        Index("ix_invitations_member_status", "member_id", "status"),
        Index("ix_invitations_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    dispatch_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped[Task] = relationship()
    member = relationship("Member")
