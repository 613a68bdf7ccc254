"""Build the demo city: places, units, skills, members and one login per role."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from ..places.models import Area, Unit, UnitPairing
from ..people.models import Account, Member, RoleGrant, SkillTag
from ..people.accounts import set_password
from ..roster.importer import insert_members
from .names import COMMUNITY_WORDS, COMPOUND_WORDS, GIVEN, SKILLS, STREET_NAMES, SURNAMES, UNIT_NAMES

DEMO_PASSWORD = "demo-2026"

# phone, role, display name; the member login is a real member of the first community.
DEMO_LOGINS = (
    ("13800000001", "city_admin", "市委组织部 管理员"),
    ("13800000002", "street_admin", "光明街道 管理员"),
    ("13800000003", "community_admin", "金山社区 书记"),
    ("13800000004", "grid_worker", "金山社区 网格员"),
    ("13800000005", "unit_admin", "市税务局 党建专干"),
    ("13800000006", "member", "在职党员 示范"),
)


@dataclass(frozen=True)
class Scale:
    districts: int
    streets_per_district: int
    communities_per_street: int
    grids_per_community: tuple[int, int]
    buildings_per_grid: tuple[int, int]
    units: int
    members: int


SCALES = {
    "demo": Scale(1, 2, 3, (8, 12), (8, 12), 40, 3000),
    "city": Scale(3, 5, 10, (8, 18), (6, 14), 1000, 100_000),
}

AVAILABILITY_PATTERNS: tuple[list[tuple[int, int, int]], ...] = (
    [(5, 540, 720), (6, 540, 720)],  # weekend mornings
    [(5, 840, 1080), (6, 840, 1080)],  # weekend afternoons
    [(0, 1140, 1260), (2, 1140, 1260), (4, 1140, 1260)],  # weekday evenings
    [(d, 480, 1080) for d in range(7)],  # retired: most days
    [(5, 540, 1080)],  # Saturdays
    [(1, 1140, 1260), (3, 1140, 1260), (6, 540, 720)],
    [],  # not yet filled in
)


def _bulk_areas(session, rows: list[dict], parents: dict[int, Area] | None) -> list[dict]:
    """Insert one level of the tree, then set each new row's path from its parent's."""
    ids = list(
        session.scalars(
            insert(Area).returning(Area.id, sort_by_parameter_order=True),
            [{k: v for k, v in r.items() if not k.startswith("_")} | {"path": ""} for r in rows],
        )
    )
    out = []
    for area_id, row in zip(ids, rows):
        parent_path = row["_parent_path"]
        out.append(
            {
                "id": area_id,
                "path": f"{parent_path}{area_id}/",
                "depth": row["_depth"],
                "kind": row["kind"],
                "name": row["name"],
            }
        )
    session.execute(update(Area), [{"id": o["id"], "path": o["path"], "depth": o["depth"]} for o in out])
    return out


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def build_places(session, rng: random.Random, scale: Scale) -> dict:
    city_id = session.scalars(
        insert(Area).returning(Area.id), [{"kind": "city", "name": "赣江市", "code": "3609", "path": "", "depth": 0}]
    ).one()
    session.execute(update(Area), [{"id": city_id, "path": f"/{city_id}/"}])
    city = {"id": city_id, "path": f"/{city_id}/"}
    district_names = ["滨江区", "湖东区", "青云县", "西山区", "南岸区"]
    districts = _bulk_areas(
        session,
        [
            {
                "kind": "district",
                "name": district_names[i],
                "code": f"3609{i + 1:02d}",
                "parent_id": city_id,
                "_parent_path": city["path"],
                "_depth": 1,
            }
            for i in range(scale.districts)
        ],
        None,
    )
    street_rows, n = [], 0
    for d in districts:
        for _ in range(scale.streets_per_district):
            street_rows.append(
                {
                    "kind": "street",
                    "name": STREET_NAMES[n % len(STREET_NAMES)] + ("街道" if n < len(STREET_NAMES) else f"{n}街道"),
                    "code": f"S{n + 1:03d}",
                    "parent_id": d["id"],
                    "_parent_path": d["path"],
                    "_depth": 2,
                }
            )
            n += 1
    streets = _bulk_areas(session, street_rows, None)
    community_rows, n = [], 0
    for s in streets:
        for _ in range(scale.communities_per_street):
            word = COMMUNITY_WORDS[n % len(COMMUNITY_WORDS)]
            suffix = "" if n < len(COMMUNITY_WORDS) else str(n // len(COMMUNITY_WORDS) + 1)
            community_rows.append(
                {
                    "kind": "community",
                    "name": f"{word}{suffix}社区",
                    "code": f"C{n + 1:04d}",
                    "parent_id": s["id"],
                    "_parent_path": s["path"],
                    "_depth": 3,
                }
            )
            n += 1
    communities = _bulk_areas(session, community_rows, None)
    grid_rows, n = [], 0
    for c in communities:
        for j in range(rng.randint(*scale.grids_per_community)):
            old_open = rng.random() < 0.4
            kind = "grid" if old_open else "compound"
            name = (
                f"第{j + 1}网格"
                if old_open
                else rng.choice(("", "新", "东", "西", "南", "北"))
                + rng.choice(COMMUNITY_WORDS[:20])
                + rng.choice(COMPOUND_WORDS)
            )
            grid_rows.append(
                {
                    "kind": kind,
                    "name": name,
                    "code": f"G{n + 1:05d}",
                    "parent_id": c["id"],
                    "households": rng.randint(300, 500) if old_open else rng.randint(120, 900),
                    "_parent_path": c["path"],
                    "_depth": 4,
                }
            )
            n += 1
    grids = _bulk_areas(session, grid_rows, None)
    building_rows, n = [], 0
    for g in grids:
        for k in range(rng.randint(*scale.buildings_per_grid)):
            building_rows.append(
                {
                    "kind": "building",
                    "name": f"{g['name']}{k + 1}栋",
                    "code": f"B{n + 1:06d}",
                    "parent_id": g["id"],
                    "_parent_path": g["path"],
                    "_depth": 5,
                }
            )
            n += 1
    buildings = []
    for i in range(0, len(building_rows), 5000):
        buildings += _bulk_areas(session, building_rows[i : i + 5000], None)
    return {
        "city": city,
        "districts": districts,
        "streets": streets,
        "communities": communities,
        "grids": grids,
        "buildings": buildings,
    }


def build_units(session, rng: random.Random, scale: Scale, places: dict) -> list[dict]:
    kinds = ("government", "institution", "enterprise", "social_org")
    units = []
    for i in range(scale.units):
        base = UNIT_NAMES[i % len(UNIT_NAMES)]
        name = base if i < len(UNIT_NAMES) else f"{base}第{i // len(UNIT_NAMES) + 1}分部"
        kind = (
            "enterprise"
            if any(w in base for w in ("公司", "集团", "银行"))
            else (
                "institution"
                if any(w in base for w in ("医院", "中学", "小学", "图书馆", "档案馆", "保健院"))
                else "social_org"
                if any(w in base for w in ("红十字", "科协", "残联", "工商联"))
                else kinds[0]
            )
        )
        units.append({"name": name, "kind": kind, "code": f"U{i + 1:05d}", "area_id": places["city"]["id"]})
    ids = list(session.scalars(insert(Unit).returning(Unit.id, sort_by_parameter_order=True), units))
    pairings = []
    communities = places["communities"]
    for i, unit_id in enumerate(ids):
        first = communities[i % len(communities)]
        pairs = {first["id"]}
        if rng.random() < 0.25:
            pairs.add(rng.choice(communities)["id"])
        pairings += [{"unit_id": unit_id, "community_id": c} for c in sorted(pairs)]
    session.execute(insert(UnitPairing), pairings)
    return [dict(u, id=i) for u, i in zip(units, ids)]


def build_skills(session) -> dict[str, int]:
    existing = {s.code: s.id for s in session.scalars(select(SkillTag))}
    missing = [{"code": c, "name": n, "name_en": e} for c, (n, e) in SKILLS.items() if c not in existing]
    if missing:
        session.execute(insert(SkillTag), missing)
    return {s.code: s.id for s in session.scalars(select(SkillTag))}


def build_members(session, rng: random.Random, scale: Scale, places: dict, units: list[dict], skills: dict) -> None:
    statuses = ["in_service"] * 50 + ["retired"] * 22 + ["non_party"] * 15 + ["floating"] * 5 + ["new_employment"] * 8
    skill_ids = list(skills.values())
    buildings = places["buildings"]
    # Phone numbers: a fixed permutation of 8-digit suffixes, so they are unique and look random.
    suffixes = rng.sample(range(10_000_000, 99_999_999), scale.members)
    plan = []
    for i in range(scale.members):
        status = rng.choice(statuses)
        unit = rng.choice(units)["id"] if status == "in_service" else None
        windows = rng.choice(
            AVAILABILITY_PATTERNS[3:4] if status == "retired" and rng.random() < 0.6 else AVAILABILITY_PATTERNS
        )
        plan.append(
            {
                "name": _person_name(rng),
                "phone": f"1{rng.choice('3578')}{rng.randint(0, 9)}{suffixes[i]:08d}"[:11],
                "party_status": status,
                "unit_id": unit,
                "home_building_id": rng.choice(buildings)["id"],
                "skills": sorted(rng.sample(skill_ids, rng.choice((0, 1, 1, 2, 2, 3)))),
                "windows": windows,
                "hide_public": rng.random() < 0.03,
            }
        )
    # The 8-digit suffix keeps numbers unique across prefixes; drop any accidental repeats.
    unique, seen = [], set()
    for p in plan:
        if p["phone"] not in seen and not p["phone"].startswith("1380000"):
            seen.add(p["phone"])
            unique.append(p)
    for i in range(0, len(unique), 5000):
        insert_members(session, unique[i : i + 5000])


def build_logins(session, places: dict, units: list[dict], hash_params: dict) -> list[tuple[str, str, str]]:
    community = places["communities"][0]
    street = places["streets"][0]
    grid = next(g for g in places["grids"] if g["path"].startswith(community["path"]))
    building = next(b for b in places["buildings"] if b["path"].startswith(grid["path"]))
    unit = units[0]
    member = Member(
        name="李红梅",
        phone="13800000006",
        party_status="in_service",
        unit_id=unit["id"],
        home_building_id=building["id"],
    )
    member.skills = list(session.scalars(select(SkillTag).where(SkillTag.code.in_(["plumbing", "digital_help"]))))
    session.add(member)
    session.flush()
    scopes = {
        "city_admin": ("area_id", places["city"]["id"]),
        "street_admin": ("area_id", street["id"]),
        "community_admin": ("area_id", community["id"]),
        "grid_worker": ("area_id", community["id"]),
        "unit_admin": ("unit_id", unit["id"]),
    }
    printed = []
    for phone, role, name in DEMO_LOGINS:
        account = Account(
            phone=phone,
            name=name if role != "member" else member.name,
            member_id=member.id if role == "member" else None,
        )
        set_password(account, DEMO_PASSWORD, hash_params)
        session.add(account)
        session.flush()
        if role in scopes:
            key, value = scopes[role]
            session.add(RoleGrant(account_id=account.id, role=role, **{key: value}))
        printed.append((phone, DEMO_PASSWORD, role))
    return printed


def build_city(session, *, scale: str = "demo", seed: int = 20261122, hash_params: dict) -> dict:
    rng = random.Random(seed)
    spec = SCALES[scale]
    places = build_places(session, rng, spec)
    units = build_units(session, rng, spec, places)
    skills = build_skills(session)
    build_members(session, rng, spec, places, units, skills)
    logins = build_logins(session, places, units, hash_params)
    return {"places": places, "units": units, "logins": logins}
