"""Test data builders. ``build_world`` makes a small city with two communities and
one account per role, so scope tests can compare "own" with "other"."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from service.people.accounts import issue_token
from service.people.models import Account, Member, RoleGrant, SkillTag
from service.places.models import Area, Unit, UnitPairing
from service.places.service import place_under

_phones = count(1)
CHEAP_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def next_phone() -> str:
    return f"139{next(_phones):08d}"


def make_area(session, kind: str, name: str, parent: Area | None = None, code: str | None = None) -> Area:
    area = Area(kind=kind, name=name, parent_id=parent.id if parent else None, code=code)
    session.add(area)
    session.flush()
    place_under(area, parent)
    return area


def make_unit(session, name: str, owner: Area, communities=(), kind: str = "government") -> Unit:
    unit = Unit(name=name, kind=kind, area_id=owner.id)
    unit.pairings = [UnitPairing(community_id=c.id) for c in communities]
    session.add(unit)
    session.flush()
    return unit


def make_member(
    session,
    name: str = "测试党员",
    *,
    building: Area | None = None,
    unit: Unit | None = None,
    status: str = "in_service",
    phone: str | None = None,
    skills=(),
) -> Member:
    member = Member(
        name=name,
        phone=phone or next_phone(),
        party_status=status,
        home_building_id=building.id if building else None,
        unit_id=unit.id if unit else None,
    )
    if skills:
        member.skills = list(session.query(SkillTag).filter(SkillTag.code.in_(skills)))
    session.add(member)
    session.flush()
    return member


def make_account(
    session,
    name: str,
    *,
    role: str | None = None,
    area: Area | None = None,
    unit: Unit | None = None,
    member: Member | None = None,
    password: str = "password-123",
) -> Account:
    from service.people.accounts import set_password

    account = Account(
        phone=member.phone if member else next_phone(), name=name, member_id=member.id if member else None
    )
    set_password(account, password, CHEAP_HASH)
    session.add(account)
    session.flush()
    if role:
        session.add(
            RoleGrant(
                account_id=account.id, role=role, area_id=area.id if area else None, unit_id=unit.id if unit else None
            )
        )
        session.flush()
    return account


def token_for(session, account: Account) -> str:
    token, _row = issue_token(session, account, 24)
    session.commit()
    return token


@dataclass
class World:
    city: Area
    district: Area
    street: Area
    other_street: Area
    community_a: Area
    community_b: Area
    grid_a: Area
    grid_b: Area
    building_a: Area
    building_b: Area
    unit: Unit
    other_unit: Unit
    member_a: Member
    member_b: Member
    accounts: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


def build_world(session) -> World:
    for code, name in (("plumbing", "水电维修"), ("haircut", "理发"), ("nursing", "医疗护理"), ("patrol", "平安巡逻")):
        if not session.query(SkillTag).filter_by(code=code).first():
            session.add(SkillTag(code=code, name=name, name_en=code))
    session.flush()
    city = make_area(session, "city", "测试市", code="T-CITY")
    district = make_area(session, "district", "测试区", city)
    street = make_area(session, "street", "光明街道", district)
    other_street = make_area(session, "street", "和平街道", district)
    community_a = make_area(session, "community", "金山社区", street, code="T-CA")
    community_b = make_area(session, "community", "银湖社区", other_street, code="T-CB")
    grid_a = make_area(session, "grid", "金山第一网格", community_a)
    grid_b = make_area(session, "grid", "银湖第一网格", community_b)
    building_a = make_area(session, "building", "金山1栋", grid_a, code="T-BA")
    building_b = make_area(session, "building", "银湖1栋", grid_b, code="T-BB")
    unit = make_unit(session, "市税务局", city, [community_a])
    other_unit = make_unit(session, "区人民医院", city, [community_b], kind="institution")
    member_a = make_member(session, "张三", building=building_a, unit=unit, skills=["plumbing"])
    member_b = make_member(session, "李四", building=building_b, unit=other_unit)
    w = World(
        city,
        district,
        street,
        other_street,
        community_a,
        community_b,
        grid_a,
        grid_b,
        building_a,
        building_b,
        unit,
        other_unit,
        member_a,
        member_b,
    )
    w.accounts = {
        "city_admin": make_account(session, "市管理员", role="city_admin", area=city),
        "street_admin": make_account(session, "街道管理员", role="street_admin", area=street),
        "community_admin": make_account(session, "金山书记", role="community_admin", area=community_a),
        "other_community_admin": make_account(session, "银湖书记", role="community_admin", area=community_b),
        "grid_worker": make_account(session, "金山网格员", role="grid_worker", area=community_a),
        "unit_admin": make_account(session, "税务局专干", role="unit_admin", unit=unit),
        "member": make_account(session, member_a.name, member=member_a),
        "nobody": make_account(session, "无角色"),
    }
    session.flush()
    for key, account in w.accounts.items():
        w.tokens[key], _ = issue_token(session, account, 24)
    return w


class ApiClient:
    """The Flask test client with a bearer token per role: ``api.as_("member").get(...)``."""

    def __init__(self, client, world: World, role: str | None = None):
        self.client, self.world, self.role = client, world, role

    def as_(self, role: str | None) -> ApiClient:
        return ApiClient(self.client, self.world, role)

    def _headers(self, headers=None):
        h = dict(headers or {})
        if self.role:
            h["Authorization"] = f"Bearer {self.world.tokens[self.role]}"
        return h

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url, json=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url, json=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def put(self, url, json=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


# --- registrations (双报到) ---------------------------------------------------------


def make_registration(
    session,
    member: Member,
    community: Area,
    side: str,
    *,
    status: str = "approved",
    created_at=None,
    approved_at=None,
    ended_at=None,
    reason: str | None = None,
):
    """A registration row as history left it (no checks): for tests that start mid-story."""
    from datetime import timedelta

    from service.database import utcnow
    from service.registration.models import Registration, RegistrationEvent

    created_at = created_at or utcnow() - timedelta(days=30)
    if status in ("approved", "withdrawn", "superseded") and approved_at is None:
        approved_at = created_at + timedelta(days=1)
    if status in ("withdrawn", "superseded") and ended_at is None:
        ended_at = approved_at + timedelta(days=1)
    registration = Registration(
        member_id=member.id,
        community_id=community.id,
        side=side,
        status=status,
        created_at=created_at,
        approved_at=approved_at,
        ended_at=ended_at,
        reason=reason,
        decided_at=approved_at if status != "pending" else None,
    )
    registration.events = [RegistrationEvent(action="filed", to_status="pending", at=created_at)]
    session.add(registration)
    session.flush()
    return registration


def add_login(
    session,
    world: World,
    key: str,
    *,
    member: Member | None = None,
    role: str | None = None,
    area: Area | None = None,
    unit: Unit | None = None,
) -> Account:
    """One more account (and bearer token) in ``world`` under ``key``; commits."""
    account = make_account(session, member.name if member else key, member=member, role=role, area=area, unit=unit)
    world.accounts[key] = account
    world.tokens[key], _row = issue_token(session, account, 24)
    settle(session)
    return account


def settle(session) -> None:
    """Commit, load every attribute, and let go of the connection (as the ``world`` fixture
    does), so requests made next never wait behind the test's own transaction."""
    session.commit()
    for obj in list(session.identity_map.values()):
        session.refresh(obj)
    session.close()


