"""Backup and restore bring the ledger back exactly (count and checksum), on either database."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from service.backup import ledger_fingerprint
from service.database import db
from service.points import ledger
from service.points.catalogue import ensure_default_catalogue
from service.points.rules import Service
from service.points.service import publish_rule_set
from tests.points.conftest import CITY_RULES

TZ = ZoneInfo("Asia/Shanghai")


def _award(session, world, key, day):
    ledger.award_service(
        session,
        member_id=world.member_a.id,
        community_id=world.community_a.id,
        service=Service("caring_help", datetime(2026, 10, day, 9, tzinfo=TZ), Decimal("1.5")),
        key=key,
        source_type="test",
        source_id=None,
        actor_id=None,
        tz=TZ,
    )
    session.commit()


def test_backup_and_restore_round_trip_the_ledger(app, session, world, tmp_path):
    ensure_default_catalogue(session)
    publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2026, 1, 1), body=CITY_RULES)
    session.commit()
    for day in range(1, 6):
        _award(session, world, f"award:b:{day}", day)
    before = ledger_fingerprint(session)
    session.close()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "backup.dump")])
    assert result.exit_code == 0, result.output
    _award(session, world, "award:b:after", 9)  # written after the backup: must be gone after restore
    assert ledger_fingerprint(session) != before
    session.close()
    assert runner.invoke(args=["restore", str(tmp_path / "backup.dump")]).exit_code == 1  # needs --yes
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "backup.dump")])
    assert result.exit_code == 0, result.output
    db.session.remove()
    after = ledger_fingerprint(db.session)
    assert after == before and after["entries"] == 5
