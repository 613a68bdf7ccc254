"""What registration adds to people: a member's registrations in their data export, and
the members a community reaches through 双报到 (those reporting to it from elsewhere)."""

from __future__ import annotations

from sqlalchemy import exists, select

from ..people.models import Member
from ..people.registry import export_section, member_reach, rows
from ..people.scope import Scope
from ..places.models import Area
from .models import Registration


@export_section("registrations")
def _registrations(session, member_id: int, account) -> list[dict]:
    return rows(
        session,
        select(Registration).where(Registration.member_id == member_id),
        ["id", "community_id", "side", "status", "created_at", "approved_at", "ended_at"],
    )


@member_reach
def _reporting_here(scope: Scope, at_least: str):
    """Members holding a pending or approved registration with a community in the scope's subtree."""
    return exists(
        select(Registration.id)
        .join(Area, Area.id == Registration.community_id)
        .where(
            Registration.member_id == Member.id,
            Registration.status.in_(("pending", "approved")),
            scope.within(Area.path, at_least),
        )
    )
