"""The authorization matrix: every API endpoint × every role × own scope / other scope.

Generated from the route table (``app.url_map``): an API endpoint without an entry in
``MATRIX`` fails ``test_every_api_endpoint_has_an_entry``.

Each entry says how to call the endpoint (path parameters, query, body; ``@name`` is
replaced by the id of that object on the side being tried) and what each role gets:

* ``own``   — objects in 金山社区 (community A, street 光明街道, unit 市税务局, member 张三);
* ``other`` — the same kind of objects in 银湖社区 (community B, the other street, the
  other unit, member 李四).

Expected outcomes: ``401``/``403``/``404`` exactly, or ``ok`` — allowed: a 2xx, or a
validation/state answer (400, 409, 422) that proves the request got past the checks.
A role written ``ok/404`` gets ``ok`` on its own side and 404 on the other; a single value
applies to both sides. Roles not named get the entry's ``rest`` value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, UTC

import pytest

from service import create_app

from ..factories import ApiClient, make_entry, make_need, make_registration, settle

ROLES = ("anonymous", "member", "grid_worker", "unit_admin", "community_admin", "street_admin", "city_admin")
SHORT = {
    "anon": "anonymous",
    "member": "member",
    "grid": "grid_worker",
    "unit": "unit_admin",
    "community": "community_admin",
    "street": "street_admin",
    "city": "city_admin",
}
ALLOWED = {200, 201, 204, 400, 409, 422}

# Path parameter → the object it names (override per entry with ``path=``).
PATH_OBJECTS = {
    "area_id": "community",
    "claim_id": "claim",
    "department_id": "department",
    "run_id": "grade_run",
    "member_id": "member",
    "need_id": "need",
    "code": "need_code",
    "rule_set_id": "rule_set",
    "entry_id": "entry",
    "snapshot_id": "snapshot",
    "registration_id": "registration",
    "grant_id": "grant",
    "task_id": "task",
    "unit_id": "unit",
    "invitation_id": "invitation",
    "pair_id": "pair",
    "adjustment_id": "adjustment",
}


@dataclass
class Entry:
    expect: str
    query: dict = field(default_factory=dict)
    body: dict | None = None
    path: dict = field(default_factory=dict)
    note: str = ""


# --- the presets --------------------------------------------------------------------------------

PUBLIC = "rest:ok"
ANY_LOGIN = "anon:401 rest:ok"  # lists are filtered to the caller's scope, so every login may ask
# Staff reading within their areas (grid worker and up). The member and the unit admin hold no
# area, so an area's objects do not exist for them (404), as they do not for staff elsewhere.
AREA_READ = "anon:401 member:404 unit:404 grid:ok/404 community:ok/404 street:ok/404 city:ok"
# Community admins and up change things within their areas; a grid worker sees but may not act.
AREA_MANAGE = "anon:401 member:404 unit:404 grid:403/404 community:ok/404 street:ok/404 city:ok"
# Street-level objects (the street itself): street and city admins; those below do not see the street.
STREET_MANAGE = "anon:401 member:404 unit:404 grid:404 community:404 street:ok/404 city:ok"
CITY_ONLY = "anon:401 rest:403 city:ok"  # city-wide vocabularies: everyone sees them, only the city changes them
# A member's own data: the member themself, staff over their home, the admin of their unit.
MEMBER_DATA = "anon:401 member:ok/404 grid:ok/404 unit:ok/404 community:ok/404 street:ok/404 city:ok"
# Things only the member themself does (download their data, withdraw): staff who see the member get 403.
SELF_ONLY = "anon:401 member:ok/404 grid:403/404 unit:403/404 community:403/404 street:403/404 city:403"
# Decisions on a member's record (approve, evaluate): community admins and up over the member's home.
MEMBER_MANAGE = "anon:401 member:403/404 grid:403/404 unit:403/404 community:ok/404 street:ok/404 city:ok"
# Claims and ledger entries belong to the community where the service happens (not to the unit).
CLAIM_READ = "anon:401 member:ok/404 grid:ok/404 unit:404 community:ok/404 street:ok/404 city:ok"
CLAIMANT_ONLY = "anon:401 member:ok/404 grid:403/404 unit:404 community:403/404 street:403/404 city:403"
CLAIM_DECISION = "anon:401 member:403/404 grid:403/404 unit:404 community:ok/404 street:ok/404 city:ok"
# Points posted for a member (award, adjust, approve or reject an adjustment): the same; the
# member themself is refused (403), never shown their own record as missing.
POINTS_DECISION = CLAIM_DECISION
# An invitation is its member's alone: anyone else (staff included) is told it does not exist.
INVITEE_ONLY = "anon:401 member:ok/404 rest:404"
# A standing pair: staff over the resident's place, or the paired member (the unit admin holds neither).
PAIR_READ = "anon:401 member:ok/404 grid:ok/404 unit:404 community:ok/404 street:ok/404 city:ok"


def _ts(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


LAST_MONTH = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()

MATRIX: dict[str, Entry] = {
    # --- docs and auth
    "GET /api/v1/openapi.json": Entry(PUBLIC),
    "GET /api/v1/docs": Entry(PUBLIC),
    "POST /api/v1/auth/token": Entry(
        "rest:401",
        body={"phone": "13900000000", "password": "wrong-password"},
        note="public door: a wrong password is 401 for everyone",
    ),
    "DELETE /api/v1/auth/token": Entry(
        "anon:401 rest:401/ok", note="the other side is tried first and revokes the token: own side is then 401"
    ),
    "GET /api/v1/auth/me": Entry(ANY_LOGIN),
    "GET /api/v1/auth/me/member-link": Entry(
        "anon:401 rest:404", note="only the holder of an account sees a member record waiting for them"
    ),
    "POST /api/v1/auth/me/member-link": Entry("anon:401 rest:404", body={}),
    # --- places
    "GET /api/v1/areas": Entry(AREA_READ, query={"within_id": "@community"}),
    "POST /api/v1/areas": Entry(AREA_MANAGE, body={"parent_id": "@community", "kind": "grid", "name": "新网格"}),
    "GET /api/v1/areas/<int:area_id>": Entry(AREA_READ),
    "PATCH /api/v1/areas/<int:area_id>": Entry(AREA_MANAGE, body={"name": "改名社区"}),
    "GET /api/v1/units": Entry(ANY_LOGIN),
    "POST /api/v1/units": Entry(STREET_MANAGE, body={"name": "新单位", "kind": "enterprise", "area_id": "@street"}),
    "GET /api/v1/units/<int:unit_id>": Entry(
        "anon:401 member:404 grid:ok/404 unit:ok/404 community:ok/404 street:ok/404 city:ok"
    ),
    "PATCH /api/v1/units/<int:unit_id>": Entry(
        "anon:401 member:404 grid:403/404 unit:ok/404 community:403/404 street:403/404 city:ok",
        body={"name": "改名单位"},
    ),
    # --- people
    "GET /api/v1/members": Entry(ANY_LOGIN),
    "POST /api/v1/members": Entry(
        "anon:401 member:422 grid:422 unit:422 community:ok/422 street:ok/422 city:ok",
        body={"name": "新党员", "phone": "13700000001", "party_status": "retired", "home_building_id": "@building"},
    ),
    "GET /api/v1/members/<int:member_id>": Entry(MEMBER_DATA),
    "PATCH /api/v1/members/<int:member_id>": Entry(
        "anon:401 member:ok/404 grid:403/404 unit:ok/404 community:ok/404 street:ok/404 city:ok",
        body={"hide_public": True},
    ),
    "GET /api/v1/members/<int:member_id>/export": Entry(SELF_ONLY),
    "GET /api/v1/role-grants": Entry(ANY_LOGIN),
    "POST /api/v1/role-grants": Entry(
        "anon:401 member:404 grid:404 unit:404 community:ok/404 street:ok/404 city:ok",
        body={
            "phone": "13700000002",
            "role": "grid_worker",
            "area_id": "@grid",
            "name": "新网格员",
            "password": "password-123",
        },
    ),
    "GET /api/v1/role-grants/<int:grant_id>": Entry(
        "anon:401 member:404 grid:404 unit:404 community:ok/404 street:ok/404 city:ok"
    ),
    "PATCH /api/v1/role-grants/<int:grant_id>": Entry(
        "anon:401 member:404 grid:404 unit:404 community:ok/404 street:ok/404 city:ok", body={"revoked": True}
    ),
    "GET /api/v1/skills": Entry(ANY_LOGIN),
    "POST /api/v1/skills": Entry(CITY_ONLY, body={"code": "gardening", "name": "园艺"}),
    # --- registrations
    "GET /api/v1/registrations": Entry(ANY_LOGIN),
    "POST /api/v1/registrations": Entry(
        "anon:401 member:ok/422 grid:422 unit:422 community:422 street:422 city:422",
        body={"community_id": "@community", "side": "unit"},
    ),
    "POST /api/v1/registrations/batch": Entry(ANY_LOGIN, body={"ids": ["@registration"], "action": "approve"}),
    "GET /api/v1/registrations/<int:registration_id>": Entry(MEMBER_DATA),
    "POST /api/v1/registrations/<int:registration_id>/approve": Entry(MEMBER_MANAGE),
    "POST /api/v1/registrations/<int:registration_id>/reject": Entry(MEMBER_MANAGE, body={"reason": "不符合"}),
    "POST /api/v1/registrations/<int:registration_id>/withdraw": Entry(SELF_ONLY, body={}),
    "GET /api/v1/members/<int:member_id>/registrations": Entry(MEMBER_DATA),
    "GET /api/v1/units/<int:unit_id>/compliance": Entry(
        "anon:401 member:404 grid:404 unit:ok/404 community:404 street:404 city:ok"
    ),
    # --- points
    "GET /api/v1/service-categories": Entry(ANY_LOGIN),
    "POST /api/v1/service-items": Entry(CITY_ONLY, body={"category": "caring_help", "code": "reading", "name": "读报"}),
    "GET /api/v1/point-rules": Entry(ANY_LOGIN),
    "POST /api/v1/point-rules": Entry(
        AREA_MANAGE,
        body={
            "area_id": "@community",
            "effective_from": "2030-01-01",
            "body": {"default": {"base": "0", "per_hour": "1.0"}},
        },
    ),
    "GET /api/v1/point-rules/<int:rule_set_id>": Entry(ANY_LOGIN),
    "POST /api/v1/point-rules/preview": Entry(
        ANY_LOGIN, body={"community_id": "@community", "category": "caring_help", "occurred_at": _ts(-24), "hours": 2}
    ),
    "POST /api/v1/points/awards": Entry(
        POINTS_DECISION,
        body={
            "member_id": "@member",
            "community_id": "@community",
            "category": "caring_help",
            "occurred_at": _ts(-24),
            "hours": 1,
            "note": "入户探访",
        },
    ),
    "POST /api/v1/points/adjustments": Entry(
        POINTS_DECISION, body={"member_id": "@member", "community_id": "@community", "points": 1, "reason": "补录"}
    ),
    "GET /api/v1/points/adjustments": Entry(ANY_LOGIN),
    "POST /api/v1/points/adjustments/<int:adjustment_id>/approve": Entry(POINTS_DECISION),
    "POST /api/v1/points/adjustments/<int:adjustment_id>/reject": Entry(POINTS_DECISION, body={"reason": "依据不足"}),
    "GET /api/v1/points/entries": Entry(ANY_LOGIN),
    "GET /api/v1/points/entries/<int:entry_id>": Entry(CLAIM_READ),
    "POST /api/v1/points/entries/<int:entry_id>/reverse": Entry(CLAIM_DECISION, body={"reason": "录错"}),
    "GET /api/v1/members/<int:member_id>/points": Entry(MEMBER_DATA),
    "POST /api/v1/evaluations": Entry(
        MEMBER_MANAGE, body={"member_id": "@member", "month": LAST_MONTH, "rating": "good", "comment": "积极"}
    ),
    "GET /api/v1/units/<int:unit_id>/double-evaluation": Entry(
        "anon:401 member:404 grid:404 unit:ok/404 community:404 street:404 city:ok"
    ),
    "POST /api/v1/grades": Entry(AREA_MANAGE, body={"area_id": "@community", "period": "month", "date": LAST_MONTH}),
    "GET /api/v1/grades/<int:run_id>": Entry(AREA_READ),
    # --- needs
    "GET /api/v1/needs": Entry(ANY_LOGIN, query={"community_id": "@community"}),
    "POST /api/v1/needs": Entry(
        "anon:ok member:404 grid:ok/404 unit:404 community:ok/404 street:ok/404 city:ok",
        body={
            "community_id": "@community",
            "category": "everyday_help",
            "description": "楼道灯坏了",
            "resident_name": "王秀英",
            "resident_phone": "13912345678",
            "place_id": "@building",
        },
    ),
    "GET /api/v1/needs/<int:need_id>": Entry(AREA_READ),
    "POST /api/v1/needs/<int:need_id>/accept": Entry(AREA_MANAGE, body={}),
    "POST /api/v1/needs/<int:need_id>/reject": Entry(AREA_MANAGE, body={"reason": "不属于社区职责"}),
    "POST /api/v1/needs/<int:need_id>/transfer": Entry(AREA_MANAGE, body={"department_id": "@department"}),
    "POST /api/v1/needs/<int:need_id>/resolve": Entry(AREA_MANAGE, body={"result": "已修好"}),
    "POST /api/v1/needs/<int:need_id>/reopen": Entry(AREA_MANAGE, body={"reason": "又坏了"}),
    "GET /api/v1/needs/track/<code>": Entry(PUBLIC),
    "POST /api/v1/needs/track/<code>/feedback": Entry(
        "rest:ok grid:403/ok community:403/ok street:403/ok city:403",
        body={"stars": 5, "phone_last4": "5678"},
        note="the rating is the resident's: staff over the need's community are refused",
    ),
    "GET /api/v1/needs/public": Entry(PUBLIC, query={"area_id": "@community"}),
    "GET /api/v1/departments": Entry(ANY_LOGIN),
    "POST /api/v1/departments": Entry(CITY_ONLY, body={"name": "水务"}),
    "PATCH /api/v1/departments/<int:department_id>": Entry(CITY_ONLY, body={"name": "水务局"}),
    "GET /api/v1/need-policies/<int:area_id>": Entry(AREA_READ),
    "PUT /api/v1/need-policies/<int:area_id>": Entry(AREA_MANAGE, body={"urgent_hours": 12, "normal_hours": 72}),
    # --- tasks and claims
    "GET /api/v1/tasks": Entry(ANY_LOGIN, query={"community_id": "@community"}),
    "POST /api/v1/tasks": Entry(
        AREA_MANAGE,
        body={
            "title": "楼道清理",
            "community_id": "@community",
            "category": "environment",
            "starts_at": _ts(48),
            "ends_at": _ts(50),
            "slots": 2,
        },
    ),
    "GET /api/v1/tasks/<int:task_id>": Entry(
        "anon:401 member:ok grid:ok/404 unit:404 community:ok/404 street:ok/404 city:ok"
    ),
    "PATCH /api/v1/tasks/<int:task_id>": Entry(AREA_MANAGE, body={"title": "楼道大扫除"}),
    "POST /api/v1/tasks/<int:task_id>/publish": Entry(AREA_MANAGE, body={}),
    "POST /api/v1/tasks/<int:task_id>/start": Entry(AREA_MANAGE, body={}),
    "POST /api/v1/tasks/<int:task_id>/complete": Entry(AREA_MANAGE, body={}),
    "POST /api/v1/tasks/<int:task_id>/cancel": Entry(AREA_MANAGE, body={"reason": "下雨"}),
    "POST /api/v1/tasks/<int:task_id>/claims": Entry(
        "anon:401 member:ok grid:403 unit:403 community:403 street:403 city:403",
        body={},
        note="only members claim: staff without a member record are refused (not_a_member)",
    ),
    "GET /api/v1/claims": Entry(ANY_LOGIN, query={"community_id": "@community"}),
    "POST /api/v1/claims/verify-batch": Entry(ANY_LOGIN, body={"ids": ["@claim"]}),
    "GET /api/v1/claims/<int:claim_id>": Entry(CLAIM_READ),
    "DELETE /api/v1/claims/<int:claim_id>": Entry(CLAIMANT_ONLY),
    "POST /api/v1/claims/<int:claim_id>/check-in": Entry(CLAIM_READ),
    "POST /api/v1/claims/<int:claim_id>/done": Entry(CLAIMANT_ONLY, body={"hours": 2, "note": ""}),
    "POST /api/v1/claims/<int:claim_id>/verify": Entry(CLAIM_DECISION),
    "POST /api/v1/claims/<int:claim_id>/reject": Entry(CLAIM_DECISION, body={"reason": "未到场"}),
    "POST /api/v1/claims/<int:claim_id>/no-show": Entry(CLAIM_DECISION),
    "GET /api/v1/members/<int:member_id>/claims": Entry(MEMBER_DATA),
    # --- matcher: suggestions (grid workers may read them), invitations and dispatch (community admins and up)
    "GET /api/v1/tasks/<int:task_id>/candidates": Entry(AREA_READ, path={"task_id": "open_task"}),
    "GET /api/v1/tasks/<int:task_id>/candidates/<int:member_id>/why-not": Entry(
        AREA_READ, path={"task_id": "open_task"}
    ),
    "GET /api/v1/members/<int:member_id>/recommended-tasks": Entry(MEMBER_DATA),
    "POST /api/v1/tasks/<int:task_id>/invitations": Entry(
        AREA_MANAGE, path={"task_id": "open_task"}, body={"member_id": "@member"}
    ),
    "GET /api/v1/invitations": Entry("anon:401 member:ok rest:422", note="only members have invitations"),
    "POST /api/v1/invitations/<int:invitation_id>/accept": Entry(INVITEE_ONLY),
    "POST /api/v1/invitations/<int:invitation_id>/decline": Entry(INVITEE_ONLY, body={"reason": "没空"}),
    "POST /api/v1/dispatch/preview": Entry(AREA_MANAGE, body={"area_id": "@community", "from": _ts(1), "to": _ts(72)}),
    "POST /api/v1/dispatch": Entry(AREA_MANAGE, body={"area_id": "@community", "from": _ts(1), "to": _ts(72)}),
    # --- standing pairs and visits
    "GET /api/v1/pairs": Entry("anon:401 unit:422 rest:ok", note="staff: pairs in scope; members: their own"),
    "POST /api/v1/pairs": Entry(
        "anon:401 member:403 grid:403 unit:403 community:ok/404 street:ok/404 city:ok",
        body={
            "member_id": "@member",
            "resident_name": "赵大爷",
            "resident_phone": "13798765432",
            "place_id": "@building",
            "beneficiary_group": "special",
        },
        note="only those who manage an area may pair at all (403 before any lookup)",
    ),
    "GET /api/v1/pairs/<int:pair_id>": Entry(PAIR_READ),
    "POST /api/v1/pairs/<int:pair_id>/end": Entry(AREA_MANAGE, body={"reason": "搬走了"}),
    "GET /api/v1/visit-rhythms": Entry(AREA_READ, query={"area_id": "@community"}),
    "PUT /api/v1/visit-rhythms": Entry(
        AREA_MANAGE, query={"area_id": "@community"}, body={"rhythms": {"special": "weekly"}}
    ),
    "GET /api/v1/visits": Entry(ANY_LOGIN, query={"community_id": "@community"}),
    # --- inbox and audit
    "GET /api/v1/notifications": Entry(ANY_LOGIN),
    "POST /api/v1/notifications/read": Entry(ANY_LOGIN, body={}),
    "GET /api/v1/audit-events": Entry("anon:401 member:403 grid:403 unit:403 community:ok street:ok city:ok"),
    # --- rankings
    "GET /api/v1/rankings": Entry(PUBLIC, query={"scope": "community", "scope_id": "@community"}),
    "GET /api/v1/rankings/live": Entry(AREA_READ, query={"scope": "community", "scope_id": "@community"}),
    "GET /api/v1/rankings/<int:snapshot_id>": Entry(PUBLIC),
    "GET /api/v1/rankings/<int:snapshot_id>/export": Entry(AREA_READ),
    "POST /api/v1/rankings/corrections": Entry(
        "anon:401 member:404 grid:403/404 unit:404 community:403/404 street:ok/404 city:ok",
        body={"snapshot_id": "@snapshot", "reason": "补录"},
    ),
    "GET /api/v1/members/<int:member_id>/rank": Entry(MEMBER_DATA),
    "GET /api/v1/unit-participation": Entry(AREA_READ, query={"area_id": "@community"}),
    "GET /api/v1/red-black-lists": Entry(PUBLIC, query={"area_id": "@street", "start": LAST_MONTH}),
    "POST /api/v1/red-black-lists": Entry(STREET_MANAGE, body={"area_id": "@street", "start": LAST_MONTH}),
    "GET /api/v1/red-black-lists/preview": Entry(STREET_MANAGE, query={"area_id": "@street", "start": LAST_MONTH}),
    "GET /api/v1/red-black-lists/settings": Entry(ANY_LOGIN, query={"area_id": "@street"}),
    "PUT /api/v1/red-black-lists/settings": Entry(STREET_MANAGE, body={"area_id": "@street", "min_members": 3}),
}


# --- the route table ----------------------------------------------------------------------------


def api_endpoints(app) -> list[str]:
    keys = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            keys.append(f"{method} {rule.rule}")
    return sorted(keys)


def parse_expect(spec: str) -> dict[str, tuple[str, str]]:
    parts = dict(item.split(":", 1) for item in spec.split())
    rest = parts.pop("rest", None)
    out = {}
    for role in ROLES:
        short = next(s for s, r in SHORT.items() if r == role)
        value = parts.pop(short, rest)
        assert value is not None, f"{spec!r} says nothing about {role}"
        own, _, other = value.partition("/")
        out[role] = (own, other or own)
    assert not parts, f"unknown roles in {spec!r}: {parts}"
    return out


def matches(expected: str, status: int) -> bool:
    return status in ALLOWED if expected == "ok" else status == int(expected)


# --- the world on both sides --------------------------------------------------------------------


@pytest.fixture
def sides(app, session, world):
    """Ids of one object of each kind in community A ("own") and in community B ("other")."""
    from service.people.scope import scope_for
    from service.periods import period_containing
    from service.points import service as points
    from service.points.catalogue import ensure_default_catalogue
    from service.points.models import PendingAdjustment
    from service.rankings import service as rankings
    from service.rankings import units as red_black
    from service.pairs.service import create_pair
    from service.tasks.models import Claim, Invitation
    from tests.points.conftest import CITY_RULES
    from tests.tasks.conftest import make_task

    from ..factories import make_account, make_department

    ensure_default_catalogue(session)
    city_rules = points.publish_rule_set(
        session, None, area_id=world.city.id, effective_from=date(2020, 1, 1), body=CITY_RULES
    )
    department = make_department(session, "城管")
    now = datetime.now(UTC)
    tz = app.config["TIMEZONE"]
    from zoneinfo import ZoneInfo

    last_month = period_containing("month", date.fromisoformat(LAST_MONTH), ZoneInfo(tz))
    admin = scope_for(session, world.accounts["city_admin"])
    grant_keys = {"own": "community_admin", "other": "other_community_admin"}
    out = {}
    for side, (community, street, building, member, unit, grid) in {
        "own": (world.community_a, world.street, world.building_a, world.member_a, world.unit, world.grid_a),
        "other": (
            world.community_b,
            world.other_street,
            world.building_b,
            world.member_b,
            world.other_unit,
            world.grid_b,
        ),
    }.items():
        make_registration(session, member, community, "residence")
        pending = make_registration(session, member, community, "unit", status="pending")
        settle(session)
        task = make_task(session, world, community=community, start=-3, length=2, slots=3, policy="everyone")
        claim = Claim(
            task_id=task.id,
            member_id=member.id,
            status="done",
            claimed_at=now - timedelta(hours=4),
            done_at=now - timedelta(minutes=30),
            hours_tenths=20,
        )
        session.add(claim)
        need = make_need(session, community, building)
        # The matcher's objects: an open task to suggest for and invite to, and a pending
        # invitation of the side's member (on a task of its own, so a fresh invite is a 201).
        open_task = make_task(session, world, community=community, start=24, length=2, slots=2, policy="everyone")
        invited_task = make_task(session, world, community=community, start=30, length=2, slots=2, policy="everyone")
        invitation = Invitation(
            task_id=invited_task.id,
            member_id=member.id,
            status="pending",
            reason="",
            created_at=now,
            expires_at=now + timedelta(hours=12),
        )
        session.add(invitation)
        # A standing pair of the side's member with a resident there (its first visit comes with it).
        pair = create_pair(
            session,
            scope_for(session, world.accounts[grant_keys[side]]),
            {
                "member_id": member.id,
                "resident_name": "孙奶奶",
                "resident_phone": "13711112222",
                "place_id": building.id,
                "beneficiary_group": "special",
                "note": "",
            },
            now,
            ZoneInfo(tz),
        )
        entry = make_entry(session, member, community, 3, now - timedelta(days=40), rule_set_id=city_rules.id)
        # An adjustment above the cap, asked for by a deputy (an admin none of the roles tried is).
        deputy = make_account(session, f"{community.name}副书记", role="community_admin", area=community)
        adjustment = PendingAdjustment(
            member_id=member.id,
            community_id=community.id,
            amount=5000,
            reason="年度表彰",
            cause="per_entry",
            idempotency_key=f"adjustment:matrix:{side}",
            requested_by_id=deputy.id,
            requester_role="community_admin",
        )
        session.add(adjustment)
        rule_set = points.publish_rule_set(
            session, None, area_id=community.id, effective_from=date(2020, 1, 1), body=CITY_RULES
        )
        run = points.compute_grades(session, admin, area_id=community.id, period=last_month)
        snapshot, _ = rankings.publish_snapshot(session, "community", community.id, last_month, "total", now)
        red_black.publish(session, None, street.id, last_month, now)
        session.flush()
        out[side] = {
            "community": community.id,
            "street": street.id,
            "building": building.id,
            "grid": grid.id,
            "member": member.id,
            "unit": unit.id,
            "registration": pending.id,
            "task": task.id,
            "claim": claim.id,
            "need": need.id,
            "need_code": need.tracking_code,
            "entry": entry.id,
            "rule_set": rule_set.id,
            "grade_run": run.id,
            "snapshot": snapshot.id,
            "department": department.id,
            "open_task": open_task.id,
            "invitation": invitation.id,
            "pair": pair.id,
            "adjustment": adjustment.id,
        }
        settle(session)
    from service.people.models import RoleGrant

    for side, key in grant_keys.items():
        out[side]["grant"] = session.query(RoleGrant.id).filter_by(account_id=world.accounts[key].id).scalar()
    session.close()
    return out


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def build_url(rule: str, entry: Entry, ids: dict) -> str:
    def param(match):
        name = match.group(1)
        return str(ids[entry.path.get(name, PATH_OBJECTS[name])])

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", param, rule)


def call(client, world, role: str, key: str, entry: Entry, ids: dict):
    method, rule = key.split(" ", 1)
    api = ApiClient(client, world, None if role == "anonymous" else role)
    url = build_url(rule, entry, ids)
    kwargs = {"query_string": _fill(entry.query, ids)}
    if entry.body is not None:
        kwargs["json"] = _fill(entry.body, ids)
    response = api.client.open(url, method=method, headers=api._headers(), **kwargs)
    return url, response


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=False)


# --- the tests ----------------------------------------------------------------------------------


def _route_table():
    return api_endpoints(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "matrix"}))


ROUTES = _route_table()


def test_every_api_endpoint_has_an_entry():
    missing = [k for k in ROUTES if k not in MATRIX]
    assert not missing, "add an entry for " + ", ".join(missing) + " to MATRIX in tests/security/test_authz_matrix.py"
    stale = [k for k in MATRIX if k not in ROUTES]
    assert not stale, "MATRIX names endpoints the app no longer has: " + ", ".join(stale)


def _check(client, world, sides, key) -> list[str]:
    entry = MATRIX[key]
    expected = parse_expect(entry.expect)
    failures, observed = [], {}
    # The other side first, then our own: refusals change nothing, and allowed calls on
    # our own side may change state (answered then as 409/422, which still counts as allowed).
    for side_index, side in ((1, "other"), (0, "own")):
        for role in ROLES:
            want = expected[role][side_index]
            url, response = call(client, world, role, key, entry, sides[side])
            observed[(role, side)] = response.status_code
            if not matches(want, response.status_code):
                failures.append(
                    f"{role:16} {side:5} {key.split()[0]} {url}: expected {want}, "
                    f"got {response.status_code} {response.get_data(as_text=True)[:160]}"
                )
    if os.environ.get("AUTHZ_PROBE"):  # AUTHZ_PROBE=file: write what each role got, to review
        with open(os.environ["AUTHZ_PROBE"], "a") as out:
            out.write(
                f"{key} => "
                + " ".join(
                    f"{short}:{observed[(role, 'own')]}/{observed[(role, 'other')]}" for short, role in SHORT.items()
                )
                + "\n"
            )
    return failures


READS = sorted(k for k in MATRIX if k.startswith("GET "))
WRITES = sorted(k for k in MATRIX if not k.startswith("GET "))


def test_read_endpoints(client, world, sides):
    """Every GET endpoint on one world (reads change nothing, so they can share it)."""
    failures = [f for key in READS for f in _check(client, world, sides, key)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("key", WRITES)
def test_write_endpoint(key, client, world, sides):
    """Each state-changing endpoint on a world of its own."""
    failures = _check(client, world, sides, key)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "key, body",
    [
        ("POST /api/v1/claims/verify-batch", {"ids": ["@claim"]}),
        ("POST /api/v1/registrations/batch", {"ids": ["@registration"], "action": "approve"}),
    ],
)
def test_batches_refuse_each_item_to_those_who_may_not_act(key, body, client, world, sides):
    """The batch endpoints answer 200 with a result per id: every item is refused for a member,
    a grid worker or a unit admin, and for an admin of the other community."""
    entry = Entry("", body=body)
    for role, side in (("member", "own"), ("grid_worker", "own"), ("unit_admin", "own"), ("community_admin", "other")):
        _url, response = call(client, world, role, key, entry, sides[side])
        assert response.status_code == 200, (role, response.json)
        results = response.json if isinstance(response.json, list) else response.json["results"]
        assert results and not any(r["ok"] for r in results), (role, side, results)
    _url, response = call(client, world, "community_admin", key, entry, sides["own"])
    results = response.json if isinstance(response.json, list) else response.json["results"]
    assert all(r["ok"] for r in results), results


# --- pages --------------------------------------------------------------------------------------


def _page_rules(app, prefixes) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith(prefixes) and "GET" in r.methods)


def _page_url(rule: str, ids: dict) -> str:
    names = {
        "need_id": "need",
        "snapshot_id": "snapshot",
        "task_id": "task",
        "area_id": "community",
        "claim_id": "claim",
        "registration_id": "registration",
    }
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(ids[names[m.group(1)]]), rule)


def test_staff_and_member_pages_send_anonymous_visitors_to_login(app, client, sides):
    rules = _page_rules(app, ("/staff/", "/my/", "/unit/", "/points/me", "/registration/me", "/inbox"))
    assert any(r.startswith("/staff/") for r in rules) and any(r.startswith("/my/") for r in rules)
    wrong = []
    for rule in rules:
        url = _page_url(rule, sides["own"])
        response = client.get(url)
        if response.status_code != 302 or "/login" not in response.headers.get("Location", ""):
            wrong.append(f"{url}: {response.status_code} {response.headers.get('Location')}")
    assert not wrong, "pages open to anonymous visitors:\n" + "\n".join(wrong)


STAFF_DETAIL_PAGES = (
    "/staff/needs/<int:need_id>",
    "/staff/needs/<int:need_id>/photo",
    "/staff/rankings/<int:snapshot_id>/export",
)


@pytest.mark.parametrize("rule", STAFF_DETAIL_PAGES)
def test_staff_detail_pages_are_404_outside_the_scope(rule, app, client, world, sides):
    from tests.registration.conftest import page_login

    assert rule in _page_rules(app, ("/staff/",)), f"{rule} is no longer a page: update STAFF_DETAIL_PAGES"
    page_login(client, world.accounts["community_admin"].phone)
    other = client.get(_page_url(rule, sides["other"]))
    assert other.status_code == 404, (rule, other.status_code)
    own = client.get(_page_url(rule, sides["own"]))
    # The photo page is 404 on our side too when the need has no photo; the rest open.
    assert own.status_code in ((200, 404) if rule.endswith("/photo") else (200,)), (rule, own.status_code)
