"""Hostile values sent to every operation of the published OpenAPI document: no answer is a 5xx,
and every refusal has the published error shape. Seeded and bounded (a few variants per
operation and caller), so it runs in `make test` on SQLite and PostgreSQL alike; set
FUZZ_SEED to try other values, FUZZ_VARIANTS for more of them."""

from __future__ import annotations

import json
import os
import random
import re

import pytest

SEED = int(os.environ.get("FUZZ_SEED", "20261207"))
VARIANTS = int(os.environ.get("FUZZ_VARIANTS", "3"))
CALLERS = (None, "member", "community_admin", "city_admin")
ERROR_KEYS = {"code", "message", "fields", "details"}

HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x" * 5000,
    '=HYPERLINK("http://x")',
    "'; DROP TABLE members; --",
    "\u202e\u0646\u200d👩‍👩‍👧",
    "   ",
    "",
    "０１２３",
    "13800138000",
    "9999-12-31",
]
HOSTILE_NUMBERS = [2**63, -(2**63) - 1, -1, 0, 1.5, "1", True, 10**30, None]
HOSTILE_DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "1e9", "", "2026-12-07T25:61:00+08:00", None]


def _resolve(doc: dict, schema: dict, depth: int = 0) -> dict:
    while "$ref" in schema and depth < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
        depth += 1
    return schema


def _value(doc: dict, schema: dict, rng: random.Random, depth: int = 0):
    schema = _resolve(doc, schema or {})
    kind = schema.get("type")
    fmt = schema.get("format", "")
    if depth > 3 or rng.random() < 0.1:
        return rng.choice([None, [], {}, "[" * 50, 7, "\x00"])
    if kind == "string" and fmt in ("date", "date-time"):
        return rng.choice(HOSTILE_DATES)
    if kind == "string":
        return rng.choice(HOSTILE_TEXT)
    if kind in ("integer", "number"):
        return rng.choice(HOSTILE_NUMBERS)
    if kind == "boolean":
        return rng.choice([True, "yes", 2, None])
    if kind == "array":
        inner = schema.get("items", {})
        return [_value(doc, inner, rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 300]))]
    if kind == "object" or "properties" in schema:
        return {name: _value(doc, prop, rng, depth + 1) for name, prop in schema.get("properties", {}).items()}
    return rng.choice(HOSTILE_TEXT + HOSTILE_NUMBERS)


def _path(url: str, params: list[dict], rng: random.Random) -> str:
    kinds = {p["name"]: p.get("schema", {}).get("type") for p in params if p.get("in") == "path"}

    def fill(match):
        if kinds.get(match.group(1)) == "integer":
            return str(rng.choice([1, 2, 0, 2**62, 999999]))
        return rng.choice(["ABCDEF12", "%00", "x" * 300, "%F0%9F%91%A9", "..%2F..%2Fetc"])

    return re.sub(r"\{(\w+)\}", fill, url)


def _query(doc: dict, params: list[dict], rng: random.Random) -> dict:
    query = {}
    for param in params:
        if param.get("in") != "query":
            continue
        value = _value(doc, param.get("schema", {}), rng)
        if value is not None and not isinstance(value, (list, dict)):
            # what a client can put in a URL: a NUL and a lone surrogate as their percent-escapes
            query[param["name"]] = str(value).replace("\x00", "%00").replace("\ud800", "%ED%A0%80")
    return query


def _operations(doc: dict):
    for url, item in doc["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield url, method, operation, shared + operation.get("parameters", [])


def _body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _fresh_token(session, world, caller: str | None) -> None:
    """A new token for the caller before each try: an earlier try may have ended its sessions
    (a logout, a role change), and the next one should still get past the door."""
    from service.people.accounts import issue_token
    from service.people.models import Account

    if caller is None:
        return
    session.expire_all()
    account = session.get(Account, world.accounts[caller].id)
    world.tokens[caller], _row = issue_token(session, account, 1)
    session.commit()


def test_every_operation_survives_hostile_values(api, world, session):
    doc = api.get("/api/v1/openapi.json").json
    rng = random.Random(SEED)
    operations = list(_operations(doc))
    assert len(operations) > 80  # the whole published API, not a sample of it
    failures: list[str] = []
    seen: dict[int, int] = {}
    for url, method, operation, params in operations:
        body_schema = _body_schema(operation)
        for _ in range(VARIANTS):
            caller = rng.choice(CALLERS)
            path = "/api/v1" + url if not url.startswith("/api/") else url
            target = _path(path, params, rng)
            kwargs: dict = {"query_string": _query(doc, params, rng)}
            if body_schema is not None:
                body = _value(doc, body_schema, rng)
                kwargs["data"] = json.dumps(body)
                kwargs["headers"] = {"Content-Type": "application/json"}
            _fresh_token(session, world, caller)
            client = api.as_(caller)
            answer = getattr(client, method)(target, **kwargs)
            status = answer.status_code
            seen[status] = seen.get(status, 0) + 1
            where = f"{method.upper()} {target[:80]} as {caller}: {status}"
            if status >= 500:
                failures.append(where + " " + answer.get_data(as_text=True)[:200])
            elif status >= 400 and answer.is_json:
                error = (answer.json or {}).get("error")
                if not isinstance(error, dict) or not {"code", "message"} <= set(error) or set(error) - ERROR_KEYS:
                    failures.append(where + " off-schema error body " + answer.get_data(as_text=True)[:200])
    assert not failures, f"seed {SEED}:\n" + "\n".join(failures[:40])
    # the values reached the checks behind the door, not only the door itself
    assert len([code for code in seen if 200 <= code < 300 or code in (403, 404, 409)]) >= 2, seen


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"a":' * 10_000, '"\\ud800"', "1e999999", "\xff\xfe"])
def test_broken_bodies_are_refused_with_the_published_shape(api, raw):
    answer = api.as_("city_admin").post(
        "/api/v1/needs", data=raw.encode("utf-8", "surrogatepass"), headers={"Content-Type": "application/json"}
    )
    assert 400 <= answer.status_code < 500
    assert set(answer.json["error"]) <= ERROR_KEYS
