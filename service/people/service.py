"""Members, skills vocabulary and role grants: scoped reads and writes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, select
from sqlalchemy.orm import object_session, selectinload

from ..audit.log import record
from ..database import utcnow
from ..errors import ALREADY_USED, Conflict, Forbidden, Invalid, NOT_A_MOBILE, NotFound, REQUIRED, one_of, unknown
from ..i18n import N_
from ..places.models import Area, Unit, UnitPairing
from .accounts import end_sessions, set_password
from .models import AREA_ROLES, PARTY_STATUSES, Account, AvailabilityWindow, Member, RoleGrant, SkillTag
from .phones import is_mobile, normalise_phone
from .registry import MEMBER_REACH
from .scope import MANAGE, RANK, READ, Scope

# Which kinds of area each area role is granted on.
ROLE_AREA_KINDS = {
    "city_admin": ("city",),
    "street_admin": ("district", "street"),
    "community_admin": ("community",),
    "grid_worker": ("community", "compound", "grid"),
}


def checked_phone(raw: str, field: str = "phone") -> str:
    phone = normalise_phone(raw)
    if not is_mobile(phone):
        raise Invalid(N_("手机号格式不正确（需为11位大陆手机号）"), fields={field: [NOT_A_MOBILE]})
    return phone


# --- members -----------------------------------------------------------------


def member_visibility(scope: Scope, at_least: str = READ):
    """Members a scope may see: home in its subtree, working at a unit it administers,
    or reached through a package built on people (``registry.member_reach``; registration
    adds those holding a pending or approved 双报到 with a community in its subtree)."""
    condition: ColumnElement[bool] = exists(
        select(Area.id).where(Area.id == Member.home_building_id, scope.within(Area.path, at_least))
    )
    if scope.paths(at_least):
        # A unit-side community must see the members who report to it from elsewhere.
        for reach in MEMBER_REACH:
            condition = condition | reach(scope, at_least)
    if scope.unit_ids:
        condition = condition | Member.unit_id.in_(scope.unit_ids)
    return condition | _no_address_yet(scope, at_least)


def _no_address_yet(scope: Scope, at_least: str = READ) -> ColumnElement[bool]:
    """Members with no home building yet (暂无楼栋) never vanish: the communities their unit is
    paired with see them (and everyone above), and city admins see every one of them."""
    if not scope.paths(at_least):
        return false()
    if scope.is_city_admin:
        return Member.home_building_id.is_(None)
    return Member.home_building_id.is_(None) & exists(
        select(UnitPairing.id)
        .join(Area, Area.id == UnitPairing.community_id)
        .where(UnitPairing.unit_id == Member.unit_id, scope.within(Area.path, at_least))
    )


def list_members(
    scope: Scope, *, q=None, phone=None, party_status=None, unit_id=None, area_path=None, skill=None, active=None
):
    stmt = (
        select(Member)
        .where(member_visibility(scope))
        .options(selectinload(Member.skills), selectinload(Member.availability), selectinload(Member.home_building))
    )
    if q:
        stmt = stmt.where(Member.name.contains(q, autoescape=True))
    if phone:
        stmt = stmt.where(Member.phone == normalise_phone(phone))
    if party_status:
        stmt = stmt.where(Member.party_status == party_status)
    if unit_id is not None:
        stmt = stmt.where(Member.unit_id == unit_id)
    if area_path is not None:
        in_area = Area.path.startswith(area_path, autoescape=True)
        stmt = stmt.where(
            exists(select(Area.id).where(Area.id == Member.home_building_id, in_area))
            # listed under the communities their unit is paired with until they have an address
            | (
                Member.home_building_id.is_(None)
                & exists(
                    select(UnitPairing.id)
                    .join(Area, Area.id == UnitPairing.community_id)
                    .where(UnitPairing.unit_id == Member.unit_id, in_area)
                )
            )
        )
    if skill:
        stmt = stmt.where(Member.skills.any(SkillTag.code == skill))
    if active is not None:
        stmt = stmt.where(Member.active.is_(active))
    return stmt.order_by(Member.id)


def get_member(session, scope: Scope, member_id: int) -> Member:
    if scope.member_id == member_id:
        member = session.get(Member, member_id)
    else:
        member = session.scalar(select(Member).where(Member.id == member_id, member_visibility(scope)))
    if member is None:
        raise NotFound(N_("成员不存在"))
    return member


def may_manage_member(scope: Scope, member: Member) -> bool:
    if member.unit_id is not None and member.unit_id in scope.unit_ids:
        return True
    if member.home_building is None:
        # No address yet: whoever sees them under a community may manage them (and give them one).
        return _sees_without_address(scope, member)
    return scope.covers(member.home_building.path, MANAGE)


def _sees_without_address(scope: Scope, member: Member) -> bool:
    if scope.is_city_admin:
        return True
    session = object_session(member)
    if member.unit_id is None or session is None:
        return False
    return any(scope.covers(path, MANAGE) for path in paired_community_paths(session, member.unit_id))


def skills_by_code(session, codes) -> list[SkillTag]:
    codes = sorted(set(codes))
    found = session.scalars(select(SkillTag).where(SkillTag.code.in_(codes))).all() if codes else []
    missing = set(codes) - {s.code for s in found}
    if missing:
        raise Invalid(N_("未知的技能标签"), fields={"skills": [unknown(missing)]})
    return list(found)


def availability_rows(windows) -> list[AvailabilityWindow]:
    rows = []
    for i, w in enumerate(windows):
        start, end = w["start"], w["end"]
        if not (0 <= w["weekday"] <= 6) or start >= end:
            raise Invalid(N_("空闲时段不正确"), fields={"availability": {str(i): [N_("开始须早于结束")]}})
        rows.append(AvailabilityWindow(weekday=w["weekday"], start_minute=start, end_minute=end))
    return rows


def paired_community_paths(session, unit_id: int) -> list[str]:
    """The paths of the communities a unit is paired with (挂点社区: where its staff serve)."""
    return list(
        session.scalars(
            select(Area.path)
            .join(UnitPairing, UnitPairing.community_id == Area.id)
            .where(UnitPairing.unit_id == unit_id)
        )
    )


def _home_building(session, scope: Scope, building_id: int | None, unit_id: int | None) -> Area | None:
    """The building a member's home is set to. Area staff may name any building they manage; a
    unit admin (``unit_id``: the member's unit, which they administer) only one in a community
    their unit is paired with."""
    if building_id is None:
        return None
    area = session.get(Area, building_id)
    allowed = area is not None and (
        scope.covers(area.path, MANAGE)
        or (unit_id is not None and any(area.path.startswith(p) for p in paired_community_paths(session, unit_id)))
    )
    if not allowed:
        raise Invalid(N_("住址楼栋不存在或不在管辖范围"), fields={"home_building_id": [N_("不是你管辖的楼栋")]})
    if area.kind != "building":
        raise Invalid(N_("住址必须是楼栋"), fields={"home_building_id": [N_("须为楼栋")]})
    return area


def create_member(session, scope: Scope, data: dict) -> Member:
    unit_id = data.get("unit_id")
    as_unit_admin = unit_id is not None and unit_id in scope.unit_ids
    if data.get("home_building_id") is None and not as_unit_admin:
        raise Invalid(N_("需要住址楼栋"), fields={"home_building_id": [REQUIRED]})
    home = _home_building(session, scope, data.get("home_building_id"), unit_id if as_unit_admin else None)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise Invalid(N_("单位不存在"), fields={"unit_id": [N_("单位不存在")]})
    if data["party_status"] not in PARTY_STATUSES:
        raise Invalid(N_("未知的身份"), fields={"party_status": [one_of(PARTY_STATUSES)]})
    phone = checked_phone(data["phone"])
    if session.scalar(select(Member.id).where(Member.phone == phone)) is not None:
        raise Conflict(N_("该手机号已登记"), fields={"phone": [N_("已登记")]})
    member = Member(
        name=data["name"].strip(),
        phone=phone,
        party_status=data["party_status"],
        unit_id=unit_id,
        home_building_id=home.id if home else None,
        active=data.get("active", True),
        hide_public=data.get("hide_public", False),
    )
    member.skills = skills_by_code(session, data.get("skills", []))
    member.availability = availability_rows(data.get("availability", []))
    session.add(member)
    session.flush()
    # A login with this phone is not tied to the record here: its holder confirms it (below), so
    # a staff account never gains a member record (and points of its own) behind its back.
    record(session, scope.account_id, "member.create", "member", member.id, home.path if home else None)
    return member


SELF_FIELDS = {"skills", "availability", "hide_public"}


def update_member(session, scope: Scope, member: Member, changes: dict) -> Member:
    is_self = scope.member_id == member.id
    if not may_manage_member(scope, member):
        if not (is_self and set(changes) <= SELF_FIELDS):
            raise Forbidden(N_("无权修改该成员") if not is_self else N_("本人只能修改技能、空闲时段和公开设置"))
    if "phone" in changes:
        phone = checked_phone(changes["phone"])
        other = session.scalar(select(Member.id).where(Member.phone == phone))
        if other is not None and other != member.id:
            raise Conflict(N_("该手机号已登记"), fields={"phone": [N_("已登记")]})
        member.phone = phone
    if "home_building_id" in changes:
        as_unit_admin = member.unit_id is not None and member.unit_id in scope.unit_ids
        home = _home_building(session, scope, changes["home_building_id"], member.unit_id if as_unit_admin else None)
        member.home_building_id = home.id if home else None
    if "unit_id" in changes:
        if changes["unit_id"] is not None and session.get(Unit, changes["unit_id"]) is None:
            raise Invalid(N_("单位不存在"), fields={"unit_id": [N_("单位不存在")]})
        member.unit_id = changes["unit_id"]
    if "party_status" in changes:
        if changes["party_status"] not in PARTY_STATUSES:
            raise Invalid(N_("未知的身份"), fields={"party_status": [one_of(PARTY_STATUSES)]})
        member.party_status = changes["party_status"]
    deactivated = member.active and changes.get("active") is False
    for key in ("name", "active", "hide_public"):
        if key in changes:
            setattr(member, key, changes[key])
    if deactivated:
        # A deactivated member's sessions and API tokens end with it.
        account = session.scalar(select(Account).where(Account.member_id == member.id))
        if account is not None:
            end_sessions(session, account, scope.account_id, "deactivated")
    if "skills" in changes:
        member.skills = skills_by_code(session, changes["skills"])
    if "availability" in changes:
        member.availability = availability_rows(changes["availability"])
    path = member.home_building.path if member.home_building else None
    record(session, scope.account_id, "member.update", "member", member.id, path, fields=sorted(changes))
    return member


# --- role grants -------------------------------------------------------------


def _grant_visible(scope: Scope):
    area_ok = exists(select(Area.id).where(Area.id == RoleGrant.area_id, scope.within(Area.path, MANAGE)))
    unit_owner_ok = exists(
        select(Unit.id)
        .join(Area, Area.id == Unit.area_id)
        .where(Unit.id == RoleGrant.unit_id, scope.within(Area.path, MANAGE))
    )
    condition = area_ok | unit_owner_ok
    if scope.unit_ids:
        condition = condition | RoleGrant.unit_id.in_(scope.unit_ids)
    return condition


def list_grants(scope: Scope, *, account_id=None, role=None, area_id=None, unit_id=None, include_revoked=False):
    stmt = select(RoleGrant).where(_grant_visible(scope))
    if account_id is not None:
        stmt = stmt.where(RoleGrant.account_id == account_id)
    if role:
        stmt = stmt.where(RoleGrant.role == role)
    if area_id is not None:
        stmt = stmt.where(RoleGrant.area_id == area_id)
    if unit_id is not None:
        stmt = stmt.where(RoleGrant.unit_id == unit_id)
    if not include_revoked:
        stmt = stmt.where(RoleGrant.revoked_at.is_(None))
    return stmt.order_by(RoleGrant.id)


def get_grant(session, scope: Scope, grant_id: int) -> RoleGrant:
    grant = session.scalar(select(RoleGrant).where(RoleGrant.id == grant_id, _grant_visible(scope)))
    if grant is None:
        raise NotFound(N_("授权不存在"))
    return grant


def _grant_path(area: Area | None, unit: Unit | None) -> str:
    """The path a grant is over: its area's, else its unit's area's (a grant has one of them)."""
    if area is not None:
        return area.path
    assert unit is not None
    return unit.area.path


def _may_grant(session, scope: Scope | None, role: str, area: Area | None, unit: Unit | None) -> None:
    if scope is None:  # the CLI bootstrap
        return
    # A grant of an area role has its area, a unit admin's its unit (create_grant checked).
    if role in AREA_ROLES:
        assert area is not None
        if scope.rank_over(area.path) < max(RANK[role], RANK[MANAGE]):
            raise Forbidden(N_("只能授予不高于自己的角色"))
    else:
        assert unit is not None
        if unit.id not in scope.unit_ids and not scope.covers(unit.area.path, MANAGE):
            raise Forbidden(N_("无权授予该单位的管理员"))


def find_or_create_account(session, phone: str, name: str | None, password: str | None, hash_params: dict) -> Account:
    account = session.scalar(select(Account).where(Account.phone == phone))
    if account is not None:
        return account
    if not name or not password:
        raise Invalid(N_("新账号需要姓名和初始密码"), fields={"password": [N_("新账号必填")]})
    account = Account(phone=phone, name=name)  # a member record with this phone waits for its holder
    set_password(account, password, hash_params)
    session.add(account)
    session.flush()
    return account


def linkable_member(session, account: Account) -> Member | None:
    """The member record with the account's own phone that no login holds yet, if any."""
    if account.member_id is not None:
        return None
    held = exists().where(Account.member_id == Member.id)
    return session.scalar(select(Member).where(Member.phone == account.phone, ~held))


def confirm_member_link(session, scope: Scope) -> Member:
    """The signed-in holder of an account confirms that the member record with their phone is
    theirs; only then does the account act as that member. Audited."""
    account = session.get(Account, scope.account_id)
    member = linkable_member(session, account) if account is not None else None
    if account is None or member is None:
        raise NotFound(N_("没有可关联的成员档案"))
    account.member_id = member.id
    session.flush()
    record(session, account.id, "member.link_confirmed", "member", member.id, None)
    return member


def create_grant(
    session,
    scope: Scope | None,
    *,
    phone: str,
    role: str,
    area_id=None,
    unit_id=None,
    name=None,
    password=None,
    hash_params: dict,
) -> RoleGrant:
    if role == "member":
        raise Invalid(N_("党员角色随成员档案自动获得，无需授予"), fields={"role": [N_("随成员档案自动获得")]})
    area = unit = None
    if role in AREA_ROLES:
        if area_id is None or unit_id is not None:
            raise Invalid(N_("区域角色需要 area_id"), fields={"area_id": [N_("该角色必填")]})
        area = session.get(Area, area_id)
        if area is None or (scope is not None and not scope.covers(area.path, MANAGE)):
            raise NotFound(N_("区域不存在"))
        if area.kind not in ROLE_AREA_KINDS[role]:
            raise Invalid(
                N_("%(role)s 只能授予在 %(kinds)s 上"),
                params={"role": role, "kinds": "/".join(ROLE_AREA_KINDS[role])},
                fields={
                    "area_id": [
                        (
                            N_("%(role)s 只能授予在 %(kinds)s 上"),
                            {"role": role, "kinds": "/".join(ROLE_AREA_KINDS[role])},
                        )
                    ]
                },
            )
    elif role == "unit_admin":
        if unit_id is None or area_id is not None:
            raise Invalid(N_("单位管理员需要 unit_id"), fields={"unit_id": [N_("该角色必填")]})
        unit = session.get(Unit, unit_id)
        visible = unit is not None and (
            scope is None or unit.id in scope.unit_ids or scope.covers(unit.area.path, READ)
        )
        if not visible:
            raise NotFound(N_("单位不存在"))
    else:
        raise Invalid(N_("未知角色"), fields={"role": [N_("未知角色")]})
    _may_grant(session, scope, role, area, unit)
    account = find_or_create_account(session, checked_phone(phone), name, password, hash_params)
    duplicate = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.account_id == account.id,
            RoleGrant.role == role,
            RoleGrant.revoked_at.is_(None),
            RoleGrant.area_id.is_(area_id) if area_id is None else RoleGrant.area_id == area_id,
            RoleGrant.unit_id.is_(unit_id) if unit_id is None else RoleGrant.unit_id == unit_id,
        )
    )
    if duplicate is not None:
        raise Conflict(N_("该授权已存在"), existing_id=duplicate)
    grant = RoleGrant(
        account_id=account.id,
        role=role,
        area_id=area_id,
        unit_id=unit_id,
        granted_by_id=scope.account_id if scope else None,
    )
    session.add(grant)
    session.flush()
    # A change of role ends the account's sessions and tokens: the next sign-in starts afresh.
    end_sessions(session, account, scope.account_id if scope else None, "role_change")
    record(
        session,
        scope.account_id if scope else None,
        "role_grant.create",
        "role_grant",
        grant.id,
        _grant_path(area, unit),
        role=role,
        account_id=account.id,
    )
    return grant


