"""What notifications add to a member's data export: their account's inbox."""

from __future__ import annotations

from sqlalchemy import select

from ..people.registry import export_section, rows
from .models import Notification


@export_section("notifications")
def _notifications(session, member_id: int, account) -> list[dict]:
    if account is None:
        return []
    return rows(
        session,
        select(Notification).where(Notification.account_id == account.id),
        ["id", "kind", "title", "created_at", "read_at"],
    )
