"""Settings, read from the environment once, when ``create_app`` builds an app.

Nothing here runs at import time: ``Config.from_env`` is called by the factory
with the environment and the instance folder, so tests and CLI commands can pass
their own values without touching ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path


def _number(value: str, name: str, lowest: float, highest: float) -> float:
    """A number from the environment within [lowest, highest]; anything else stops the start."""
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not lowest <= number <= highest:
        raise ValueError(f"{name} must be a number from {lowest:g} to {highest:g}, not {value!r}")
    return number


def _count(value: str, name: str, lowest: int, highest: int) -> int:
    """A whole number from the environment within [lowest, highest]; anything else stops the start."""
    if not value.strip().isdigit() or not lowest <= int(value) <= highest:
        raise ValueError(f"{name} must be a whole number from {lowest} to {highest}, not {value!r}")
    return int(value)


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Send plain ``postgresql://`` URLs through psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key(instance_path: Path) -> str:
    """A key generated once per installation and kept in the instance folder."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must not end up with two keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Defaults for every deployment; ``from_env`` layers the environment on top."""

    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB photo plus the form around it
    API_MAX_JSON_BYTES = 256 * 1024
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A connection that died with a database restart is replaced before use, so the
    # service recovers by itself when PostgreSQL comes back.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # How long a dispatch invitation waits for an answer (an area's matching settings may differ).
    MATCHING_INVITATION_HOURS = 24
    # Four-eyes on manual adjustments: one above this many points, or one that takes a member's
    # adjustments in the calendar month past it (absolute sum), waits for a second approver.
    ADJUSTMENT_CAP_POINTS = 20
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    API_TOKEN_HOURS = 24 * 7
    # argon2id, RFC 9106 "second recommended" profile: 64 MiB, t=3, p=4.
    PASSWORD_HASH = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}
    LOGIN_LIMIT = "10 per minute"
    # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are
    # believed; 0 ignores those headers, so a client cannot choose the address it is counted by.
    TRUSTED_PROXIES = 0
    PUBLIC_PAGE_SECONDS = 30  # public boards are rendered at most this often per process
    PAGE_SIZE_DEFAULT = 20
    PAGE_SIZE_MAX = 200
    SQLITE_BUSY_TIMEOUT_MS = 15000
    POSTGRES_RANDOM_PAGE_COST = 1.1  # set on the app's own connections; None keeps the server's

    # flask-smorest / OpenAPI
    API_TITLE = "Red points service API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    API_SPEC_OPTIONS: dict[str, list[dict[str, list[str]]]] = {"security": [{"bearer": []}]}

    @classmethod
    def from_env(cls, environ: Mapping[str, str], instance_path: str | Path, overrides: Mapping | None = None) -> dict:
        """Settings from ``environ``; ``overrides`` (from the caller of create_app) win."""
        overrides = overrides or {}
        instance = Path(instance_path)
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance / 'service.db'}"
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
        # Migrations (and backup/restore) connect as the schema's owner; the app's own role
        # (DATABASE_URL) is not the owner, so it can never drop or disable the ledger's guards.
        # Unset, migrations use DATABASE_URL (SQLite, local trials). See migration_database_uri().
        migration_url = environ.get("MIGRATION_DATABASE_URL")
        settings["MIGRATION_DATABASE_URI"] = normalise_database_url(migration_url) if migration_url else None
        settings["SECRET_KEY"] = overrides.get("SECRET_KEY") or environ.get("SECRET_KEY") or _secret_key(instance)
        settings["TIMEZONE"] = environ.get("TIMEZONE") or cls.TIMEZONE
        settings["BABEL_DEFAULT_TIMEZONE"] = settings["TIMEZONE"]
        settings["REDIS_URL"] = overrides.get("REDIS_URL") or environ.get("REDIS_URL") or None
        settings["SESSION_COOKIE_SECURE"] = _flag(environ.get("SESSION_COOKIE_SECURE"))
        settings["REMEMBER_COOKIE_SECURE"] = settings["SESSION_COOKIE_SECURE"]
        if environ.get("SWAGGER_UI_URL"):
            settings["OPENAPI_SWAGGER_UI_URL"] = environ["SWAGGER_UI_URL"]
        # Limits hold across workers and servers in Redis; if Redis is unreachable each worker
        # counts on its own for the while (a login never fails because the counter is away).
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"] or "memory://"
        settings["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = bool(settings["REDIS_URL"])
        if settings["REDIS_URL"]:
            settings["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
        if environ.get("TRUSTED_PROXIES"):
            settings["TRUSTED_PROXIES"] = _count(environ["TRUSTED_PROXIES"], "TRUSTED_PROXIES", 0, 5)
        cost = environ.get("POSTGRES_RANDOM_PAGE_COST")
        if cost is not None:  # "" or "server" leaves the server's setting alone
            settings["POSTGRES_RANDOM_PAGE_COST"] = (
                None if cost.strip() in ("", "server") else _number(cost, "POSTGRES_RANDOM_PAGE_COST", 0.01, 100)
            )
        if environ.get("ADJUSTMENT_CAP_POINTS"):
            settings["ADJUSTMENT_CAP_POINTS"] = _number(
                environ["ADJUSTMENT_CAP_POINTS"], "ADJUSTMENT_CAP_POINTS", 0, 1000
            )
        if environ.get("PUBLIC_PAGE_SECONDS"):
            settings["PUBLIC_PAGE_SECONDS"] = _number(environ["PUBLIC_PAGE_SECONDS"], "PUBLIC_PAGE_SECONDS", 0, 3600)
        if "SQLALCHEMY_DATABASE_URI" in overrides and "MIGRATION_DATABASE_URI" not in overrides:
            # A caller naming the app's database (tests, tools) migrates that same database.
            settings["MIGRATION_DATABASE_URI"] = None
        settings.update(overrides)
        return settings


class TestConfig:
    """Overrides the test suite applies on top of ``Config.from_env``."""

    TESTING = True
    # Cheap hashing keeps the suite fast; production keeps the strong profile.
    PASSWORD_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    RATELIMIT_ENABLED = True
    PUBLIC_PAGE_SECONDS = 0  # each test sees what it just wrote

    @classmethod
    def as_dict(cls) -> dict:
        return {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
