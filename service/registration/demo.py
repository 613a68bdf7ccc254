"""Demo registrations: eight months of 双报到 in every state, inserted in bulk.

Most in-service party members are approved on both sides; some wait, some were
rejected (and often filed again correctly), some withdrew, and a few moved house
or their unit changed its pairing, leaving a superseded record behind.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, UTC
from typing import cast

from sqlalchemy import Table, func, insert, select, text

from ..people.models import Account, Member
from ..places.models import UnitPairing
from .models import Registration, RegistrationEvent

HISTORY_DAYS = 240
CHUNK = 5000
REJECT_REASONS = (
    "住址信息与社区登记不符",
    "非本社区常住居民，请向居住地社区报到",
    "单位未与本社区结对",
    "信息不完整，请补充后重新提交",
)
WITHDRAW_REASONS = ("工作调动", "长期外出", None, None)
DEMO_MEMBER_PHONE = "13800000006"
DEMO_ADMIN_PHONE = "13800000003"


class _Plan:
    """The rows of one member's story, in the order they happened."""

    def __init__(self, rng: random.Random, now: datetime, decider):
        self.rng, self.now, self.decider = rng, now, decider
        self.rows: list[dict] = []
        self.later: list[tuple[dict, dict]] = []  # (old, newer): old is superseded by newer

    def when(self, low_days: float, high_days: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low_days, high_days))

    def after(self, moment: datetime, low_days: float = 0.1, high_days: float = 6) -> datetime:
        return min(moment + timedelta(days=self.rng.uniform(low_days, high_days)), self.now - timedelta(hours=1))

    def add(
        self, member_id, community_id, side, status, created, *, approved=None, ended=None, reason=None, filed_by=None
    ) -> dict:
        decided = approved if approved else (self.after(created) if status == "rejected" else None)
        row = {
            "member_id": member_id,
            "community_id": community_id,
            "side": side,
            "status": status,
            "created_at": created,
            "approved_at": approved,
            "ended_at": ended,
            "decided_at": decided,
            "decided_by_id": self.decider(community_id) if decided else None,
            "reason": reason,
            "filed_by_id": filed_by,
            "override_reason": None,
            "superseded_by_id": None,
        }
        self.rows.append(row)
        return row

    def approved(self, member_id, community_id, side, low=5, high=HISTORY_DAYS):
        created = self.when(low, high)
        return self.add(member_id, community_id, side, "approved", created, approved=self.after(created))

    def story(self, member_id, side, home: int, others: list[int], weights) -> None:
        """One side of one member: approved, pending, rejected, withdrawn, superseded or nothing."""
        roll, cut = self.rng.random(), 0.0
        for kind, weight in weights:  # noqa: B007  (the kind drawn is read after the loop)
            cut += weight
            if roll < cut:
                break
        else:
            return
        if kind == "approved":
            self.approved(member_id, home, side)
        elif kind == "pending":
            self.add(member_id, home, side, "pending", self.when(0, 14))
        elif kind == "rejected":
            wrong = self.rng.choice(others) if others else home
            created = self.when(60, HISTORY_DAYS)
            rejected = self.add(member_id, wrong, side, "rejected", created, reason=self.rng.choice(REJECT_REASONS))
            if self.rng.random() < 0.6:  # filed again, correctly, and approved
                again = self.after(rejected["decided_at"], 1, 20)
                self.add(member_id, home, side, "approved", again, approved=self.after(again))
        elif kind == "withdrawn":
            row = self.approved(member_id, home, side, 40, HISTORY_DAYS)
            row["status"], row["ended_at"] = "withdrawn", self.after(row["approved_at"], 10, 30)
            row["reason"] = self.rng.choice(WITHDRAW_REASONS)
        elif kind == "superseded" and others:
            old = self.approved(member_id, self.rng.choice(others), side, 170, HISTORY_DAYS)
            newer = self.approved(member_id, home, side, 20, 150)
            old["status"], old["ended_at"] = "superseded", newer["approved_at"]
            self.later.append((old, newer))
        else:
            self.approved(member_id, home, side)


RESIDENCE_WEIGHTS = (
    ("approved", 0.80),
    ("pending", 0.05),
    ("rejected", 0.03),
    ("withdrawn", 0.03),
    ("superseded", 0.04),
)
UNIT_WEIGHTS = (("approved", 0.77), ("pending", 0.06), ("rejected", 0.03), ("withdrawn", 0.03), ("superseded", 0.02))
RETIRED_WEIGHTS = (("approved", 0.15), ("pending", 0.02))


