"""A member's own data, as one JSON document they can download (PIPL: right of access).

The member and account sections are people's own; every other section is added by the
package that keeps those rows (``people/registry.py: export_section``)."""

from __future__ import annotations

from sqlalchemy import select

from ..errors import Forbidden
from ..i18n import N_
from .models import Account
from .registry import EXPORT_SECTIONS, plain
from .scope import Scope
from .service import get_member


def member_data(session, scope: Scope, member_id: int) -> dict:
    """Everything the service keeps about the member. Only the member themself may ask."""
    member = get_member(session, scope, member_id)  # 404 for members the caller cannot see
    if scope.member_id != member_id:
        raise Forbidden(N_("只能下载本人的数据"))
    account = session.scalar(select(Account).where(Account.member_id == member_id))
    data: dict = {
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
            "created_at": plain(account.created_at),
            "last_login_at": plain(account.last_login_at),
        }
        if account
        else None,
    }
    for key in sorted(EXPORT_SECTIONS):
        data[key] = EXPORT_SECTIONS[key](session, member_id, account)
    return data
