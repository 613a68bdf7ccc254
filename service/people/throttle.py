"""Login throttling that counts real people: one counter per account (its canonical phone,
however it is written) and one per client address, each shared by the login page and the API's
token door, so neither door doubles the attempts. Behind a reverse proxy the client's address
is the one the trusted proxies forwarded (``TRUSTED_PROXIES``); the counters live in Redis when
``REDIS_URL`` is set, so they hold across workers and servers."""

from __future__ import annotations

from flask import current_app, request

from ..extensions import limiter
from .phones import phone_key


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def submitted_login_phone() -> str:
    """The phone a login names (JSON body on the API, form on the page) as a throttle key."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = body.get("phone") if isinstance(body, dict) else request.form.get("phone")
    return phone_key("login-phone", raw)


#: every login attempt naming one account, through any door
per_account = limiter.shared_limit(
    _login_limit, scope="login-account", key_func=submitted_login_phone, methods=["POST"]
)
#: every login attempt from one client address, through any door
per_address = limiter.shared_limit(_login_limit, scope="login-address", methods=["POST"])
