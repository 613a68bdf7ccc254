"""Needs (诉求): intake from three doors, the lifecycle state machine, time limits and 督办,
departments (转单), the resident's tracking and rating, and public disclosure (结果公示).

Functions take a session (and a ``Scope`` where a staff member acts) and raise
``service.errors``; the clock (``now``) and zone (``tz``) come from the caller so
scheduled jobs and tests decide what time it is.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .. import policy
from ..audit.log import record
from ..database import subtree_condition
from ..errors import ALREADY_USED, Conflict, Forbidden, Invalid, NotFound, REQUIRED, one_of
from ..i18n import N_
from ..notifications.service import notify, send_to_phone
from ..people.models import Account, RoleGrant
from ..people.phones import is_mobile, mask_phone, normalise_phone
from ..people.scope import MANAGE, READ, Scope, scope_for
from ..places.models import Area
from ..points.catalogue import category_codes
from ..points.models import BENEFICIARY_GROUPS
from .models import (
    CHANNELS,
    FINISHED,
    OPEN_STATUSES,
    TAKEN_ON,
    URGENCIES,
    Department,
    Need,
    NeedEscalation,
    NeedEvent,
    NeedPolicy,
)
from .photos import MAX_PHOTO_BYTES, check_photo, store_photo

# Unambiguous on a phone screen and when read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
DEFAULT_HOURS = {"urgent": 24, "normal": 7 * 24}
DUPLICATE_WINDOW = timedelta(minutes=10)
AUTO_CLOSE_DAYS = 7
MAX_ESCALATION = 2  # 1: the street, 2: the district
PLACE_KINDS = ("compound", "grid", "building")
POLICY_KINDS = ("city", "district", "street", "community")
ADMIN_ROLES = ("community_admin", "street_admin", "city_admin")

# Each status's possible next steps. "start" is taken by the tasks package when it
# creates a task for the need; "rate" and "close" belong to the resident and the job.
NEXT_ACTIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("accept", "reject"),
    "accepted": ("start", "transfer"),
    "in_progress": ("resolve",),
    "transferred": ("resolve",),
    "resolved": ("rate", "reopen", "close"),
    "rejected": (),
    "closed": (),
}

NOT_FOUND = N_("诉求不存在")
WRONG_STATUS = N_("诉求当前状态不允许此操作")
CHECK_FIELDS = N_("提交的内容有误，请检查标出的项目")
DUPLICATE = N_("10 分钟内已提交过相同的诉求，请勿重复提交；查询码已通过短信发送")
STAFF_LINK = "/staff/needs/{id}"

# What a five-star rating pays, in the same transaction as the rating (so a retry never pays
# twice: the ledger entries are keyed). Tasks build on needs, so needs never imports tasks:
# the tasks package adds its volunteers' bonus here (``tasks.service.award_rating_bonus``).
FiveStarReward = Callable[[Session, int, datetime, ZoneInfo], object]
FIVE_STAR_REWARDS: list[FiveStarReward] = []


def on_five_stars(reward: FiveStarReward) -> FiveStarReward:
    """Register ``reward(session, need_id, now, tz)`` to run when a resident rates a need 5 stars."""
    if reward not in FIVE_STAR_REWARDS:
        FIVE_STAR_REWARDS.append(reward)
    return reward


# --- time limits (限时办结) -------------------------------------------------------------


def time_limits(session, path: str) -> dict[str, int]:
    """Hours allowed per urgency at a place: the deepest area on its path that sets a value wins."""
    ids = [int(part) for part in path.strip("/").split("/") if part]
    hours = dict(DEFAULT_HOURS)
    if not ids:
        return hours
    rows = session.execute(
        select(NeedPolicy.urgent_hours, NeedPolicy.normal_hours, Area.depth)
        .join(Area, Area.id == NeedPolicy.area_id)
        .where(NeedPolicy.area_id.in_(ids))
        .order_by(Area.depth)
    ).all()
    for urgent, normal, _depth in rows:  # shallow to deep: deeper values overwrite
        if urgent is not None:
            hours["urgent"] = urgent
        if normal is not None:
            hours["normal"] = normal
    return hours


def due_span(session, path: str, urgency: str) -> timedelta:
    return timedelta(hours=time_limits(session, path)[urgency])


def get_policy_area(session, scope: Scope, area_id: int, at_least: str = READ) -> Area:
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path):
        raise NotFound(N_("区域不存在"))
    if not scope.covers(area.path, at_least):
        raise Forbidden(N_("无权设置该区域的办结时限"))
    return area


def policy_for(session, scope: Scope, area_id: int) -> dict:
    """An area's own setting and the limits in force there."""
    area = get_policy_area(session, scope, area_id)
    own = session.scalar(select(NeedPolicy).where(NeedPolicy.area_id == area.id))
    limits = time_limits(session, area.path)
    return {
        "area_id": area.id,
        "urgent_hours": own.urgent_hours if own else None,
        "normal_hours": own.normal_hours if own else None,
        "effective_urgent_hours": limits["urgent"],
        "effective_normal_hours": limits["normal"],
    }


