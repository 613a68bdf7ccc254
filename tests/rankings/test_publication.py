"""Publishing snapshots: idempotent, atomic, immutable; corrections supersede; rules never recomputed."""

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service.errors import Conflict, Forbidden, Invalid
from service.people.scope import scope_for
from service.periods import local_day, period_containing
from service.points import ledger
from service.points.catalogue import ensure_default_catalogue
from service.points.models import LedgerEntry
from service.points.rules import Service
from service.points.service import publish_rule_set
from service.rankings import service
from service.rankings.models import RankingSnapshot, SnapshotRow
from service.places.models import Area, Unit
from tests.factories import make_entry, make_member, settle

from .conftest import TZ, at

OCTOBER = period_containing("month", date(2026, 10, 1), TZ)
AFTER = at(2026, 11, 1, 1)


@pytest.fixture
def october(session, world):
    """Four members of 金山 with October points (ranks 1, 2, 2, 4) and 李四 of 银湖 with one entry."""
    a, ca = world.building_a, world.community_a
    members = [make_member(session, f"金山{i}", building=a, unit=world.unit) for i in range(4)]
    for member, points in zip(members, (9, 5, 5, 1)):
        make_entry(session, member, ca, points, at(2026, 10, 7, 10))
    make_entry(session, world.member_b, world.community_b, 2, at(2026, 10, 8, 10), side="unit")
    settle(session)
    return [m.id for m in members]


def _rows(session, snapshot_id):
    return session.execute(
        select(SnapshotRow.position, SnapshotRow.member_id, SnapshotRow.rank, SnapshotRow.points)
        .where(SnapshotRow.snapshot_id == snapshot_id)
        .order_by(SnapshotRow.position)
    ).all()


def test_a_snapshot_records_what_it_summed_and_publishing_again_changes_nothing(session, world, october):
    snapshot, created = service.publish_snapshot(session, "community", world.community_a.id, OCTOBER, "total", AFTER)
    session.commit()
    assert created and snapshot.version == 1 and snapshot.supersedes_id is None
    assert snapshot.ledger_high_water == session.scalar(select(func.max(LedgerEntry.id)))
    assert snapshot.generated_at == AFTER and snapshot.period_start == date(2026, 10, 1)
    assert [(r.rank, r.points) for r in _rows(session, snapshot.id)] == [(1, 90), (2, 50), (2, 50), (4, 10)]
    assert snapshot.unranked_member_ids == [world.member_a.id]
    assert len(snapshot.checksum) == 64 and service.verify(session, snapshot)
    again, created_again = service.publish_snapshot(
        session, "community", world.community_a.id, OCTOBER, "total", AFTER + timedelta(days=3)
    )
    assert (again.id, created_again) == (snapshot.id, False)
    assert session.scalar(select(func.count()).select_from(RankingSnapshot)) == 1


def test_a_period_is_published_only_after_it_ends(session, world, october):
    with pytest.raises(Invalid):
        service.publish_snapshot(session, "community", world.community_a.id, OCTOBER, "total", at(2026, 10, 31, 23))
    with pytest.raises(Invalid):
        service.publish_period(session, OCTOBER, at(2026, 10, 31, 23))


def test_publishing_a_period_covers_every_scope_and_side_once(session, world, october):
    scopes = session.scalar(
        select(func.count()).select_from(Area).where(Area.kind.in_(("city", "district", "street", "community")))
    ) + session.scalar(select(func.count()).select_from(Unit))
    assert service.publish_period(session, OCTOBER, AFTER) == scopes * 3
    assert service.publish_period(session, OCTOBER, AFTER + timedelta(hours=1)) == 0
    keys = session.execute(select(RankingSnapshot.scope_kind, RankingSnapshot.scope_id, RankingSnapshot.side)).all()
    assert len(keys) == len(set(keys)) == scopes * 3
    city = service.latest_version(session, "city", world.city.id, "month", OCTOBER.start, "unit")
    assert [(r.member_id, r.points) for r in _rows(session, city.id)] == [(world.member_b.id, 20)]
    unit = service.latest_version(session, "unit", world.unit.id, "month", OCTOBER.start, "total")
    assert [r.member_id for r in _rows(session, unit.id)] == october
    # The bulk path and the one-scope path agree to the byte.
    single = service.compute(
        session, service.resolve_scope(session, "street", world.street.id), OCTOBER, "total", AFTER
    )[0]
    street = service.latest_version(session, "street", world.street.id, "month", OCTOBER.start, "total")
    assert street.checksum == service.checksum(single.rows, single.unranked)


