"""Who is asking: bearer tokens on the API, the session cookie on pages."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..api import is_api_request
from ..database import db
from ..errors import Unauthorized
from ..i18n import N_
from .accounts import identity_for_token
from .models import Account
from .scope import ANONYMOUS, Scope, scope_for

BEARER_REQUIRED = N_("需要登录（Bearer 令牌）")


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _cache() -> dict:
    # Kept on the request, not on ``g``: an app context (and its ``g``) may
    # outlive one request, and who is asking must never carry over.
    return request.environ.setdefault("service.auth", {})


def current_account() -> Account | None:
    cache = _cache()
    if "account" not in cache:
        if is_api_request():
            # The API never trusts the session cookie: cross-site requests
            # would carry it, and the API has no CSRF token.
            token = bearer_token()
            if token:
                cache["account"], cache["scope"] = identity_for_token(db.session, token)
            else:
                cache["account"] = None
        else:
            cache["account"] = current_user._get_current_object() if current_user.is_authenticated else None
    return cache["account"]


def current_scope() -> Scope:
    cache = _cache()
    if "scope" not in cache:
        account = current_account()  # a bearer token brings its scope along
        if "scope" not in cache:
            cache["scope"] = scope_for(db.session, account) if account else ANONYMOUS
    return cache["scope"]


def require_scope() -> Scope:
    scope = current_scope()
    if scope.account_id is None:
        raise Unauthorized(N_("请先登录") if not is_api_request() else BEARER_REQUIRED)
    return scope
