from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, PathString, UTCDateTime, utcnow

# Depth of each kind in the tree; a child must sit deeper than its parent.
# Compounds and grids are alternatives at one level, except that an old open
# compound may be cut into grids (Chizhou: 300–500 households each).
AREA_LEVEL = {
    "city": 0,
    "district": 1,
    "street": 2,
    "community": 3,
    "compound": 4,
    "grid": 4,
    "building": 5,
}
AREA_KINDS = tuple(AREA_LEVEL)

UNIT_KINDS = ("government", "enterprise", "institution", "social_org")


def may_contain(parent_kind: str, child_kind: str) -> bool:
    if parent_kind == "compound" and child_kind == "grid":
        return True
    return AREA_LEVEL[child_kind] > AREA_LEVEL[parent_kind]


class Area(Model):
    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint("kind IN ('city','district','street','community','compound','grid','building')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Materialised path of ids, "/1/5/23/": a subtree is one index range.
    path: Mapped[str] = mapped_column(PathString, index=True, default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: Area) -> bool:
        return other.path.startswith(self.path)


class Unit(Model):
    """A work unit (机关/企业/事业单位/社会组织); outside the tree, paired with communities."""

    __tablename__ = "units"
    __table_args__ = (CheckConstraint("kind IN ('government','enterprise','institution','social_org')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The area whose organisation department manages the unit (its owner).
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    pairings: Mapped[list[UnitPairing]] = relationship(back_populates="unit", cascade="all, delete-orphan")

    @property
    def community_ids(self) -> list[int]:
        return sorted(p.community_id for p in self.pairings)


class UnitPairing(Model):
    """单位挂点社区: a unit paired with a community (共驻共建)."""

    __tablename__ = "unit_pairings"
    __table_args__ = (UniqueConstraint("unit_id", "community_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="pairings")
    community: Mapped[Area] = relationship()