def set_policy(session, scope: Scope, area_id: int, *, urgent_hours: int | None, normal_hours: int | None) -> dict:
    """Set (or, with both null, clear) an area's limits. Needs already due keep their due time."""
    area = get_policy_area(session, scope, area_id, MANAGE)
    if area.kind not in POLICY_KINDS:
        raise Invalid(
            N_("办结时限只能由市、区县、街道或社区设置"), fields={"area_id": [N_("须为市、区县、街道或社区")]}
        )
    own = session.scalar(select(NeedPolicy).where(NeedPolicy.area_id == area.id))
    if own is None:
        own = NeedPolicy(area_id=area.id)
        session.add(own)
    own.urgent_hours, own.normal_hours, own.updated_by_id = urgent_hours, normal_hours, scope.account_id
    session.flush()
    record(
        session,
        scope.account_id,
        "need_policy.set",
        "area",
        area.id,
        area.path,
        urgent_hours=urgent_hours,
        normal_hours=normal_hours,
    )
    return policy_for(session, scope, area.id)


# --- departments (转单) ---------------------------------------------------------------


def list_departments(session, include_inactive: bool = False) -> list[Department]:
    stmt = select(Department).order_by(Department.id)
    if not include_inactive:
        stmt = stmt.where(Department.active.is_(True))
    return list(session.scalars(stmt))


def _require_city_admin(scope: Scope) -> None:
    if not scope.is_city_admin:
        raise Forbidden(N_("部门名录由市级管理员维护"))


def _check_department_name(session, name: str, own_id: int | None = None) -> str:
    name = name.strip()
    other = session.scalar(select(Department.id).where(Department.name == name))
    if other is not None and other != own_id:
        raise Conflict(N_("部门名称已存在"), fields={"name": [ALREADY_USED]})
    return name


def create_department(session, scope: Scope, *, name: str, due_days: int = 5, contact: str = "") -> Department:
    _require_city_admin(scope)
    department = Department(name=_check_department_name(session, name), due_days=due_days, contact=contact.strip())
    session.add(department)
    session.flush()
    record(session, scope.account_id, "department.create", "department", department.id, None, name=department.name)
    return department


def get_department(session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(N_("部门不存在"))
    return department


def update_department(session, scope: Scope, department_id: int, changes: dict) -> Department:
    _require_city_admin(scope)
    department = get_department(session, department_id)
    if "name" in changes:
        changes["name"] = _check_department_name(session, changes["name"], department.id)
    for key in ("name", "due_days", "contact", "active"):
        if key in changes:
            setattr(department, key, changes[key])
    record(session, scope.account_id, "department.update", "department", department.id, None, changes=changes)
    return department


# --- visibility ----------------------------------------------------------------------


def need_visibility(scope: Scope, at_least: str = READ):
    """Needs a scope may see: placed in one of its subtrees (the community's staff see them all)."""
    return scope.within(Need.place_path, at_least)


def get_need(session, scope: Scope, need_id: int) -> Need:
    need = session.scalar(select(Need).where(Need.id == need_id, need_visibility(scope)))
    if need is None:
        raise NotFound(NOT_FOUND)
    return need


def list_needs(
    scope: Scope, *, now: datetime, status: str | None = None, area_path: str | None = None, overdue: bool | None = None
):
    """Needs in scope: overdue first, then still open, then finished; each by due time."""
    is_open = Need.status.in_(OPEN_STATUSES)
    late = is_open & (Need.due_at < now)
    stmt = select(Need).where(need_visibility(scope))
    if status:
        stmt = stmt.where(Need.status == status)
    if area_path is not None:
        stmt = stmt.where(subtree_condition(Need.place_path, [area_path]))
    if overdue is True:
        stmt = stmt.where(late)
    elif overdue is False:
        stmt = stmt.where(~late)
    rank = case((late, 0), (is_open, 1), else_=2)
    return stmt.order_by(rank, Need.due_at, Need.id)


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def get_by_code(session, code: str) -> Need:
    """The need a tracking code opens; one answer for every miss."""
    code = normalise_code(code)
    need = None
    if len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET):
        need = session.scalar(select(Need).where(Need.tracking_code == code))
    if need is None:
        raise NotFound(N_("查询码不正确，未找到诉求"))
    return need


