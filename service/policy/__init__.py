"""Who may do what to which record: one policy, read by commands, API routes and pages alike.

Permissions are named ``capability:record:action`` (``tasks:claim:verify``) and described as
data in ``table.py``: the least area role over the record's area that may act, whether a unit
admin over the record's unit or the member the record belongs to may act, and whether acting
on one's own member record is refused (separation of duties: nobody verifies, rejects, reverses,
adjusts or approves their own work, points or registration).

``check`` answers 404 for a record outside the actor's scope (its existence is not confirmed),
403 for a record in scope that the actor's role may not change, and ``SelfDealing`` (403, with an
audit entry of the refusal written after the rollback) for an actor's own record.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Forbidden, NotFound
from ..i18n import N_
from ..people.scope import RANK, Scope
from .table import PERMISSIONS, ROUTES, Rule

__all__ = ["PERMISSIONS", "ROUTES", "Rule", "Record", "SelfDealing", "allows", "check", "rule_for_route"]

NO_SUCH_RECORD = N_("记录不存在")
NOT_ALLOWED = N_("无权执行该操作")
NOT_YOURS = N_("不能处理与本人有关的记录：%(action)s须由他人办理")


@dataclass(frozen=True)
class Record:
    """What the policy needs to know of a record: where it is, whose it is."""

    kind: str
    id: int | None
    path: str | None = None  # the area it belongs to (a community's path)
    unit_id: int | None = None  # the work unit it belongs to, if any
    member_id: int | None = None  # the member it is about (claimant, points holder, registrant)


class SelfDealing(Forbidden):
    """An actor acting on their own member record. The refusal itself is audited: the change is
    rolled back, then ``audit`` adds the entry the adapter commits on its own."""

    code = "self_dealing"

    def __init__(self, permission: str, scope: Scope, record: Record):
        super().__init__(NOT_YOURS, params={"action": _action_label(permission)})
        self.permission, self.scope, self.record = permission, scope, record

    def audit(self, session) -> None:
        from ..audit.log import record

        record(
            session,
            self.scope.account_id,
            "policy.refused_self_dealing",
            self.record.kind,
            self.record.id,
            self.record.path,
            permission=self.permission,
            member_id=self.record.member_id,
        )


#: how a refused action is named in the message (a catalogue entry per action)
ACTION_LABELS = {
    "verify": N_("核实服务"),
    "reject": N_("驳回认领"),
    "no_show": N_("标记未到"),
    "reverse": N_("冲正"),
    "adjust": N_("调整积分"),
    "award": N_("发放积分"),
    "approve": N_("审核报到"),
    "decide": N_("审核报到"),
    "rate": N_("评价"),
    "approve_adjustment": N_("复核调整"),
    "reject_adjustment": N_("驳回调整"),
}


def _action_label(permission: str):
    from ..i18n import render_message

    _capability, _, rest = permission.partition(":")
    record, _, action = rest.partition(":")
    # an action named for its record first ("approve_adjustment"), then the action alone
    label = ACTION_LABELS.get(f"{action}_{record}") or ACTION_LABELS.get(action, N_("该操作"))
    return render_message(label)


def _own(scope: Scope, record: Record) -> bool:
    return scope.member_id is not None and record.member_id is not None and scope.member_id == record.member_id


def _reaches(scope: Scope, rule: Rule, record: Record) -> bool:
    """The actor's role reaches the record (area role, unit admin or the member themself)."""
    if rule.public or rule.signed_in and scope.account_id is not None:
        return True
    if rule.area_role and record.path is not None and scope.rank_over(record.path) >= RANK[rule.area_role]:
        return True
    if rule.unit_admin and record.unit_id is not None and record.unit_id in scope.unit_ids:
        return True
    return rule.own_member and _own(scope, record)


def _sees(scope: Scope, record: Record) -> bool:
    """The record is within the actor's view at all (else it is answered as not there)."""
    if record.path is not None and scope.covers(record.path):
        return True
    if record.unit_id is not None and record.unit_id in scope.unit_ids:
        return True
    return _own(scope, record)


def allows(scope: Scope, permission: str, record: Record | None = None) -> bool:
    """Whether ``scope`` may do ``permission`` on ``record`` (pure: the matrix test reads it too)."""
    rule = PERMISSIONS[permission]
    if rule.public:
        return True
    if scope.account_id is None:
        return False
    if record is None:
        return (
            rule.signed_in
            or (rule.any_member and scope.member_id is not None)
            or bool(rule.area_role and scope.paths(rule.area_role))
            or (rule.unit_admin and bool(scope.unit_ids))
        )
    if not _reaches(scope, rule, record):
        return False
    return not (rule.not_own and _own(scope, record))


def check(
    scope: Scope, permission: str, record: Record, *, hidden: str = NO_SUCH_RECORD, refused: str | None = None
) -> None:
    """Raise unless ``scope`` may do ``permission`` on ``record``: 404 outside its view, 403 in view
    without the role, ``SelfDealing`` on its own record."""
    rule = PERMISSIONS[permission]
    if rule.public:
        return
    if not _reaches(scope, rule, record):
        if _sees(scope, record):
            raise Forbidden(refused or NOT_ALLOWED)
        raise NotFound(hidden)
    if rule.not_own and _own(scope, record):
        raise SelfDealing(permission, scope, record)


def rule_for_route(endpoint: str | None, method: str) -> Rule | None:
    name = ROUTES.get(endpoint or "", {}).get(method)
    return PERMISSIONS[name] if name else None
