"""Passwords, logins and bearer tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.log import record
from ..database import utcnow
from ..errors import Invalid, Unauthorized
from ..i18n import N_
from .models import Account, ApiToken

MIN_PASSWORD_LENGTH = 8
WRONG_CREDENTIALS = N_("手机号或密码错误")  # one message for every failure: no account probing
ACCOUNT_DISABLED = N_("账号已停用")
# Verified against when the phone is unknown, so a miss costs as much as a hit.
_DUMMY_HASH: dict[tuple, str] = {}


def hasher(params: dict) -> PasswordHasher:
    return PasswordHasher(**params)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"密码至少 {MIN_PASSWORD_LENGTH} 位", fields={"password": ["too short"]})


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


def account_for_token(session, token: str) -> Account | None:
    # Every API call asks this; the account comes along in the same statement.
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token))
                         .options(joinedload(ApiToken.account)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    account = row.account
    return account if account.active else None


def revoke_token(session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
