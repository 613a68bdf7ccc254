"""Passwords, logins and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import and_, bindparam, select, update

from ..audit.log import record
from ..database import utcnow
from ..errors import Invalid, Unauthorized
from ..i18n import N_
from ..places.models import Area
from .models import Account, ApiToken, RoleGrant
from .scope import ANONYMOUS, GRANT_COLUMNS, Scope, scope_of_grants

MIN_PASSWORD_LENGTH = 8
# One message and one status for every failure (unknown phone, wrong password, no password set,
# deactivated account), so no answer confirms that a phone has an account or a password is right.
WRONG_CREDENTIALS = N_("手机号或密码错误")
# Verified against when the phone is unknown, so a miss costs as much as a hit.
_DUMMY_HASH: dict[tuple, str] = {}


def hasher(params: dict) -> PasswordHasher:
    return PasswordHasher(**params)


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(N_("密码至少 %(n)s 位"), params={"n": MIN_PASSWORD_LENGTH}, fields={field: [N_("太短")]})


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
        raise Unauthorized(WRONG_CREDENTIALS)
    if ph.check_needs_rehash(account.password_hash):
        account.password_hash = ph.hash(password)
    account.last_login_at = utcnow()
    record(session, account.id, "login", "account", account.id)
    return account


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session, account: Account, hours: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        account_id=account.id,
        token_hash=_digest(token),
        expires_at=utcnow() + timedelta(hours=hours),
        session_version=account.session_version or 0,
    )
    session.add(row)
    return token, row


# --- ending sessions -----------------------------------------------------------------------------

#: why an account's sessions were ended (the audit entry says which)
END_REASONS = ("logout", "logout_everywhere", "password_change", "deactivated", "role_change")


def end_sessions(session, account: Account, actor_id: int | None, reason: str) -> None:
    """Every session cookie and every API token of ``account`` stops working: its session version
    is raised (cookies and tokens carry the version they were made under) and its live tokens are
    marked revoked. In the caller's transaction; an audit entry says who and why."""
    assert reason in END_REASONS, reason
    # Raised in SQL, so two endings at once both count; read back on the next access.
    account.session_version = Account.session_version + 1  # type: ignore[assignment]
    session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    record(session, actor_id, "account.sessions_ended", "account", account.id, reason=reason)


def account_for_session(session, user_id: str) -> Account | None:
    """The account a session cookie names (``"<id>:<session version>"``), if the version is still
    the account's and the account is active; ``None`` sends the visitor to the login page."""
    account_id, _, version = (user_id or "").partition(":")
    if not (account_id.isdigit() and version.isdigit()):
        return None  # a cookie from before session versions, or not ours
    account = session.get(Account, int(account_id))
    if account is None or not account.active or account.session_version != int(version):
        return None
    return account


PASSWORD_MISMATCH = N_("两次输入的新密码不一致")
WRONG_CURRENT_PASSWORD = N_("当前密码不正确")


def change_password(session, account: Account, data: dict, params: dict) -> Account:
    """The account holder sets a new password (the current one asked); every other session and
    every API token of the account ends. The caller signs the current browser in again."""
    ph = hasher(params)
    try:
        ph.verify(account.password_hash or "", data["current_password"])
    except (VerificationError, InvalidHashError):
        raise Invalid(WRONG_CURRENT_PASSWORD, fields={"current_password": [WRONG_CURRENT_PASSWORD]}) from None
    if data["new_password"] != data["confirm_password"]:
        raise Invalid(PASSWORD_MISMATCH, fields={"confirm_password": [PASSWORD_MISMATCH]})
    check_password_strength(data["new_password"], "new_password")
    set_password(account, data["new_password"], params)
    end_sessions(session, account, account.id, "password_change")
    return account


@lru_cache(maxsize=1)
def _identity_statement():
    return (
        select(ApiToken.revoked_at, ApiToken.expires_at, ApiToken.session_version, Account, *GRANT_COLUMNS)
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
    revoked_at, expires_at, version, account = rows[0][:4]
    if revoked_at is not None or expires_at <= utcnow() or not account.active:
        return None, ANONYMOUS
    if version != account.session_version:  # made before the account's sessions were ended
        return None, ANONYMOUS
    return account, scope_of_grants(account, [row[4:] for row in rows])


def revoke_token(session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