# --- intake ----------------------------------------------------------------------------


def new_tracking_code(session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Need.id).where(Need.tracking_code == code)) is None:
            return code


def _place(session, community: Area | None, place_id: int | None, errors: dict) -> Area | None:
    if place_id is None:
        return None
    place = session.get(Area, place_id)
    if place is None or community is None or place.kind not in PLACE_KINDS or not place.path.startswith(community.path):
        errors["place_id"] = [N_("请选择本社区的小区、网格或楼栋")]
        return None
    return place


def _where(session, scope: Scope | None, data: dict, errors: dict) -> tuple[Area | None, Area | None]:
    """The community and place asked about: field errors for residents, 404 outside a staff member's scope."""
    staff = scope is not None
    community = session.get(Area, data.get("community_id") or 0)
    if community is None or community.kind != "community":
        if staff:
            raise NotFound(N_("社区不存在"))
        errors["community_id"] = [N_("社区不存在")]
        return None, None
    place = _place(session, community, data.get("place_id"), errors)
    if place is None and not staff and "place_id" not in errors:
        errors["place_id"] = [N_("请选择小区或楼栋")]
    # Staff record only where they work; a grid worker's grant may cover a grid, not the community.
    if scope is not None and not scope.covers((place or community).path):
        raise NotFound(N_("社区不存在"))
    return community, place


def _what(session, staff: bool, data: dict, errors: dict) -> dict:
    """The need's own fields, checked; problems go into ``errors`` so a form shows them all at once."""
    phone = normalise_phone(data.get("resident_phone") or "")
    if phone and not is_mobile(phone):
        errors["resident_phone"] = [N_("手机号格式不正确（需为11位大陆手机号）")]
    elif not phone and not staff:
        errors["resident_phone"] = [N_("请填写手机号，用于接收办理进度")]
    name = (data.get("resident_name") or "").strip()
    if not name or len(name) > 50:
        errors["resident_name"] = [N_("请填写姓名（50 字以内）")]
    description = (data.get("description") or "").strip()
    if not description or len(description) > 2000:
        errors["description"] = [N_("请描述诉求（2000 字以内）")]
    category = data.get("category") or ""
    if category not in category_codes(session):
        errors["category"] = [N_("请选择服务类别")]
    urgency = data.get("urgency") or "normal"
    group = data.get("beneficiary_group") or None
    channel = data.get("channel") or ("staff" if staff else "resident")
    if not staff and (urgency != "normal" or group is not None or channel != "resident"):
        # Urgency and 五类人群 are staff judgements; a public form cannot set them.
        errors["_schema"] = [N_("紧急程度和服务对象类别由工作人员填写")]
    if urgency not in URGENCIES:
        errors["urgency"] = [N_("紧急程度不正确")]
    if group is not None and group not in BENEFICIARY_GROUPS:
        errors["beneficiary_group"] = [N_("服务对象类别不正确")]
    if channel not in CHANNELS or (staff and channel == "resident"):
        errors["channel"] = [N_("来源不正确")]
    return {
        "resident_phone": phone or None,
        "resident_name": name,
        "description": description,
        "category": category,
        "urgency": urgency,
        "beneficiary_group": group,
        "channel": channel,
    }


def _intake(
    session,
    scope: Scope | None,
    data: dict,
    *,
    now: datetime,
    photo: bytes | None,
    photo_dir: Path | None,
    max_photo_bytes: int,
) -> Need:
    errors: dict = {}
    community, place = _where(session, scope, data, errors)
    fields = _what(session, scope is not None, data, errors)
    checked = None
    if photo:
        try:
            checked = check_photo(photo, max_photo_bytes)
        except Invalid as error:
            errors["photo"] = [error.text()]
    if errors:
        raise Invalid(CHECK_FIELDS, fields=errors)
    assert community is not None  # without errors, _where found the community

    where = place or community
    # One intake per place at a time, so two quick taps cannot both pass the duplicate check.
    session.execute(select(Area.id).where(Area.id == where.id).with_for_update())
    phone = fields["resident_phone"]
    if (
        phone
        and session.scalar(
            select(Need.id).where(
                Need.resident_phone == phone,
                Need.place_path == where.path,
                Need.category == fields["category"],
                Need.created_at >= now - DUPLICATE_WINDOW,
            )
        )
        is not None
    ):
        raise Conflict(DUPLICATE)
    actor_id = scope.account_id if scope is not None else None
    need = Need(
        tracking_code=new_tracking_code(session),
        status="submitted",
        community_id=community.id,
        place_id=place.id if place else None,
        place_path=where.path,
        created_by_id=actor_id,
        photo=store_photo(checked, photo_dir) if checked is not None and photo_dir is not None else None,
        created_at=now,
        clock_started_at=now,
        updated_at=now,
        due_at=now + due_span(session, where.path, fields["urgency"]),
        **fields,
    )
    session.add(need)
    session.flush()
    _event(session, need, actor_id, "submitted", None, "submitted", "", now)
    if actor_id is not None:
        record(session, actor_id, "need.record", "need", need.id, need.place_path, channel=need.channel)
    for account_id in _admins_on(session, community.id, ("community_admin",)):
        notify(
            session,
            account_id,
            "need.submitted",
            N_("新诉求待受理：%(community)s #%(need)s"),
            link=STAFF_LINK.format(id=need.id),
            params={"community": community.name, "need": need.id},
            detail=need.description[:80],
        )
    _sms(session, need, N_("您的诉求已登记，查询码 %(code)s，可凭码查询办理进度并评价。"))
    return need


