"""What the matcher's commands and its invitations share: the task a staff caller may act on."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ..errors import Forbidden, NotFound
from ..i18n import N_
from ..people.scope import READ, Scope
from ..tasks.models import Task

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def staff_task(session, scope: Scope, task_id: int, at_least: str = READ) -> Task:
    """The task if the scope covers its community as staff; 404 outside the scope."""
    task = session.get(Task, task_id)
    if task is None or not scope.covers(task.community.path, READ):
        raise NotFound(N_("任务不存在"))
    if not scope.covers(task.community.path, at_least):
        raise Forbidden(N_("只有社区及以上管理员可以派单"))
    return task
