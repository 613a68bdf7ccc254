"""What the matcher keeps in the database: per-area settings, neighbouring zones, dispatch runs.

Invitations themselves are ``tasks.models.Invitation`` (a dispatch run's invitations
carry its id in ``Invitation.dispatch_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, utcnow

__all__ = ["MatchingSettings", "AreaNeighbour", "DispatchRun"]


class MatchingSettings(Model):
    """Weights and deadlines for an area's subtree; the nearest area up the tree that has a row wins."""

    __tablename__ = "matching_settings"
    __table_args__ = (
        CheckConstraint("invitation_hours IS NULL OR invitation_hours BETWEEN 1 AND 720", name="invitation_hours"),
        CheckConstraint("min_cover IS NULL OR (min_cover > 0 AND min_cover <= 1)", name="min_cover"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    # Overrides of matching.DEFAULT_WEIGHTS, e.g. {"near": 4.0}; missing keys keep the default.
    weights: Mapped[dict] = mapped_column(JSON, default=dict)
    min_cover: Mapped[float | None] = mapped_column(Float)
    invitation_hours: Mapped[int | None] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AreaNeighbour(Model):
    """Two compounds/grids next to each other (the matcher's "neighbouring grid" nearness)."""

    __tablename__ = "area_neighbours"
    __table_args__ = (
        UniqueConstraint("area_id", "neighbour_id"),
        CheckConstraint("area_id <> neighbour_id", name="distinct"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)


class DispatchRun(Model):
    """One sent dispatch (派单): which area and window, which solver ran, what it filled."""

    __tablename__ = "dispatch_runs"
    __table_args__ = (
        CheckConstraint("solver IN ('exact','greedy')", name="solver"),
        CheckConstraint("window_start < window_end", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    solver: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    slots: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer)
    total_score: Mapped[float] = mapped_column(Float)
    # Per task left (partly) empty: {"task_id", "open", "filled", "reasons": [...]}.
    unfilled: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area")