def test_a_rule_change_mid_period_never_alters_what_the_snapshot_sums(session, world):
    """Entries keep the points their rules gave them; a snapshot sums entries, never re-applies rules."""
    ensure_default_catalogue(session)
    body = {"default": {"base": "0", "per_hour": "2.0"}, "rounding": {"unit": "half_hour", "mode": "down"}}
    first = publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2020, 1, 1), body=body)
    session.commit()
    early = ledger.award_service(
        session,
        member_id=world.member_a.id,
        community_id=world.community_a.id,
        service=Service("caring_help", at(2026, 1, 5, 9), Decimal("2")),
        key="t:1",
        source_type="test",
        source_id=1,
        actor_id=None,
        tz=TZ,
    )
    session.commit()
    second = publish_rule_set(
        session,
        None,
        area_id=world.city.id,
        effective_from=date(2026, 1, 10),
        body=body | {"default": {"base": "0", "per_hour": "3.0"}},
    )
    session.commit()
    late = ledger.award_service(
        session,
        member_id=world.member_a.id,
        community_id=world.community_a.id,
        service=Service("caring_help", at(2026, 1, 12, 9), Decimal("2")),
        key="t:2",
        source_type="test",
        source_id=2,
        actor_id=None,
        tz=TZ,
    )
    session.commit()
    assert (early.amount, late.amount) == (40, 60)
    # Awards are booked by the real clock, so the period is the one holding their booking.
    month = period_containing("month", local_day(late.booked_at, TZ), TZ)
    after = month.end_utc + timedelta(hours=1)
    snapshot, _ = service.publish_snapshot(session, "community", world.community_a.id, month, "total", after)
    session.commit()
    assert [(r.member_id, r.points) for r in _rows(session, snapshot.id)] == [(world.member_a.id, 100)]
    assert snapshot.rule_set_ids == sorted([first.id, second.id])
    # Yet another version, claiming to apply from before both services: nothing changes.
    publish_rule_set(
        session,
        None,
        area_id=world.city.id,
        effective_from=date(2026, 1, 1),
        body=body | {"default": {"base": "0", "per_hour": "9.0"}},
    )
    session.commit()
    again = service.compute(
        session, service.resolve_scope(session, "community", world.community_a.id), month, "total", after
    )[0]
    assert service.checksum(again.rows, again.unranked) == snapshot.checksum


def test_a_correction_supersedes_and_the_old_version_stays_readable(session, world, october):
    old, _ = service.publish_snapshot(session, "community", world.community_a.id, OCTOBER, "total", AFTER)
    session.commit()
    # An entry booked into October after publication (say, a late import of paper records).
    make_entry(session, world.member_a, world.community_a, 12, at(2026, 10, 30, 15))
    settle(session)
    street_admin = scope_for(session, world.accounts["street_admin"])
    new = service.correct(session, street_admin, old.id, "补录10月纸质服务记录", at(2026, 11, 3, 10), TZ)
    session.commit()
    assert (new.version, new.supersedes_id, new.author_id) == (2, old.id, world.accounts["street_admin"].id)
    assert new.reason == "补录10月纸质服务记录" and new.checksum != old.checksum
    assert _rows(session, new.id)[0][1:] == (world.member_a.id, 1, 120)
    assert [r[3] for r in _rows(session, old.id)] == [90, 50, 50, 10]  # untouched
    assert service.verify(session, old) and service.verify(session, new)
    assert (
        service.latest_version(session, "community", world.community_a.id, "month", OCTOBER.start, "total").id == new.id
    )
    assert service.superseded_by(session, old) == new.id
    with pytest.raises(Conflict):
        service.correct(session, street_admin, old.id, "again", at(2026, 11, 3, 11), TZ)
    with pytest.raises(Forbidden):
        service.correct(session, scope_for(session, world.accounts["community_admin"]), new.id, "x", AFTER, TZ)
    with pytest.raises(Invalid):
        service.correct(session, street_admin, new.id, "  ", AFTER, TZ)


def test_a_failure_inside_a_publication_leaves_whole_snapshots_or_none(app, session, world, october, monkeypatch):
    real = service._insert_rows
    calls = []

    def insert_then_fail(session_, snapshot_id, rows, *more):
        real(session_, snapshot_id, rows, *more)  # the rows are written ...
        calls.append(snapshot_id)
        if len(calls) == 3:
            raise RuntimeError("power cut")  # ... and then the process dies

    monkeypatch.setattr(service, "_insert_rows", insert_then_fail)
    with pytest.raises(RuntimeError):
        service.publish_period(session, OCTOBER, AFTER)
    session.rollback()
    snapshots = session.scalars(select(RankingSnapshot)).all()
    assert len(snapshots) == 2
    for snapshot in snapshots:
        assert (
            session.scalar(select(func.count()).select_from(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id))
            == snapshot.ranked_count
        )
    assert (
        session.scalar(
            select(func.count())
            .select_from(SnapshotRow)
            .where(SnapshotRow.snapshot_id.not_in([s.id for s in snapshots]))
        )
        == 0
    )
    monkeypatch.setattr(service, "_insert_rows", real)
    published = service.publish_period(session, OCTOBER, AFTER)
    total = session.scalar(select(func.count()).select_from(RankingSnapshot))
    assert published == total - 2 and all(service.verify(session, s) for s in session.scalars(select(RankingSnapshot)))


CHILD = """
import sys
from service import create_app
from service.database import db
from service.rankings import service
from tests.rankings.conftest import TZ, at, install
from service.periods import period_containing
from datetime import date

app = install(create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True}))
real = service._insert_rows

def insert_and_wait(session, snapshot_id, rows, *more):
    real(session, snapshot_id, rows, *more)
    session.flush()
    print("rows written", flush=True)
    sys.stdin.readline()  # blocks until the parent kills us

service._insert_rows = insert_and_wait
with app.app_context():
    service.publish_snapshot(db.session, "community", int(sys.argv[2]), period_containing("month", date(2026, 10, 1), TZ),
                             "total", at(2026, 11, 1, 1))
    db.session.commit()
    print("committed", flush=True)
"""


def test_a_process_killed_mid_publication_leaves_nothing(database_url, session, world, october):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url, str(world.community_a.id)],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "rows written", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    session.rollback()
    assert session.scalar(select(func.count()).select_from(RankingSnapshot)) == 0
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 0
    snapshot, created = service.publish_snapshot(session, "community", world.community_a.id, OCTOBER, "total", AFTER)
    session.commit()
    assert created and snapshot.version == 1