def _events(row: dict, registration_id: int) -> list[dict]:
    base = {"registration_id": registration_id}
    events = [
        base
        | {
            "at": row["created_at"],
            "actor_id": row["filed_by_id"],
            "action": "filed",
            "from_status": None,
            "to_status": "pending",
            "reason": None,
        }
    ]
    if row["status"] == "rejected":
        events.append(
            base
            | {
                "at": row["decided_at"],
                "actor_id": row["decided_by_id"],
                "action": "rejected",
                "from_status": "pending",
                "to_status": "rejected",
                "reason": row["reason"],
            }
        )
    if row["approved_at"] is not None:
        events.append(
            base
            | {
                "at": row["approved_at"],
                "actor_id": row["decided_by_id"],
                "action": "approved",
                "from_status": "pending",
                "to_status": "approved",
                "reason": None,
            }
        )
    if row["status"] in ("withdrawn", "superseded"):
        events.append(
            base
            | {
                "at": row["ended_at"],
                "actor_id": None,
                "action": row["status"],
                "from_status": "approved",
                "to_status": row["status"],
                "reason": row["reason"],
            }
        )
    return events


def _copy(session, table, rows: list[dict]) -> None:
    """PostgreSQL's COPY, inside the session's transaction: the fastest bulk path there."""
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def _insert(session, rows: list[dict]) -> None:
    """Insert rows (ids already given) and their history."""
    if not rows:
        return
    # A declarative model maps a Table (SQLAlchemy types __table__ as any FromClause).
    registrations, events_table = cast(Table, Registration.__table__), cast(Table, RegistrationEvent.__table__)
    events = [event for row in rows for event in _events(row, row["id"])]
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        _copy(session, registrations, rows)
        _copy(session, events_table, events)
        return
    # Core executemany: the ORM's bulk insert leaves None values out, which splits
    # rows whose empty columns differ into thousands of tiny batches.
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(registrations), rows[i : i + CHUNK])
    for i in range(0, len(events), CHUNK):
        session.execute(insert(events_table), events[i : i + CHUNK])


def build_registrations(session, rng: random.Random, city: dict, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    places = city["places"]
    communities = [c["id"] for c in places["communities"]]
    community_ids = set(communities)
    home_community = {}
    for building in places["buildings"]:
        ancestors = [int(part) for part in building["path"].strip("/").split("/")]
        home_community[building["id"]] = next(a for a in ancestors if a in community_ids)
    paired: dict[int, list[int]] = {}
    for unit_id, community_id in session.execute(
        select(UnitPairing.unit_id, UnitPairing.community_id).order_by(UnitPairing.unit_id, UnitPairing.community_id)
    ):
        paired.setdefault(unit_id, []).append(community_id)
    accounts = dict(
        session.execute(
            select(Account.phone, Account.id).where(Account.phone.in_((DEMO_MEMBER_PHONE, DEMO_ADMIN_PHONE)))
        ).all()
    )
    admin_id, admin_community = accounts.get(DEMO_ADMIN_PHONE), communities[0]
    plan = _Plan(rng, now, lambda community_id: admin_id if community_id == admin_community else None)

    members = session.execute(
        select(Member.id, Member.phone, Member.party_status, Member.unit_id, Member.home_building_id).order_by(
            Member.id
        )
    ).all()
    for member_id, phone, status, unit_id, building_id in members:
        home = home_community.get(building_id)
        if home is None:
            continue
        elsewhere = [c for c in communities if c != home]
        if phone == DEMO_MEMBER_PHONE:
            # Something to show and something to do: residence approved, unit waiting in 金山.
            created = now - timedelta(days=200)
            plan.add(
                member_id,
                home,
                "residence",
                "approved",
                created,
                approved=created + timedelta(days=2),
                filed_by=accounts.get(DEMO_MEMBER_PHONE),
            )
            unit_choices = paired.get(unit_id, [])
            if unit_choices:
                target = admin_community if admin_community in unit_choices else unit_choices[0]
                plan.add(
                    member_id,
                    target,
                    "unit",
                    "pending",
                    now - timedelta(days=2),
                    filed_by=accounts.get(DEMO_MEMBER_PHONE),
                )
            continue
        if status == "in_service":
            plan.story(member_id, "residence", home, rng.sample(elsewhere, 3), RESIDENCE_WEIGHTS)
            unit_choices = paired.get(unit_id, [])
            if unit_choices:
                target = rng.choice(unit_choices)
                plan.story(member_id, "unit", target, [c for c in unit_choices if c != target], UNIT_WEIGHTS)
        elif status in ("retired", "floating"):
            plan.story(member_id, "residence", home, [], RETIRED_WEIGHTS)

    next_id = (session.scalar(select(func.max(Registration.id))) or 0) + 1
    for offset, row in enumerate(plan.rows):
        row["id"] = next_id + offset
    for old, newer in plan.later:
        old["superseded_by_id"] = newer["id"]
    # Rows that others point at (superseded_by) go in first.
    superseded = {id(old) for old, _newer in plan.later}
    _insert(session, [r for r in plan.rows if id(r) not in superseded])
    _insert(session, [old for old, _newer in plan.later])
    if session.get_bind().dialect.name == "postgresql":
        # Ids were given explicitly, so move the sequence past them for the rows filed next.
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('registrations', 'id'), (SELECT max(id) FROM registrations))")
        )
