"""Random sequences of claim / cancel / done / verify / no-show / reverse keep every invariant.

A hypothesis state machine drives the real service functions against the real
database (a fresh copy per example); bounded so the suite stays quick.
"""

import shutil
from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from config import TestConfig
from service import create_app
from service.database import db
from service.errors import DomainError
from service.people.scope import scope_for
from service.points import ledger
from service.points.catalogue import ensure_default_catalogue
from service.points.models import LedgerEntry
from service.points.service import publish_rule_set, totals
from service.tasks import service as tasks
from service.tasks.models import CLAIM_STATUSES, SLOT_HOLDING, Claim, Task
from tests.conftest import _truncate_all
from tests.factories import build_world, make_member, make_registration
from tests.points.conftest import CITY_RULES

TZ = ZoneInfo("Asia/Shanghai")
MEMBERS = 4
TEMPLATE = {}


@pytest.fixture(autouse=True)
def _template(database_template, tmp_path):
    TEMPLATE.update(database_template, workdir=tmp_path)
    yield
    TEMPLATE.clear()


class ClaimMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        if TEMPLATE["kind"] == "postgresql":
            _truncate_all(TEMPLATE["url"])
            url = TEMPLATE["url"]
        else:
            target = TEMPLATE["workdir"] / "machine.db"
            shutil.copy(TEMPLATE["path"], target)
            url = f"sqlite:///{target}"
        self.app = create_app(TestConfig.as_dict() | {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        self.ctx = self.app.app_context()
        self.ctx.push()
        s = db.session
        world = build_world(s)
        ensure_default_catalogue(s)
        publish_rule_set(s, None, area_id=world.city.id, effective_from=date(2026, 1, 1), body=CITY_RULES)
        self.members = []
        for i in range(MEMBERS):
            m = make_member(s, f"成员{i}", building=world.building_a)
            make_registration(s, m, world.community_a, "residence")
            self.members.append(m.id)
        now = datetime.now(UTC)
        self.tasks = []
        for start, slots in ((timedelta(days=2), 2), (-timedelta(hours=1), 2)):
            task = Task(
                title="t",
                community_id=world.community_a.id,
                place_id=world.community_a.id,
                category="environment",
                starts_at=now + start,
                ends_at=now + start + timedelta(hours=3),
                slots=slots,
                claim_policy="registered",
                status="open",
            )
            s.add(task)
            s.flush()
            self.tasks.append(task.id)
        self.admin_scope = scope_for(s, world.accounts["community_admin"])
        s.commit()
        self.transitions = []

    def teardown(self):
        if hasattr(self, "ctx"):
            db.session.remove()
            db.engine.dispose()
            self.ctx.pop()

    def _try(self, fn):
        before = {c.id: c.status for c in db.session.scalars(select(Claim))}
        try:
            fn()
            db.session.commit()
        except DomainError:
            db.session.rollback()
        after = {c.id: c.status for c in db.session.scalars(select(Claim))}
        for claim_id, status in after.items():
            if before.get(claim_id) != status:
                self.transitions.append((before.get(claim_id), status))

    def _claim_of(self, member_index, task_index):
        return db.session.scalar(
            select(Claim)
            .where(Claim.member_id == self.members[member_index], Claim.task_id == self.tasks[task_index])
            .order_by(Claim.id.desc())
        )

    @rule(m=st.integers(0, MEMBERS - 1), t=st.integers(0, 1))
    def claim(self, m, t):
        self._try(
            lambda: tasks.claim_task(
                db.session, task_id=self.tasks[t], member_id=self.members[m], now=datetime.now(UTC)
            )
        )

    @rule(m=st.integers(0, MEMBERS - 1), t=st.integers(0, 1))
    def cancel(self, m, t):
        claim = self._claim_of(m, t)
        if claim is not None:
            from service.people.scope import Scope

            self._try(
                lambda: tasks.cancel_claim(
                    db.session, Scope(account_id=None, member_id=self.members[m]), claim.id, datetime.now(UTC)
                )
            )

    @rule(m=st.integers(0, MEMBERS - 1))
    def done(self, m):
        from decimal import Decimal

        from service.people.scope import Scope

        claim = self._claim_of(m, 1)
        if claim is not None:
            self._try(
                lambda: tasks.report_done(
                    db.session,
                    Scope(account_id=None, member_id=self.members[m]),
                    claim.id,
                    Decimal("1.5"),
                    "",
                    datetime.now(UTC),
                )
            )

    @rule(m=st.integers(0, MEMBERS - 1), no_show=st.booleans())
    def decide(self, m, no_show):
        claim = self._claim_of(m, 1)
        if claim is not None:
            action = tasks.mark_no_show if no_show else tasks.verify_claim
            self._try(lambda: action(db.session, self.admin_scope, claim.id, datetime.now(UTC), TZ))

    @rule(pick=st.integers(0, 20))
    def reverse(self, pick):
        entries = db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        if entries:
            entry = entries[pick % len(entries)]
            self._try(lambda: ledger.reverse(db.session, entry=entry, reason="测试", actor_id=None, area_path=None))

    @invariant()
    def capacity_holds(self):
        if not hasattr(self, "tasks"):
            return
        for task_id in self.tasks:
            task = db.session.get(Task, task_id)
            db.session.refresh(task)
            holding = db.session.scalar(
                select(func.count()).select_from(Claim).where(Claim.task_id == task_id, Claim.status.in_(SLOT_HOLDING))
            )
            waiting = db.session.scalar(
                select(func.count()).select_from(Claim).where(Claim.task_id == task_id, Claim.status == "waiting")
            )
            assert task.taken == holding <= task.slots
            assert waiting == 0 or task.taken == task.slots  # nobody waits while a slot is free
        db.session.commit()

    @invariant()
    def ledger_sums_agree(self):
        if not hasattr(self, "members"):
            return
        everything = db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) / 10
        assert sum(totals(db.session, m)["total"] for m in self.members) == everything
        verified = db.session.scalars(select(Claim.id).where(Claim.status == "verified")).all()
        for claim_id in verified:
            awards = db.session.scalar(
                select(func.count())
                .select_from(LedgerEntry)
                .where(LedgerEntry.idempotency_key == f"award:claim:{claim_id}")
            )
            assert awards == 1
        db.session.commit()

    @invariant()
    def only_allowed_transitions(self):
        allowed = {
            (None, "claimed"),
            (None, "waiting"),
            ("waiting", "claimed"),
            ("waiting", "cancelled"),
            ("claimed", "cancelled"),
            ("claimed", "done"),
            ("claimed", "no_show"),
            ("checked_in", "done"),
            ("checked_in", "no_show"),
            ("done", "verified"),
            ("done", "rejected"),
        }
        for pair in getattr(self, "transitions", []):
            assert pair in allowed, pair
            assert pair[1] in CLAIM_STATUSES


ClaimMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
test_claim_machine = ClaimMachine.TestCase