# --- needs (诉求) ----------------------------------------------------------------------

_need_codes = count(1)


def _need_code(n: int) -> str:
    from service.needs.service import CODE_ALPHABET

    digits = []
    for _ in range(10):
        n, digit = divmod(n, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[digit])
    return "".join(reversed(digits))


def make_department(session, name: str = "城管", due_days: int = 5, active: bool = True):
    from service.needs.models import Department

    department = Department(name=name, due_days=due_days, active=active)
    session.add(department)
    session.flush()
    return department


def make_need(
    session,
    community: Area,
    place: Area | None = None,
    *,
    status: str = "submitted",
    created_at=None,
    due_at=None,
    urgency: str = "normal",
    category: str = "everyday_help",
    owner: Account | None = None,
    phone: str | None = "13912345678",
    name: str = "王秀英",
    beneficiary_group: str | None = None,
    resolved_at=None,
    rating: int | None = None,
    result: str | None = None,
    description: str = "楼道灯坏了",
):
    """A need as history left it (no checks, one 'submitted' event): for tests that start mid-story."""
    from datetime import timedelta

    from service.database import utcnow
    from service.needs.models import Need, NeedEvent

    created_at = created_at or utcnow() - timedelta(days=1)
    due_at = due_at or created_at + timedelta(days=1 if urgency == "urgent" else 7)
    finished = status in ("resolved", "closed")
    need = Need(
        tracking_code=_need_code(next(_need_codes)),
        channel="resident",
        status=status,
        community_id=community.id,
        place_id=place.id if place else None,
        place_path=(place or community).path,
        category=category,
        description=description,
        resident_name=name,
        resident_phone=phone,
        urgency=urgency,
        beneficiary_group=beneficiary_group,
        owner_id=owner.id if owner else None,
        due_at=due_at,
        clock_started_at=created_at,
        created_at=created_at,
        accepted_at=created_at if status not in ("submitted", "rejected") else None,
        resolved_at=(resolved_at or created_at + timedelta(days=2)) if finished else None,
        closed_at=(resolved_at or created_at + timedelta(days=2)) if status == "closed" else None,
        result=result or ("已修好" if finished else None),
        rating=rating,
        reject_reason="不属于社区职责" if status == "rejected" else None,
    )
    need.events = [NeedEvent(action="submitted", to_status="submitted", at=created_at, note="")]
    session.add(need)
    session.flush()
    return need


# --- rankings: ledger rows with a chosen booking time -------------------------------------------

_entry_keys = count(1)


def make_entry(
    session,
    member: Member,
    community: Area,
    points,
    booked_at,
    *,
    side: str = "residence",
    kind: str = "award",
    rule_set_id: int | None = None,
    reverses=None,
    unit: Unit | None = None,
):
    """A ledger row booked at ``booked_at`` (no rules, no caps): for ranking tests that need exact
    totals and timings. ``points`` in points (tenths are stored); a reversal copies what it reverses."""
    from decimal import Decimal

    from service.points.models import LedgerEntry

    if reverses is not None:
        amount, side, kind = -reverses.amount, reverses.side, "reversal"
    else:
        amount = int(Decimal(str(points)) * 10)
    entry = LedgerEntry(
        member_id=member.id,
        amount=amount,
        side=side,
        kind=kind,
        community_id=community.id,
        unit_id=unit.id if unit else member.unit_id,
        category="caring_help",
        source_type="test",
        source_id=None,
        rule_set_id=rule_set_id,
        explanation="test entry",
        occurred_at=booked_at,
        booked_at=booked_at,
        idempotency_key=f"test:rankings:{next(_entry_keys)}",
        reverses_id=reverses.id if reverses is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry
