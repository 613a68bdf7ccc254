"""What points add to a member's data export: their ledger entries."""

from __future__ import annotations

from sqlalchemy import select

from ..people.registry import export_section, rows
from .models import LedgerEntry


@export_section("ledger")
def _ledger(session, member_id: int, account) -> list[dict]:
    return rows(
        session,
        select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id),
        ["id", "amount", "side", "kind", "community_id", "explanation", "occurred_at", "booked_at"],
    )
