"""Backups of either database, and a fingerprint that proves the ledger came back exactly.

SQLite uses its online backup API (consistent while the service runs); PostgreSQL
uses pg_dump's custom format and pg_restore.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .points.models import LedgerEntry


def ledger_fingerprint(session) -> dict:
    """Entry count, point sum and a SHA-256 over every entry's identity and amount, in id order."""
    digest = hashlib.sha256()
    count = 0
    rows = session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.member_id,
            LedgerEntry.amount,
            LedgerEntry.side,
            LedgerEntry.kind,
            LedgerEntry.idempotency_key,
        )
        .order_by(LedgerEntry.id)
        .execution_options(yield_per=10_000)
    )
    for row in rows:
        digest.update(("|".join(str(v) for v in row) + "\n").encode())
        count += 1
    total = session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).select_from(LedgerEntry))
    return {"entries": count, "sum_tenths": int(total), "checksum": digest.hexdigest()}


def _pg_env(url) -> tuple[list[str], dict]:
    args = [
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
    ]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def _database(url) -> str:
    """The database the URL names (a file for SQLite, a name for PostgreSQL)."""
    if not url.database:
        raise ValueError("the database URL names no database")
    return url.database


def backup(database_url: str, target: str | Path) -> Path:
    target = Path(target)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_database(url))
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
        source.close()
    else:
        args, env = _pg_env(url)
        subprocess.run(
            ["pg_dump", *args, "--format=custom", "--file", str(target), _database(url)],
            check=True,
            env=env,
            capture_output=True,
        )
    return target


def restore(database_url: str, source: str | Path) -> None:
    """Replace the database's contents with the backup's (stop the service first)."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(source)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_database(url))
        with live:
            backup_db.backup(live)
        live.close()
        backup_db.close()
    else:
        args, env = _pg_env(url)
        subprocess.run(
            [
                "pg_restore",
                *args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _database(url),
                str(source),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
