"""Area tree and work units: scoped reads and writes. Functions take a session and a scope."""

from __future__ import annotations

from sqlalchemy import exists, select

from ..audit.log import record
from ..errors import ALREADY_USED, Conflict, Forbidden, Invalid, NotFound, REQUIRED, one_of
from ..i18n import N_
from ..people.scope import MANAGE, READ, Scope
from .models import AREA_KINDS, UNIT_KINDS, Area, Unit, UnitPairing, may_contain


# --- areas -------------------------------------------------------------------


def get_area(session, scope: Scope, area_id: int, at_least: str = READ) -> Area:
    """The area if ``scope`` may see it; 404 otherwise (403 if seen but not ``at_least``)."""
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path, READ):
        raise NotFound(N_("区域不存在"))
    if not scope.covers(area.path, at_least):
        raise Forbidden(N_("无权修改该区域"))
    return area


def list_areas(scope: Scope, *, parent_id=None, kind=None, within_id=None, q=None, within_path=None):
    stmt = select(Area).where(scope.within(Area.path))
    if parent_id is not None:
        stmt = stmt.where(Area.parent_id == parent_id)
    if kind:
        stmt = stmt.where(Area.kind == kind)
    if within_path is not None:
        stmt = stmt.where(Area.path.startswith(within_path, autoescape=True))
    if q:
        stmt = stmt.where(Area.name.contains(q, autoescape=True))
    return stmt.order_by(Area.path)


def _check_code_free(session, model, code, own_id=None):
    if code:
        other = session.scalar(select(model.id).where(model.code == code))
        if other is not None and other != own_id:
            raise Conflict(N_("编码 %(code)s 已被使用"), params={"code": code}, fields={"code": [ALREADY_USED]})


def place_under(area: Area, parent: Area | None) -> None:
    """Set the path and depth of a flushed area from its parent."""
    area.path = (parent.path if parent else "/") + f"{area.id}/"
    area.depth = (parent.depth + 1) if parent else 0


def create_area(
    session,
    scope: Scope | None,
    *,
    parent_id: int | None,
    kind: str,
    name: str,
    code: str | None = None,
    households: int | None = None,
) -> Area:
    """Create an area. ``scope`` None is the CLI bootstrapping a root."""
    if kind not in AREA_KINDS:
        raise Invalid(N_("未知的区域类型"), fields={"kind": [one_of(AREA_KINDS)]})
    parent = None
    if parent_id is not None:
        parent = session.get(Area, parent_id) if scope is None else get_area(session, scope, parent_id, MANAGE)
        if parent is None:
            raise NotFound(N_("上级区域不存在"))
        if not may_contain(parent.kind, kind):
            raise Invalid(
                N_("%(parent)s 下不能建 %(kind)s"),
                params={"parent": parent.kind, "kind": kind},
                fields={"kind": [(N_("不能建在 %(parent)s 下"), {"parent": parent.kind})]},
            )
    elif scope is not None:
        raise Invalid(N_("需要上级区域"), fields={"parent_id": [REQUIRED]})
    _check_code_free(session, Area, code)
    area = Area(parent_id=parent_id, kind=kind, name=name.strip(), code=code or None, households=households)
    session.add(area)
    session.flush()
    place_under(area, parent)
    if scope is not None:
        record(session, scope.account_id, "area.create", "area", area.id, area.path, name=area.name, kind=kind)
    return area


def update_area(session, scope: Scope, area: Area, changes: dict) -> Area:
    if "code" in changes:
        _check_code_free(session, Area, changes["code"], area.id)
    for key in ("name", "code", "households"):
        if key in changes:
            setattr(area, key, changes[key])
    record(session, scope.account_id, "area.update", "area", area.id, area.path, changes=changes)
    return area


# --- units -------------------------------------------------------------------


def _unit_visible(scope: Scope, at_least: str):
    owner = select(Area.id).where(Area.id == Unit.area_id, scope.within(Area.path, at_least))
    paired = (
        select(UnitPairing.id)
        .join(Area, Area.id == UnitPairing.community_id)
        .where(UnitPairing.unit_id == Unit.id, scope.within(Area.path, at_least))
    )
    condition = exists(owner) | exists(paired)
    if scope.unit_ids:
        condition = condition | Unit.id.in_(scope.unit_ids)
    return condition


def list_units(scope: Scope, *, kind=None, community_id=None, q=None):
    stmt = select(Unit).where(_unit_visible(scope, READ))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if community_id is not None:
        stmt = stmt.where(
            exists(
                select(UnitPairing.id).where(UnitPairing.unit_id == Unit.id, UnitPairing.community_id == community_id)
            )
        )
    if q:
        stmt = stmt.where(Unit.name.contains(q, autoescape=True))
    return stmt.order_by(Unit.id)


def get_unit(session, scope: Scope, unit_id: int) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.id == unit_id, _unit_visible(scope, READ)))
    if unit is None:
        raise NotFound(N_("单位不存在"))
    return unit


def _managed_communities(session, scope: Scope, community_ids) -> list[Area]:
    communities = []
    for cid in sorted(set(community_ids)):
        area = session.get(Area, cid)
        if area is None or area.kind != "community" or not scope.covers(area.path, MANAGE):
            raise Invalid(
                N_("社区 %(id)s 不存在或不在管辖范围"),
                params={"id": cid},
                fields={"community_ids": [(N_("%(id)s：不是你管辖的社区"), {"id": cid})]},
            )
        communities.append(area)
    return communities


def create_unit(session, scope: Scope, *, name: str, kind: str, area_id: int, code=None, community_ids=()) -> Unit:
    if kind not in UNIT_KINDS:
        raise Invalid(N_("未知的单位类型"), fields={"kind": [one_of(UNIT_KINDS)]})
    owner = get_area(session, scope, area_id, MANAGE)
    communities = _managed_communities(session, scope, community_ids)
    _check_code_free(session, Unit, code)
    unit = Unit(name=name.strip(), kind=kind, area_id=owner.id, code=code or None)
    unit.pairings = [UnitPairing(community_id=c.id) for c in communities]
    session.add(unit)
    session.flush()
    record(session, scope.account_id, "unit.create", "unit", unit.id, owner.path, name=unit.name)
    return unit


def update_unit(session, scope: Scope, unit: Unit, changes: dict) -> Unit:
    owns = scope.covers(unit.area.path, MANAGE)
    own_unit_admin = unit.id in scope.unit_ids
    basic = {k: v for k, v in changes.items() if k in ("name", "kind", "code")}
    if basic and not (owns or own_unit_admin):
        raise Forbidden(N_("只有单位主管区域的管理员或本单位管理员可以修改单位信息"))
    if "kind" in basic and basic["kind"] not in UNIT_KINDS:
        raise Invalid(N_("未知的单位类型"), fields={"kind": [one_of(UNIT_KINDS)]})
    if "code" in basic:
        _check_code_free(session, Unit, basic["code"], unit.id)
    for key, value in basic.items():
        setattr(unit, key, value)
    if "community_ids" in changes:
        wanted = set(changes["community_ids"])
        current = {p.community_id for p in unit.pairings}
        touched = wanted ^ current
        if touched and not scope.paths(MANAGE):
            raise Forbidden(N_("无权调整挂点社区"))
        _managed_communities(session, scope, touched)
        unit.pairings = [p for p in unit.pairings if p.community_id in wanted] + [
            UnitPairing(community_id=cid) for cid in sorted(wanted - current)
        ]
    record(session, scope.account_id, "unit.update", "unit", unit.id, unit.area.path, changes=changes)
    return unit
