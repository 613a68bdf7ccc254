from __future__ import annotations

from .models import AuditEvent


def record(
    session,
    actor_id: int | None,
    action: str,
    obj_type: str,
    obj_id: int | None,
    area_path: str | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the caller's transaction: it commits or rolls back with the change."""
    event = AuditEvent(
        actor_id=actor_id, action=action, object_type=obj_type, object_id=obj_id, area_path=area_path, details=details
    )
    session.add(event)
    return event
