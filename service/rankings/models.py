"""Published rankings: immutable snapshots and their rows, and the monthly 红黑榜 of units."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, utcnow

__all__ = ["RankingSnapshot", "SnapshotRow", "RedBlackSetting", "RedBlackList", "RedBlackEntry"]

AREA_SCOPES = ("city", "district", "street", "community")
SCOPE_KINDS = AREA_SCOPES + ("unit",)
RANK_SIDES = ("total", "residence", "unit")
VERDICTS = ("red", "black")


def _in(values) -> str:
    return "(" + ",".join(f"'{v}'" for v in values) + ")"


class RankingSnapshot(Model):
    """One published ranking of a scope for a period and side. Never edited: a correction is a
    new version that supersedes it, and the old one stays readable."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (
        CheckConstraint(f"scope_kind IN {_in(SCOPE_KINDS)}", name="scope_kind"),
        CheckConstraint("period_kind IN ('week','month','quarter','year')", name="period_kind"),
        CheckConstraint(f"side IN {_in(RANK_SIDES)}", name="side"),
        CheckConstraint("version >= 1 AND (version = 1) = (supersedes_id IS NULL)", name="version"),
        # Publishing a period twice finds version 1 already there; a correction racing
        # another correction of the same version loses on either key.
        UniqueConstraint(
            "scope_kind", "scope_id", "period_kind", "period_start", "side", "version", name="uq_ranking_snapshots_key"
        ),
        Index("ix_ranking_snapshots_period", "period_kind", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(10))
    # An area id for city/district/street/community, a unit id for unit.
    scope_id: Mapped[int] = mapped_column(Integer)
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    side: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("ranking_snapshots.id"), unique=True)
    # Distinct rule sets of the entries summed: the rules behind the points, for the record.
    rule_set_ids: Mapped[list] = mapped_column(JSON, default=list)
    # The largest ledger entry id read: the snapshot sums exactly the entries up to it.
    ledger_high_water: Mapped[int] = mapped_column(Integer)
    # Membership (residence registration or home) is taken as of this moment.
    membership_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ranked_count: Mapped[int] = mapped_column(Integer)
    # Members of the scope with no points in the period, by id: listed after the ranked
    # rows. Kept as one list, not as rows: at city scale they are most members of every
    # scope, and rows would triple the publication's time and storage.
    unranked_member_ids: Mapped[list] = mapped_column(JSON, default=list)
    checksum: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    supersedes: Mapped[RankingSnapshot | None] = relationship(remote_side=[id])

    @property
    def row_count(self) -> int:
        return self.ranked_count + len(self.unranked_member_ids or ())


class SnapshotRow(Model):
    """A ranked member of a snapshot, in display order. Inserted with the snapshot, never changed.

    No foreign keys here, on purpose: rows are written only by the publication, in their
    snapshot's own transaction right after it, and neither snapshots nor members are ever
    deleted. A key check per row more than tripled the COPY of a city's month (measured:
    3.1 s against 1.0 s for 300,000 rows on PostgreSQL).
    """

    __tablename__ = "snapshot_rows"
    __table_args__ = (UniqueConstraint("snapshot_id", "member_id"),)

    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)  # standard competition rank: 1, 2, 2, 4
    points: Mapped[int] = mapped_column(Integer)  # tenths of a point
    # When the member's running sum first reached this total: earlier wins within a tie.
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RedBlackSetting(Model):
    """An area's thresholds for the 红黑榜; the deepest area with a row wins, defaults otherwise."""

    __tablename__ = "red_black_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    thresholds: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RedBlackList(Model):
    """A street's or city's published 红黑榜 for a month: every unit's figures, some marked red or black."""

    __tablename__ = "red_black_lists"
    __table_args__ = (UniqueConstraint("area_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # The thresholds applied, as they were: later changes to the settings do not rewrite it.
    thresholds: Mapped[dict] = mapped_column(JSON)
    ledger_high_water: Mapped[int] = mapped_column(Integer)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checksum: Mapped[str] = mapped_column(String(64))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    area = relationship("Area")
    entries: Mapped[list[RedBlackEntry]] = relationship(order_by="RedBlackEntry.position")


class RedBlackEntry(Model):
    """One unit's participation figures in a published list, and its verdict (red, black or none)."""

    __tablename__ = "red_black_entries"
    __table_args__ = (
        CheckConstraint(f"verdict IS NULL OR verdict IN {_in(VERDICTS)}", name="verdict"),
        UniqueConstraint("list_id", "unit_id"),
    )

    list_id: Mapped[int] = mapped_column(ForeignKey("red_black_lists.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    verdict: Mapped[str | None] = mapped_column(String(5))
    members: Mapped[int] = mapped_column(Integer)  # in-service party members
    registered_both: Mapped[int] = mapped_column(Integer)  # with both registrations approved
    served_residence: Mapped[int] = mapped_column(Integer)  # with verified residence-side service
    points: Mapped[int] = mapped_column(Integer)  # tenths, all their points in the month

    unit = relationship("Unit")
