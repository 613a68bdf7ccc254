"""Reading the audit log: scoped admins see events of their subtree."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..errors import Forbidden
from ..i18n import N_
from ..people.scope import MANAGE, Scope
from .models import AuditEvent


def list_events(
    scope: Scope,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    object_type: str | None = None,
):
    if not scope.paths(MANAGE):
        raise Forbidden(N_("只有社区及以上管理员可以查看审计日志"))
    stmt = select(AuditEvent)
    if not scope.is_city_admin:
        # City admins also see events with no area (imports, logins, catalogue edits).
        stmt = stmt.where(scope.within(AuditEvent.area_path, MANAGE))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= start)
    if end is not None:
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.id.desc())
