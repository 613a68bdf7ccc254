"""What the scheduler leaves behind: a record per run, lock rows (SQLite), and reminder keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, UTCDateTime, utcnow

__all__ = ["JobRun", "JobLock", "ClaimReminder"]


class JobRun(Model):
    """One run of a scheduled job: when, by which process, how it ended, how much it did."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("outcome IN ('running','ok','failed','skipped')", name="outcome"),
        Index("ix_job_runs_job_started", "job", "started_at"),
        Index("ix_job_runs_outcome", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    # The business clock the job ran for (tests and run-once may set it); started and
    # finished are the wall clock.
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    items: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # host:pid of the process, so two schedulers started by mistake show up here.
    owner: Mapped[str] = mapped_column(String(120), default="")


class JobLock(Model):
    """A job's lock where there are no advisory locks (SQLite): taken by a conditional
    UPDATE (or the first INSERT), held until ``locked_until`` unless renewed or released."""

    __tablename__ = "job_locks"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)


class ClaimReminder(Model):
    """A reminder sent for a claim: the unique claim id makes the reminder job send it once."""

    __tablename__ = "claim_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
