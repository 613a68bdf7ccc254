"""Passwords, logins and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, bindparam, select

from ..audit.log import record
from ..database import utcnow
from ..errors import Invalid, Unauthorized
from ..i18n import N_
from ..places.models import Area
from .models import Account, ApiToken, RoleGrant
from .scope import ANONYMOUS, GRANT_COLUMNS, Scope, scope_of_grants

MIN_PASSWORD_LENGTH = 8
WRONG_CREDENTIALS = N_("手机号或密码错误")  # one message for every failure: no account probing
ACCOUNT_DISABLED = N_("账号已停用")
# Verified against when the phone is unknown, so a miss costs as much as a hit.
_DUMMY_HASH: dict[tuple, str] = {}


def hasher(params: dict) -> PasswordHasher:
    return PasswordHasher(**params)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("密码至少 %(n)s 位"), params={"n": MIN_PASSWORD_LENGTH}, fields={"password": [N_("太短")]})


def set_password(account: Account, password: str, params: dict) -> None:
    check_password_strength(password)
    account.password_hash = hasher(params).hash(password)


def authenticate(session, phone: str, password: str, params: dict) -> Account:
    """The account for these credentials, or ``Unauthorized`` with one message for every failure."""
    account = session.scalar(select(Account).where(Account.phone == phone))
    ph = hasher(params)
    key = tuple(sorted(params.items()))
    if account is None or not account.password_hash:
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = ph.hash(secrets.token_hex(8))
        try:
            ph.verify(_DUMMY_HASH[key], password)
        except VerificationError:
            pass
        raise Unauthorized(WRONG_CREDENTIALS)
    try:
        ph.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized(WRONG_CREDENTIALS) from None
    if not account.active:
        raise Unauthorized(ACCOUNT_DISABLED)
    if ph.check_needs_rehash(account.password_hash):
        account.password_hash = ph.hash(password)
    account.last_login_at = utcnow()
    record(session, account.id, "login", "account", account.id)
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session, account: Account, hours: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(account_id=account.id, token_hash=_digest(token), expires_at=utcnow() + timedelta(hours=hours))
    session.add(row)
    return token, row


@lru_cache(maxsize=1)
def _identity_statement():
    return (
        select(ApiToken.revoked_at, ApiToken.expires_at, Account, *GRANT_COLUMNS)
        .join(Account, Account.id == ApiToken.account_id)
        .outerjoin(RoleGrant, and_(RoleGrant.account_id == Account.id, RoleGrant.revoked_at.is_(None)))
        .outerjoin(Area, Area.id == RoleGrant.area_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def identity_for_token(session, token: str) -> tuple[Account | None, Scope]:
    """The account behind a bearer token and its scope. Every API call asks this, so the token,
    the account and its live role grants come in one statement (a row per grant)."""
    rows = session.execute(_identity_statement(), {"token_hash": _digest(token)}).all()
    if not rows:
        return None, ANONYMOUS
    revoked_at, expires_at, account = rows[0][:3]
    if revoked_at is not None or expires_at <= utcnow() or not account.active:
        return None, ANONYMOUS
    return account, scope_of_grants(account, [row[3:] for row in rows])


def revoke_token(session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
