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


def _signed_in_account() -> str:
    from flask_login import current_user

    return f"account:{current_user.id}" if current_user.is_authenticated else "account:-"


#: guesses at the current password from one signed-in account (a stolen session must not be an
#: unthrottled password oracle)
per_signed_in_account = limiter.limit(_login_limit, key_func=_signed_in_account, methods=["POST"])
