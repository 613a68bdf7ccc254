"""Validate every row first, then import all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import insert, select

from ..audit.log import record
from ..i18n import N_, render_message
from ..places.models import AREA_KINDS, UNIT_KINDS, Area, Unit, UnitPairing, may_contain
from ..people.models import PARTY_STATUSES, AvailabilityWindow, Member, SkillTag, member_skills
from ..people.phones import is_mobile, normalise_phone
from .reader import read_rows

M = TypeVar("M", Area, Unit)

AREA_KIND_ALIASES = {
    "市": "city",
    "区": "district",
    "区县": "district",
    "县": "district",
    "街道": "street",
    "乡镇": "street",
    "社区": "community",
    "村": "community",
    "小区": "compound",
    "网格": "grid",
    "楼栋": "building",
}
UNIT_KIND_ALIASES = {"机关": "government", "企业": "enterprise", "事业单位": "institution", "社会组织": "social_org"}
STATUS_ALIASES = {
    "在职党员": "in_service",
    "离退休党员": "retired",
    "退休党员": "retired",
    "流动党员": "floating",
    "群众": "non_party",
    "群众志愿者": "non_party",
    "志愿者": "non_party",
    "新就业群体": "new_employment",
    "快递员": "new_employment",
    "外卖骑手": "new_employment",
}
WEEKDAY_ALIASES = {"周一": 0, "周二": 1, "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6, "周天": 6}
SEPARATORS = re.compile(r"[;；,，、\s]+")


@dataclass
class RowError:
    """One problem in one row: a message id and its parameters, like a ``DomainError``."""

    row: int
    column: str
    message: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        """The message in the current language."""
        return render_message(self.message, self.params)

    def __str__(self) -> str:
        return render_message(ROW_ERROR, {"row": self.row, "column": self.column, "message": self.text()})


ROW_ERROR = N_("第 %(row)s 行 [%(column)s]: %(message)s")


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


def _split(value: str) -> list[str]:
    return [p for p in SEPARATORS.split(value or "") if p]


def _by_code(session, model: type[M], codes) -> dict[str, M]:
    found: dict[str, M] = {}
    codes = sorted(set(codes))
    for i in range(0, len(codes), 500):
        for row in session.scalars(select(model).where(model.code.in_(codes[i : i + 500]))):
            found[row.code] = row
    return found


def _require(row, column, errors, number) -> str:
    value = row.get(column, "").strip()
    if not value:
        errors.append(RowError(number, column, N_("必填")))
    return value


TOO_LONG = N_("最多 %(max)s 个字符")


def _fits(value: str, model_column, column: str, errors, number) -> None:
    """A cell longer than the column it goes into is that row's error (the database would
    refuse the whole import, or SQLite silently keep the overflow)."""
    limit = model_column.type.length
    if value and limit is not None and len(value) > limit:
        errors.append(RowError(number, column, TOO_LONG, {"max": limit}))


# --- areas -------------------------------------------------------------------


def import_areas(session, path, actor_id=None) -> int:
    rows = read_rows(path)
    errors: list[RowError] = []
    existing = _by_code(
        session, Area, [r.get("code", "") for _, r in rows] + [r.get("parent_code", "") for _, r in rows]
    )
    seen: dict[str, str] = {}  # code -> kind, for parents defined earlier in the same file
    plan = []
    for number, row in rows:
        code = _require(row, "code", errors, number)
        name = _require(row, "name", errors, number)
        _fits(code, Area.code, "code", errors, number)
        _fits(name, Area.name, "name", errors, number)
        kind = AREA_KIND_ALIASES.get(row.get("kind", "").strip(), row.get("kind", "").strip())
        if kind not in AREA_KINDS:
            errors.append(RowError(number, "kind", N_("未知类型 %(kind)s"), {"kind": repr(kind)}))
            continue
        if code in existing or code in seen:
            errors.append(RowError(number, "code", N_("编码 %(code)s 重复"), {"code": code}))
        parent_code = row.get("parent_code", "").strip()
        parent_kind = None
        if parent_code:
            parent_kind = seen.get(parent_code) or (existing[parent_code].kind if parent_code in existing else None)
            if parent_kind is None:
                errors.append(
                    RowError(
                        number, "parent_code", N_("上级 %(code)s 不存在（上级须在本行之前）"), {"code": parent_code}
                    )
                )
            elif not may_contain(parent_kind, kind):
                errors.append(
                    RowError(number, "kind", N_("%(parent)s 下不能建 %(kind)s"), {"parent": parent_kind, "kind": kind})
                )
        households = row.get("households", "").strip()
        if households and not households.isdigit():
            errors.append(RowError(number, "households", N_("户数须为整数")))
        seen[code] = kind
        plan.append((code, name, kind, parent_code, int(households) if households.isdigit() else None))
    if errors:
        raise ImportRejected(errors)
    by_code = dict(existing)
    for code, name, kind, parent_code, households in plan:
        parent = by_code.get(parent_code) if parent_code else None
        area = Area(code=code, name=name, kind=kind, parent_id=parent.id if parent else None, households=households)
        session.add(area)
        session.flush()
        area.path = (parent.path if parent else "/") + f"{area.id}/"
        area.depth = parent.depth + 1 if parent else 0
        by_code[code] = area
    record(session, actor_id, "import.areas", "area", None, None, rows=len(plan))
    return len(plan)


# --- units -------------------------------------------------------------------


def import_units(session, path, actor_id=None) -> int:
    rows = read_rows(path)
    errors: list[RowError] = []
    area_codes = [r.get("area_code", "") for _, r in rows]
    for _, r in rows:
        area_codes += _split(r.get("community_codes", ""))
    areas = _by_code(session, Area, area_codes)
    existing_units = _by_code(session, Unit, [r.get("code", "") for _, r in rows])
    seen: set[str] = set()
    plan = []
    for number, row in rows:
        name = _require(row, "name", errors, number)
        code = row.get("code", "").strip() or None
        _fits(name, Unit.name, "name", errors, number)
        _fits(code or "", Unit.code, "code", errors, number)
        if code and (code in existing_units or code in seen):
            errors.append(RowError(number, "code", N_("编码 %(code)s 重复"), {"code": code}))
        if code:
            seen.add(code)
        kind = UNIT_KIND_ALIASES.get(row.get("kind", "").strip(), row.get("kind", "").strip())
        if kind not in UNIT_KINDS:
            errors.append(RowError(number, "kind", N_("未知单位类型 %(kind)s"), {"kind": repr(kind)}))
        area_code = _require(row, "area_code", errors, number)
        if area_code and area_code not in areas:
            errors.append(RowError(number, "area_code", N_("区域 %(code)s 不存在"), {"code": area_code}))
        communities = []
        for c in _split(row.get("community_codes", "")):
            if c not in areas or areas[c].kind != "community":
                errors.append(RowError(number, "community_codes", N_("%(code)s 不是已有社区"), {"code": c}))
            else:
                communities.append(areas[c].id)
        plan.append((name, code, kind, area_code, communities))
    if errors:
        raise ImportRejected(errors)
    for name, code, kind, area_code, communities in plan:
        unit = Unit(name=name, code=code, kind=kind, area_id=areas[area_code].id)
        unit.pairings = [UnitPairing(community_id=c) for c in sorted(set(communities))]
        session.add(unit)
    session.flush()
    record(session, actor_id, "import.units", "unit", None, None, rows=len(plan))
    return len(plan)


# --- members -----------------------------------------------------------------

WINDOW = re.compile(r"^(\S+?)\s*(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_availability(value: str) -> list[tuple[int, int, int]]:
    """ "周六 09:00-12:00; 周日 14:00-17:00" (or "6 09:00-12:00") as (weekday, start, end)."""
    windows = []
    for part in re.split(r"[;；]", value or ""):
        part = part.strip()
        if not part:
            continue
        match = WINDOW.match(part)
        if not match:
            raise ValueError(N_("无法识别时段 %(part)s"), {"part": repr(part)})
        day, h1, m1, h2, m2 = match.groups()
        weekday = WEEKDAY_ALIASES.get(day)
        if weekday is None and day.isdigit() and 1 <= int(day) <= 7:
            weekday = int(day) - 1
        if weekday is None:
            raise ValueError(N_("无法识别星期 %(day)s"), {"day": repr(day)})
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if not (0 <= start < end <= 1440) or int(m1) > 59 or int(m2) > 59:
            raise ValueError(N_("时段不正确 %(part)s"), {"part": repr(part)})
        windows.append((weekday, start, end))
    return windows


def import_members(session, path, actor_id=None) -> int:
    rows = read_rows(path)
    errors: list[RowError] = []
    phones_in_file = [normalise_phone(r.get("phone", "")) for _, r in rows]
    taken = set()
    for i in range(0, len(phones_in_file), 500):
        taken |= set(session.scalars(select(Member.phone).where(Member.phone.in_(phones_in_file[i : i + 500]))))
    buildings = _by_code(session, Area, [r.get("building_code", "") for _, r in rows])
    units = _by_code(session, Unit, [r.get("unit_code", "") for _, r in rows])
    skills = {s.code: s.id for s in session.scalars(select(SkillTag))}
    skills.update({s.name: s.id for s in session.scalars(select(SkillTag))})
    seen: set[str] = set()
    plan = []
    for number, row in rows:
        name = _require(row, "name", errors, number)
        _fits(name, Member.name, "name", errors, number)
        phone = normalise_phone(row.get("phone", ""))
        if not is_mobile(phone):
            errors.append(
                RowError(number, "phone", N_("%(phone)s 不是有效的大陆手机号"), {"phone": repr(row.get("phone", ""))})
            )
        elif phone in taken:
            errors.append(RowError(number, "phone", N_("手机号已登记")))
        elif phone in seen:
            errors.append(RowError(number, "phone", N_("手机号在文件中重复")))
        seen.add(phone)
        status = STATUS_ALIASES.get(row.get("party_status", "").strip(), row.get("party_status", "").strip())
        if status not in PARTY_STATUSES:
            errors.append(RowError(number, "party_status", N_("未知身份 %(status)s"), {"status": repr(status)}))
        unit_code = row.get("unit_code", "").strip()
        if unit_code and unit_code not in units:
            errors.append(RowError(number, "unit_code", N_("单位 %(code)s 不存在"), {"code": unit_code}))
        building_code = row.get("building_code", "").strip()
        building = buildings.get(building_code)
        if building_code and (building is None or building.kind != "building"):
            errors.append(RowError(number, "building_code", N_("楼栋 %(code)s 不存在"), {"code": building_code}))
        skill_ids = []
        for s in _split(row.get("skills", "")):
            if s not in skills:
                errors.append(RowError(number, "skills", N_("未知技能 %(skill)s"), {"skill": repr(s)}))
            else:
                skill_ids.append(skills[s])
        try:
            windows = parse_availability(row.get("availability", ""))
        except ValueError as exc:
            errors.append(RowError(number, "availability", *exc.args))
            windows = []
        plan.append(
            {
                "name": name,
                "phone": phone,
                "party_status": status,
                "unit_id": units[unit_code].id if unit_code in units else None,
                "home_building_id": building.id if building is not None else None,
                "skills": sorted(set(skill_ids)),
                "windows": windows,
            }
        )
    if errors:
        raise ImportRejected(errors)
    return insert_members(session, plan, actor_id)


def insert_members(session, plan: list[dict], actor_id=None) -> int:
    """Bulk insert of validated member rows (also used by the demo data)."""
    if not plan:
        return 0
    from ..database import utcnow

    now = utcnow()
    base = [
        {k: p[k] for k in ("name", "phone", "party_status", "unit_id", "home_building_id")}
        | {
            "active": p.get("active", True),
            "hide_public": p.get("hide_public", False),
            "created_at": now,
            "updated_at": now,
        }
        for p in plan
    ]
    ids = list(session.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), base))
    skill_rows = [{"member_id": mid, "skill_id": s} for mid, p in zip(ids, plan) for s in p["skills"]]
    window_rows = [
        {"member_id": mid, "weekday": w, "start_minute": a, "end_minute": b}
        for mid, p in zip(ids, plan)
        for (w, a, b) in p["windows"]
    ]
    if skill_rows:
        session.execute(insert(member_skills), skill_rows)
    if window_rows:
        session.execute(insert(AvailabilityWindow), window_rows)
    record(session, actor_id, "import.members", "member", None, None, rows=len(plan))
    return len(plan)