def revoke_grant(session, scope: Scope, grant: RoleGrant) -> RoleGrant:
    if grant.revoked_at is not None:
        return grant
    _may_grant(session, scope, grant.role, grant.area, grant.unit)
    grant.revoked_at = utcnow()
    grant.revoked_by_id = scope.account_id
    end_sessions(session, grant.account, scope.account_id, "role_change")
    record(
        session,
        scope.account_id,
        "role_grant.revoke",
        "role_grant",
        grant.id,
        _grant_path(grant.area, grant.unit),
        role=grant.role,
    )
    return grant


def list_skills(session) -> list[SkillTag]:
    return list(session.scalars(select(SkillTag).order_by(SkillTag.code)))


def create_skill(session, scope: Scope, code: str, name: str, name_en: str = "") -> SkillTag:
    if not scope.is_city_admin:
        raise Forbidden(N_("技能词表由市级管理员维护"))
    if session.scalar(select(SkillTag.id).where(SkillTag.code == code)) is not None:
        raise Conflict(N_("技能编码已存在"), fields={"code": [ALREADY_USED]})
    tag = SkillTag(code=code, name=name, name_en=name_en)
    session.add(tag)
    session.flush()
    record(session, scope.account_id, "skill.create", "skill_tag", tag.id, None, code=code)
    return tag
