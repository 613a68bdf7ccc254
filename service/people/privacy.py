"""A member's own data, as one JSON document they can download (PIPL: right of access)."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import Forbidden
from ..i18n import N_
from .models import Account
from .scope import Scope


def _rows(session, stmt, fields):
    return [{f: _plain(getattr(row, f)) for f in fields} for row in session.scalars(stmt)]


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def member_data(session, scope: Scope, member_id: int) -> dict:
    """Everything the service keeps about the member. Only the member themself may ask."""
    from ..notifications.models import Notification
    from ..points.models import LedgerEntry
    from ..registration.models import Registration
    from ..tasks.models import Claim

    from .service import get_member

    member = get_member(session, scope, member_id)  # 404 for members the caller cannot see
    if scope.member_id != member_id:
        raise Forbidden(N_("只能下载本人的数据"))
    account = session.scalar(select(Account).where(Account.member_id == member_id))
    return {
        "member": {
            "id": member.id,
            "name": member.name,
            "phone": member.phone,
            "party_status": member.party_status,
            "unit": member.unit.name if member.unit else None,
            "home_building": member.home_building.name if member.home_building else None,
            "skills": [s.code for s in member.skills],
            "hide_public": member.hide_public,
            "availability": [
                {"weekday": w.weekday, "start_minute": w.start_minute, "end_minute": w.end_minute}
                for w in member.availability
            ],
        },
        "account": {
            "phone": account.phone,
            "created_at": _plain(account.created_at),
            "last_login_at": _plain(account.last_login_at),
        }
        if account
        else None,
        "registrations": _rows(
            session,
            select(Registration).where(Registration.member_id == member_id),
            ["id", "community_id", "side", "status", "created_at", "approved_at", "ended_at"],
        ),
        "claims": _rows(
            session,
            select(Claim).where(Claim.member_id == member_id),
            ["id", "task_id", "status", "created_at", "hours_tenths", "note"],
        ),
        "ledger": _rows(
            session,
            select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id),
            ["id", "amount", "side", "kind", "community_id", "explanation", "occurred_at", "booked_at"],
        ),
        "notifications": _rows(
            session,
            select(Notification).where(Notification.account_id == account.id)
            if account
            else select(Notification).where(False),
            ["id", "kind", "title", "created_at", "read_at"],
        ),
    }
