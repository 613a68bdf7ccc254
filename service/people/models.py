from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, SmallInteger, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Model, UTCDateTime, db, utcnow
from ..places.models import Area, Unit

PARTY_STATUSES = ("in_service", "retired", "floating", "non_party", "new_employment")
PARTY_MEMBER_STATUSES = ("in_service", "retired", "floating")

# Area roles in increasing power; each also covers what the ones before it may do.
AREA_ROLES = ("grid_worker", "community_admin", "street_admin", "city_admin")
ROLES = ("member", "unit_admin") + AREA_ROLES

member_skills = Table(
    "member_skills",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skill_tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SkillTag(Model):
    """One word of the managed skills vocabulary (能人库 tags)."""

    __tablename__ = "skill_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60), default="")


class Member(Model):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "party_status IN ('in_service','retired','floating','non_party','new_employment')",
            name="party_status",
        ),
        # The few deactivated members (matching counts the active ones around a task from indexes).
        db.Index(
            "ix_members_inactive", "id", sqlite_where=db.text("active = 0"), postgresql_where=db.text("NOT active")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    party_status: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    home_building_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Asked not to be named on public boards (PIPL); ranks are kept.
    hide_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit | None] = relationship()
    home_building: Mapped[Area | None] = relationship()
    skills: Mapped[list[SkillTag]] = relationship(secondary=member_skills, order_by=SkillTag.code)
    availability: Mapped[list[AvailabilityWindow]] = relationship(
        cascade="all, delete-orphan", order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)"
    )

    @property
    def is_party_member(self) -> bool:
        return self.party_status in PARTY_MEMBER_STATUSES


class AvailabilityWindow(Model):
    """A weekly window the member is usually free: weekday 0 = Monday, minutes since midnight."""

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_minute >= 0 AND start_minute < end_minute AND end_minute <= 1440", name="span"),
        # Covering: members' windows (matching) without visiting the rows.
        db.Index("ix_availability_windows_member_week", "member_id", "weekday", "start_minute", "end_minute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class Account(UserMixin, Model):
    """One login per person: phone and password; linked to a member record when there is one."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(11), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by logout, password change, deactivation and role change: a session cookie or an
    # API token made under an older version no longer works (``accounts.end_sessions``).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    member: Mapped[Member | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        primaryjoin="and_(RoleGrant.account_id == Account.id, RoleGrant.revoked_at.is_(None))",
        viewonly=True,
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}:{self.session_version}"


class RoleGrant(Model):
    """A role over an area's subtree, or over one unit. Revoked, never deleted."""

    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint(
            "role IN ('member','unit_admin','grid_worker','community_admin','street_admin','city_admin')",
            name="role",
        ),
        CheckConstraint("(area_id IS NULL) <> (unit_id IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    area: Mapped[Area | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class ApiToken(Model):
    """A bearer token; only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account's session version when the token was issued: a later one ends the token.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    account: Mapped[Account] = relationship()