def submit_public(
    session,
    data: dict,
    *,
    now: datetime,
    photo: bytes | None = None,
    photo_dir: Path | None = None,
    max_photo_bytes: int = MAX_PHOTO_BYTES,
) -> Need:
    """The resident's own door: no account; the answer is a tracking code."""
    return _intake(session, None, data, now=now, photo=photo, photo_dir=photo_dir, max_photo_bytes=max_photo_bytes)


def record_need(
    session,
    scope: Scope,
    data: dict,
    *,
    now: datetime,
    photo: bytes | None = None,
    photo_dir: Path | None = None,
    max_photo_bytes: int = MAX_PHOTO_BYTES,
) -> Need:
    """A grid worker (敲门问需) or community staff recording a need on a resident's behalf."""
    return _intake(session, scope, data, now=now, photo=photo, photo_dir=photo_dir, max_photo_bytes=max_photo_bytes)


# --- lifecycle ---------------------------------------------------------------------------


def _event(session, need: Need, actor_id, action: str, from_status, to_status: str, note: str, at: datetime):
    event = NeedEvent(
        need=need, actor_id=actor_id, action=action, from_status=from_status, to_status=to_status, note=note, at=at
    )
    session.add(event)
    return event


def _refuse_unless(need: Need, action: str) -> None:
    allowed = list(NEXT_ACTIONS[need.status])
    if action not in allowed:
        raise Conflict(WRONG_STATUS, current_status=need.status, allowed=allowed)


def _fresh(session, need: Need) -> Need:
    # Two staff acting at once: the second sees the first's status (PostgreSQL row
    # lock; SQLite writers are already serialised by BEGIN IMMEDIATE).
    session.refresh(need, with_for_update=True)
    return need


def _require(scope: Scope, need: Need, at_least: str, message: str) -> None:
    if not scope.covers(need.place_path):
        raise NotFound(NOT_FOUND)
    if not scope.covers(need.place_path, at_least):
        raise Forbidden(message)


def _sms(session, need: Need, message: str, **params) -> None:
    """An SMS to the resident (queued in this transaction; sent by the outbox job, in Chinese:
    residents have no account). ``code`` is always the need's tracking code."""
    if need.resident_phone:
        send_to_phone(session, need.resident_phone, message, {"code": need.tracking_code, **params})


def _tell_owner(session, need: Need, actor_id: int | None, kind: str, title: str, detail: str = "", **params) -> None:
    if need.owner_id is not None and need.owner_id != actor_id:
        notify(
            session,
            need.owner_id,
            kind,
            title,
            link=STAFF_LINK.format(id=need.id),
            params={"need": need.id, **params},
            detail=detail,
        )


def _admins_on(session, area_id: int, roles=ADMIN_ROLES) -> list[int]:
    return list(
        session.scalars(
            select(RoleGrant.account_id)
            .where(RoleGrant.area_id == area_id, RoleGrant.role.in_(roles), RoleGrant.revoked_at.is_(None))
            .distinct()
            .order_by(RoleGrant.account_id)
        )
    )


def _restart_clock(session, need: Need, now: datetime, due_at: datetime | None = None) -> None:
    """A new commitment: a new due time, and 督办 counts again from it."""
    need.clock_started_at = now
    need.due_at = due_at or now + due_span(session, need.place_path, need.urgency)
    need.escalation_level = 0


