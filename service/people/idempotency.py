"""Idempotency keys: a caller's retry of one request gets the first answer back, nobody else's.

A key is unique per account and per operation (method and route). The first request stores a
fingerprint of itself (SHA-256 over method, path and canonical JSON body) and the response it
got; the same caller repeating the same request gets that response again, without the command
running a second time (so no second ledger entry and no second audit record). The same key
with a different request is refused (409 ``idempotency_key_reused``); another account's equal
key is another key altogether.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, request
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Model, UTCDateTime, utcnow
from ..errors import Conflict
from ..i18n import N_

KEY_REUSED = N_("该幂等键已用于另一个请求")
REPLAYED_HEADER = "Idempotent-Replayed"

T = TypeVar("T")


class IdempotencyRecord(Model):
    """One account's keyed request: its fingerprint and the response it was given."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("account_id", "operation", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    operation: Mapped[str] = mapped_column(String(120))  # "POST /api/v1/points/adjustments"
    key: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def request_fingerprint() -> str:
    """SHA-256 over the method, the path and the JSON body in canonical form (keys sorted)."""
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{canonical}".encode()).hexdigest()


def _operation() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return f"{request.method} {rule}"[:120]


def _find(session, account_id: int, operation: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id,
            IdempotencyRecord.operation == operation,
            IdempotencyRecord.key == key,
        )
    )


def _replay(record: IdempotencyRecord, fingerprint: str):
    if record.fingerprint != fingerprint:
        raise Conflict(KEY_REUSED, code="idempotency_key_reused", fields={"idempotency_key": [KEY_REUSED]})
    response = current_app.json.response(record.response)
    response.status_code = record.status
    response.headers[REPLAYED_HEADER] = "true"
    return response


def once(
    session,
    account_id: int,
    key: str | None,
    perform: Callable[[], T],
    dump: Callable[[T], Any],
    status: int | Callable[[T], int] = 201,
):
    """Run ``perform`` once per (account, operation, key): a repeat gets the stored response.

    Returns ``perform()``'s result on the first run (with its dumped form stored in the same
    transaction; the caller commits), or a ready response on a replay. Without a key,
    just ``perform()``."""
    if not key:
        return perform()
    operation, fingerprint = _operation(), request_fingerprint()
    found = _find(session, account_id, operation, key)
    if found is not None:
        return _replay(found, fingerprint)
    record = IdempotencyRecord(
        account_id=account_id,
        operation=operation,
        key=key,
        fingerprint=fingerprint,
        status=201 if callable(status) else status,
    )
    session.add(record)
    try:
        # Claim the key before doing anything: a concurrent twin waits here (PostgreSQL's unique
        # index; SQLite's write lock) and then replays what the first one stored.
        session.flush()
    except IntegrityError:
        session.rollback()
        found = _find(session, account_id, operation, key)
        if found is None:  # pragma: no cover - the twin rolled back between our insert and read
            raise
        return _replay(found, fingerprint)
    result = perform()
    record.response = dump(result)
    if callable(status):  # the answer's status depends on what was done (201 posted, 202 waiting)
        record.status = status(result)
    session.flush()
    return result
