"""What tasks add to a member's data export: their claims."""

from __future__ import annotations

from sqlalchemy import select

from ..people.registry import export_section, rows
from .models import Claim


@export_section("claims")
def _claims(session, member_id: int, account) -> list[dict]:
    return rows(
        session,
        select(Claim).where(Claim.member_id == member_id),
        ["id", "task_id", "status", "created_at", "hours_tenths", "note"],
    )