def accept(
    session,
    scope: Scope,
    need: Need,
    *,
    now: datetime,
    owner_account_id: int | None = None,
    urgency: str | None = None,
    beneficiary_group: str | None = None,
    note: str = "",
) -> Need:
    """受理: name the owner answerable for it (首问负责); the caller by default."""
    _require(scope, need, MANAGE, N_("只有社区及以上管理员可以受理诉求"))
    _fresh(session, need)
    _refuse_unless(need, "accept")
    owner_id = owner_account_id or scope.account_id
    owner = session.get(Account, owner_id)
    if owner is None or not owner.active or not scope_for(session, owner).covers(need.place_path):
        raise Invalid(
            N_("负责人必须是该社区的工作人员"), fields={"owner_account_id": [N_("不是该诉求所在区域的工作人员")]}
        )
    if urgency is not None and urgency not in URGENCIES:
        raise Invalid(N_("紧急程度不正确"), fields={"urgency": [one_of(URGENCIES)]})
    if beneficiary_group is not None:
        if beneficiary_group not in BENEFICIARY_GROUPS:
            raise Invalid(N_("服务对象类别不正确"), fields={"beneficiary_group": [N_("未知的人群类别")]})
        need.beneficiary_group = beneficiary_group
    if urgency is not None and urgency != need.urgency:
        # A re-graded need keeps its start: the limit counts from when the resident asked.
        need.urgency = urgency
        need.due_at = need.clock_started_at + due_span(session, need.place_path, urgency)
    need.status, need.owner_id, need.accepted_at = "accepted", owner.id, now
    _event(session, need, scope.account_id, "accepted", "submitted", "accepted", note.strip(), now)
    record(session, scope.account_id, "need.accept", "need", need.id, need.place_path, owner_id=owner.id)
    _tell_owner(
        session, need, scope.account_id, "need.owner", N_("你是诉求 #%(need)s 的首问负责人"), need.description[:80]
    )
    _sms(session, need, N_("您的诉求（查询码 %(code)s）已受理，负责人：%(owner)s。"), owner=owner.name)
    return need


