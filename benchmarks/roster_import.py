"""Import a 10,000-row member spreadsheet (XLSX) into the demo city and time it.

    python -m benchmarks.roster_import [--rows 10000]

Target (issue 2): under 30 s on SQLite.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time

from openpyxl import Workbook
from sqlalchemy import func, select

from service.database import db
from service.demo.build import build_all
from service.demo.names import GIVEN, SKILLS, SURNAMES
from service.people.models import Member
from service.places.models import Area, Unit
from service.roster.importer import import_members

from .common import CHEAP_HASH, database_kind, fresh_database, migrated_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    url, drop = fresh_database("import")
    try:
        app = migrated_app(url)
        with app.app_context():
            build_all(db.session, scale="demo", seed=1, hash_params=CHEAP_HASH)
            db.session.commit()
            buildings = list(db.session.scalars(select(Area.code).where(Area.kind == "building")))
            units = list(db.session.scalars(select(Unit.code)))
            rng = random.Random(5)
            path = tempfile.mktemp(suffix=".xlsx")
            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            ws.append(["姓名", "手机号", "身份", "单位编码", "楼栋编码", "技能", "空闲时段"])
            for i in range(args.rows):
                ws.append(
                    [
                        rng.choice(SURNAMES) + rng.choice(GIVEN),
                        f"166{i:08d}",
                        rng.choice(["在职党员", "离退休党员", "群众志愿者"]),
                        rng.choice(units),
                        rng.choice(buildings),
                        ";".join(rng.sample(list(SKILLS), 2)),
                        "周六 09:00-12:00; 周日 14:00-17:00",
                    ]
                )
            wb.save(path)
            before = db.session.scalar(select(func.count()).select_from(Member))
            db.session.rollback()
            started = time.perf_counter()
            count = import_members(db.session, path)
            db.session.commit()
            seconds = time.perf_counter() - started
            after = db.session.scalar(select(func.count()).select_from(Member))
            db.session.remove()
            db.engine.dispose()
        print(
            json.dumps(
                {
                    "database": database_kind(url),
                    "rows": args.rows,
                    "imported": count,
                    "members_added": after - before,
                    "import_s": round(seconds, 2),
                }
            )
        )
    finally:
        drop()


if __name__ == "__main__":
    main()