def reject(session, scope: Scope, need: Need, *, reason: str, now: datetime) -> Need:
    """不予受理, with the reason the resident will read."""
    _require(scope, need, MANAGE, N_("只有社区及以上管理员可以处理诉求"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(N_("请填写不予受理的原因"), fields={"reason": [REQUIRED]})
    _fresh(session, need)
    _refuse_unless(need, "reject")
    need.status, need.reject_reason = "rejected", reason
    _event(session, need, scope.account_id, "rejected", "submitted", "rejected", reason, now)
    record(session, scope.account_id, "need.reject", "need", need.id, need.place_path)
    _sms(session, need, N_("您的诉求（查询码 %(code)s）未予受理：%(reason)s"), reason=reason)
    return need


def start_progress(session, need: Need, task_id: int, actor_id: int | None, now: datetime) -> Need:
    """A task now serves this need (called by the tasks package when it creates one).

    The tasks package has already checked the caller's scope. A further task for a
    need already in progress is noted in the history without a change of status.
    """
    if need.status == "in_progress":
        _event(session, need, actor_id, "started", "in_progress", "in_progress", f"追加任务 #{task_id}", now)
        return need
    _refuse_unless(need, "start")
    need.status = "in_progress"
    _event(session, need, actor_id, "started", "accepted", "in_progress", f"任务 #{task_id}", now)
    record(session, actor_id, "need.start", "need", need.id, need.place_path, task_id=task_id)
    _sms(session, need, N_("您的诉求（查询码 %(code)s）已派志愿者办理。"))
    return need


def transfer(
    session,
    scope: Scope,
    need: Need,
    *,
    department_id: int,
    now: datetime,
    tz: ZoneInfo,
    due_at: datetime | None = None,
    note: str = "",
) -> Need:
    """转单: the community blows the whistle, the department reports (社区吹哨、部门报到) by its due date."""
    _require(scope, need, MANAGE, N_("只有社区及以上管理员可以转交诉求"))
    department = session.get(Department, department_id)
    if department is None or not department.active:
        raise Invalid(N_("部门不存在或已停用"), fields={"department_id": [N_("部门不存在或已停用")]})
    due_at = due_at or now + timedelta(days=department.due_days)
    if due_at <= now:
        raise Invalid(N_("办结期限必须晚于现在"), fields={"due_at": [N_("须晚于现在")]})
    _fresh(session, need)
    _refuse_unless(need, "transfer")
    need.status, need.department_id = "transferred", department.id
    _restart_clock(session, need, now, due_at)
    due_text = due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    text = f"转交{department.name}办理，限 {due_text} 前办结" + (f"；{note.strip()}" if note.strip() else "")
    _event(session, need, scope.account_id, "transferred", "accepted", "transferred", text, now)
    record(
        session,
        scope.account_id,
        "need.transfer",
        "need",
        need.id,
        need.place_path,
        department_id=department.id,
        due_at=due_at.isoformat(),
    )
    _tell_owner(
        session,
        need,
        scope.account_id,
        "need.transferred",
        N_("诉求 #%(need)s 已转交%(department)s"),
        department=department.name,
    )
    _sms(
        session,
        need,
        N_("您的诉求（查询码 %(code)s）已转交%(department)s办理，限 %(due)s 前办结。"),
        department=department.name,
        due=due_text,
    )
    return need


def resolve(session, scope: Scope, need: Need, *, result: str, now: datetime) -> Need:
    """办结, with the result the resident (and the public page) will read."""
    if not (
        scope.covers(need.place_path, MANAGE) or (need.owner_id == scope.account_id and scope.covers(need.place_path))
    ):
        _require(scope, need, MANAGE, N_("只有负责人或社区管理员可以办结诉求"))
    result = (result or "").strip()
    if not result:
        raise Invalid(N_("请填写办理结果"), fields={"result": [REQUIRED]})
    _fresh(session, need)
    _refuse_unless(need, "resolve")
    before = need.status
    need.status, need.result, need.resolved_at = "resolved", result, now
    need.rating = need.rating_comment = None  # a new result waits for a new rating
    _event(session, need, scope.account_id, "resolved", before, "resolved", result, now)
    record(session, scope.account_id, "need.resolve", "need", need.id, need.place_path)
    _tell_owner(session, need, scope.account_id, "need.resolved", N_("诉求 #%(need)s 已办结"))
    _sms(
        session,
        need,
        N_("您的诉求（查询码 %(code)s）已办结：%(result)s。请凭查询码评价，%(days)s 天内未评价将自动归档。"),
        result=result[:60],
        days=AUTO_CLOSE_DAYS,
    )
    return need


def _back_to_owner(session, need: Need, actor_id: int | None, note: str, now: datetime) -> None:
    need.status = "accepted"
    need.resolved_at = None
    _restart_clock(session, need, now)
    _event(session, need, actor_id, "reopened", "resolved", "accepted", note, now)
    _tell_owner(session, need, actor_id, "need.reopened", N_("诉求 #%(need)s 已退回重办"), note[:120])


def reopen(session, scope: Scope, need: Need, *, reason: str, now: datetime) -> Need:
    """Staff send a resolved need back to its owner (the result did not hold)."""
    _require(scope, need, MANAGE, N_("只有社区及以上管理员可以重新办理诉求"))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(N_("请填写重新办理的原因"), fields={"reason": [REQUIRED]})
    _fresh(session, need)
    _refuse_unless(need, "reopen")
    _back_to_owner(session, need, scope.account_id, reason, now)
    record(session, scope.account_id, "need.reopen", "need", need.id, need.place_path)
    _sms(session, need, N_("您的诉求（查询码 %(code)s）已重新办理。"))
    return need


class StaffRating(policy.SelfDealing):
    """Staff over the need's community rating it: the rating is the resident's, and it feeds
    the published satisfaction rate and the five-star bonus."""

    def __init__(self, scope: Scope, need: Need):
        super().__init__("needs:need:rate", scope, policy.Record("need", need.id, need.community.path))
        self.message, self.params = N_("评价须由居民本人进行，社区工作人员不能代为评价"), {}


WRONG_PHONE_DIGITS = N_("手机号后四位不符")


def give_feedback(
    session,
    need: Need,
    *,
    stars: int,
    comment: str,
    now: datetime,
    scope: Scope | None = None,
    phone_last4: str | None = None,
) -> Need:
    """回访: the resident rates the result. 3–5 stars close it; 1–2 send it back to the owner.

    The tracking code alone is not enough where the need has a phone: the last four digits of
    that phone are asked too (staff see the code masked, the phone only to call). Staff over the
    need's community are refused outright, signed in or not as they may be."""
    if scope is not None and scope.covers(need.community.path):
        raise StaffRating(scope, need)
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise Invalid(N_("请选择 1–5 星"), fields={"stars": [N_("1 至 5")]})
    comment = (comment or "").strip()[:500]
    _fresh(session, need)
    _refuse_unless(need, "rate")
    if need.resident_phone and not secrets.compare_digest((phone_last4 or "").strip(), need.resident_phone[-4:]):
        raise Invalid(WRONG_PHONE_DIGITS, fields={"phone_last4": [WRONG_PHONE_DIGITS]})
    need.rating, need.rating_comment = stars, comment
    note = f"居民评价 {stars} 星" + (f"：{comment}" if comment else "")
    if stars <= 2:
        _back_to_owner(session, need, None, note, now)
        _sms(session, need, N_("感谢评价。您的诉求（查询码 %(code)s）已退回重新办理。"))
    else:
        need.status, need.closed_at = "closed", now
        _event(session, need, None, "rated", "resolved", "closed", note, now)
        _tell_owner(
            session,
            need,
            None,
            "need.closed",
            N_("诉求 #%(need)s 已评价 %(stars)s 星并归档"),
            comment[:120],
            stars=stars,
        )
        if stars == 5:
            # The rules' 5-star bonus goes to every verified volunteer of the need's tasks,
            # in the same transaction as the rating, so a retry never pays it twice (keyed entries).
            from ..periods import app_timezone

            for reward in FIVE_STAR_REWARDS:
                reward(session, need.id, now, app_timezone())
    return need


def auto_close_resolved(session, now: datetime, days: int = AUTO_CLOSE_DAYS) -> int:
    """Close needs resolved ``days`` ago that the resident never rated (scheduled job). Returns how many."""
    cutoff = now - timedelta(days=days)
    needs = session.scalars(
        select(Need).where(Need.status == "resolved", Need.resolved_at <= cutoff).order_by(Need.id).with_for_update()
    ).all()
    for need in needs:
        need.status, need.closed_at = "closed", now
        _event(session, need, None, "closed", "resolved", "closed", f"{days} 天未评价，自动归档", now)
    session.flush()
    return len(needs)


def _escalation_target(session, need: Need, level: int) -> Area | None:
    """Level 1 is the community's parent (the street), level 2 the one above (the district)."""
    ids = need.community.ancestor_ids()
    index = len(ids) - 1 - level
    return session.get(Area, ids[index]) if index >= 0 else None


def escalate_overdue(session, now: datetime) -> int:
    """督办: raise each overdue need to the street, then (overdue again by the same span) the district.

    Each level happens once per due time; a new due time (transfer, reopening)
    starts the count again. Returns how many escalations were made.
    """
    needs = session.scalars(
        select(Need)
        .where(Need.status.in_(OPEN_STATUSES), Need.due_at < now, Need.escalation_level < MAX_ESCALATION)
        .order_by(Need.id)
    ).all()
    made = 0
    for need in needs:
        span = max(need.due_at - need.clock_started_at, timedelta(hours=1))
        reached = 2 if now >= need.due_at + span else 1
        for level in range(need.escalation_level + 1, reached + 1):
            area = _escalation_target(session, need, level)
            # A conditional update: a concurrent run that got here first leaves nothing to do.
            claimed = session.execute(
                update(Need)
                .where(Need.id == need.id, Need.escalation_level == level - 1)
                .values(escalation_level=level)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                break
            set_committed_value(need, "escalation_level", level)
            if area is None:
                continue
            recipients = _admins_on(session, area.id)
            session.add(
                NeedEscalation(
                    need_id=need.id, level=level, area_id=area.id, due_at=need.due_at, notified=len(recipients), at=now
                )
            )
            _event(
                session,
                need,
                None,
                "escalated",
                need.status,
                need.status,
                f"超期督办：{area.name}（第 {level} 级）",
                now,
            )
            for account_id in recipients:
                notify(
                    session,
                    account_id,
                    "need.escalated",
                    N_("督办：%(community)s 诉求 #%(need)s 已超期"),
                    link=STAFF_LINK.format(id=need.id),
                    params={"community": need.community.name, "need": need.id},
                    detail=need.description[:80],
                )
            made += 1
    session.flush()
    return made


# --- the resident's view and public disclosure --------------------------------------------


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def scrub(text: str | None) -> str:
    """Public text never carries a mobile number, even one a staff member typed into a result."""
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text or "")


def tracking_view(need: Need) -> dict:
    """What a tracking code shows: the resident's own need and its history, masked; no 五类人群."""
    return {
        "tracking_code": need.tracking_code,
        "status": need.status,
        "category": need.category,
        "community": need.community.name,
        "place": need.place_name,
        "description": need.description,
        "resident_name": mask_name(need.resident_name),
        "resident_phone": mask_phone(need.resident_phone or ""),
        "urgency": need.urgency,
        "created_at": need.created_at,
        "due_at": need.due_at,
        "owner": need.owner.name if need.owner else None,
        "department": need.department.name if need.department else None,
        "reject_reason": need.reject_reason,
        "result": need.result,
        "rating": need.rating,
        "rating_comment": need.rating_comment,
        "resolved_at": need.resolved_at,
        "closed_at": need.closed_at,
        "can_rate": need.status == "resolved",
        "asks_phone_digits": bool(need.resident_phone),
        "events": [
            {"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status, "note": e.note}
            for e in need.events
        ],
    }


def public_area(session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None or area.kind not in ("community", "street"):
        raise NotFound(N_("只公示社区或街道的办理结果"))
    return area


def _compound_names(session, needs: list[Need]) -> dict[int, tuple[str, str]]:
    """Need id → (community name, compound or grid name), from one read of the areas on their paths."""
    ids = {int(p) for n in needs for p in n.place_path.strip("/").split("/") if p}
    areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))} if ids else {}
    out = {}
    for need in needs:
        chain = [areas[int(p)] for p in need.place_path.strip("/").split("/") if p and int(p) in areas]
        community = next((a.name for a in chain if a.kind == "community"), "")
        compound = next((a.name for a in chain if a.kind in ("compound", "grid")), "")
        out[need.id] = (community, compound)
    return out


def disclosure(session, area_id: int, *, page: int = 1, per_page: int = 20) -> dict:
    """结果公示 for a community or street: figures and finished needs, without names or phones.

    办结率 = (resolved + closed) / needs taken on (accepted or later; rejected ones
    never were). 按时办结率 = finished needs whose resolution came by their due time
    / finished needs. 满意度 = the mean rating of closed, rated needs.
    """
    area = public_area(session, area_id)
    within = subtree_condition(Need.place_path, [area.path])
    by_status = dict(session.execute(select(Need.status, func.count()).where(within).group_by(Need.status)).all())
    taken_on = sum(by_status.get(s, 0) for s in TAKEN_ON)
    finished = sum(by_status.get(s, 0) for s in FINISHED)
    on_time = (
        session.scalar(
            select(func.count())
            .select_from(Need)
            .where(within, Need.status.in_(FINISHED), Need.resolved_at <= Need.due_at)
        )
        or 0
    )
    rated, rating_sum = session.execute(
        select(func.count(Need.rating), func.coalesce(func.sum(Need.rating), 0)).where(
            within, Need.status == "closed", Need.rating.is_not(None)
        )
    ).one()
    stmt = select(Need).where(within, Need.status.in_(FINISHED)).order_by(Need.resolved_at.desc(), Need.id.desc())
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    names = _compound_names(session, items)
    return {
        "area": {"id": area.id, "name": area.name, "kind": area.kind},
        "counts": {
            "received": sum(by_status.values()),
            "taken_on": taken_on,
            "finished": finished,
            "rejected": by_status.get("rejected", 0),
            "in_hand": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
            "on_time": on_time,
            "rated": rated,
        },
        "closure_rate": round(finished / taken_on, 4) if taken_on else None,
        "on_time_rate": round(on_time / finished, 4) if finished else None,
        "average_rating": round(int(rating_sum) / rated, 2) if rated else None,
        "items": {
            "items": [
                {
                    "category": n.category,
                    "community": names[n.id][0],
                    "compound": names[n.id][1],
                    "submitted_at": n.created_at,
                    "resolved_at": n.resolved_at,
                    "closed_at": n.closed_at,
                    "status": n.status,
                    "result": scrub(n.result),
                    "rating": n.rating,
                    "on_time": n.resolved_at is not None and n.resolved_at <= n.due_at,
                }
                for n in items
            ],
            "page": page,
            "per_page": per_page,
            "total": finished,
        },
    }


def public_areas(session) -> list[Area]:
    """Streets and their communities, for the disclosure index."""
    return list(session.scalars(select(Area).where(Area.kind.in_(("street", "community"))).order_by(Area.path)))


PLACE_MISMATCH = N_("所选楼栋不在所选小区或网格内")


def choose_place(session, compound_id: int | None, building_id: int | None) -> int | None:
    """The place a form's two selects name: the building, else the compound or grid; a building
    outside the chosen compound is refused rather than guessed."""
    if compound_id and building_id:
        compound, building = session.get(Area, compound_id), session.get(Area, building_id)
        if compound is None or building is None or not building.path.startswith(compound.path):
            raise Invalid(CHECK_FIELDS, fields={"place_id": [PLACE_MISMATCH]})
    return building_id or compound_id or None


def places_of(session, community: Area) -> tuple[list[Area], list[Area]]:
    """A community's compounds/grids and its buildings, for the place picker."""
    below = session.scalars(
        select(Area).where(subtree_condition(Area.path, [community.path]), Area.id != community.id).order_by(Area.path)
    ).all()
    groups = [a for a in below if a.kind in ("compound", "grid")]
    buildings = [a for a in below if a.kind == "building"]
    return groups, buildings
