"""Accounts, memberships, API tokens, console sessions, login rate limiting and the audit log."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from pwdlib import PasswordHash
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from api.accounts import throttle
from api.accounts.models import ROLES, ApiToken, AuditLog, ConsoleSession, Membership, User
from api.errors import Conflict, Invalid, NotFound
from api.organisations import service as organisation_service

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "spie_"
CONSOLE_SESSION_LIFETIME = timedelta(hours=8)
# An idle session's last activity is written at most this often (not on every page).
SESSION_LAST_SEEN_PRECISION = timedelta(minutes=1)
TOKEN_LAST_USED_PRECISION = timedelta(minutes=1)

_password_hash = PasswordHash.recommended()  # argon2id


@lru_cache
def _dummy_hash() -> str:
    """Checked when the address is unknown, so that both cases take as long."""
    return _password_hash.hash(secrets.token_urlsafe(16))


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise Invalid("a valid email address is required")
    return email


def hash_password(password: str) -> str:
    """An argon2id hash of a password long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _password_hash.hash(password)


# --- users and memberships ------------------------------------------------


def find_user(session: Session, *, email: str) -> User | None:
    """The user with this address, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, *, email: str, password: str, is_superadmin: bool = False) -> User:
    """Create an account; 409 if the address is taken."""
    email = normalise_email(email)
    if find_user(session, email=email) is not None:
        raise Conflict("an account with this email already exists")
    user = User(email=email, password_hash=hash_password(password), is_superadmin=is_superadmin, active=True)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = hash_password(password)
    session.flush()


def roles_of(session: Session, *, user_id: int) -> dict[int, str]:
    """The user's role in each of their organisations."""
    rows = session.execute(
        select(Membership.organisation_id, Membership.role).where(Membership.user_id == user_id)
    )
    return {organisation_id: role for organisation_id, role in rows}


def set_membership(
    session: Session, *, user_id: int, organisation_id: int, role: str
) -> tuple[Membership, bool]:
    """Give a user a role in an organisation (created, or role changed); True when created."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    organisation_service.get_organisation(session, organisation_id=organisation_id)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    )
    if membership is not None:
        if membership.role == "admin" and role != "admin":
            _keep_an_admin(session, organisation_id=organisation_id, leaving_user_id=user_id)
        membership.role = role
        session.flush()
        return membership, False
    membership = Membership(user_id=user_id, organisation_id=organisation_id, role=role)
    session.add(membership)
    session.flush()
    return membership, True


def remove_membership(session: Session, *, user_id: int, organisation_id: int) -> None:
    """Take a user out of an organisation; an organisation keeps at least one admin."""
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.organisation_id == organisation_id)
    )
    if membership is None:
        raise NotFound("member")
    if membership.role == "admin":
        _keep_an_admin(session, organisation_id=organisation_id, leaving_user_id=user_id)
    session.delete(membership)
    session.flush()


def _keep_an_admin(session: Session, *, organisation_id: int, leaving_user_id: int) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role == "admin",
            Membership.user_id != leaving_user_id,
        )
    )
    if not others:
        raise Conflict("the organisation would have no admin left")


def list_members(session: Session, *, organisation_id: int) -> list[tuple[Membership, User]]:
    """The organisation's members with their accounts, by address."""
    query = (
        select(Membership, User)
        .join(User, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id)
        .order_by(User.email)
    )
    return [(membership, user) for membership, user in session.execute(query)]


# --- API tokens -------------------------------------------------------------


def create_token(session: Session, *, user_id: int, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned here only, the table keeps its SHA-256."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user_id, name=name, token_hash=sha256(secret), created_at=now, revoked=False)
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first."""
    query = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def revoke_token(session: Session, *, user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's token is 404."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("token")
    token.revoked = True
    session.flush()
    return token


def user_for_token(session: Session, *, secret: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user a live token belongs to, or None; notes when the token was last used."""
    row = session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == sha256(secret), ApiToken.revoked.is_(False), User.active.is_(True))
    ).first()
    if row is None:
        return None
    user, token = row
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_PRECISION:
        token.last_used_at = now
        session.flush()
    return user, token


# --- passwords (login throttling: api/accounts/throttle.py) ---------------


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this address and password, or None (same work either way)."""
    try:
        user = find_user(session, email=email)
    except Invalid:
        user = None
    if user is None:
        _password_hash.verify(password, _dummy_hash())
        return None
    valid, new_hash = _password_hash.verify_and_update(password, user.password_hash)
    if not valid or not user.active:
        return None
    if new_hash is not None:  # parameters of the hasher changed since this hash was made
        user.password_hash = new_hash
        session.flush()
    return user


# --- console sessions ------------------------------------------------------


def open_console_session(
    session: Session, *, user_id: int, now: datetime, idle_timeout: timedelta
) -> tuple[ConsoleSession, str]:
    """A new browser session; the secret goes in the cookie, the table keeps its SHA-256."""
    session.execute(
        delete(ConsoleSession).where(
            or_(ConsoleSession.expires_at < now, ConsoleSession.last_seen_at < now - idle_timeout)
        )
    )
    throttle.purge(session, now=now)
    secret = secrets.token_urlsafe(32)
    console_session = ConsoleSession(
        user_id=user_id,
        token_hash=sha256(secret),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + CONSOLE_SESSION_LIFETIME,
        last_seen_at=now,
    )
    session.add(console_session)
    session.flush()
    return console_session, secret


def console_session_user(
    session: Session, *, secret: str, now: datetime, idle_timeout: timedelta
) -> tuple[ConsoleSession, User] | None:
    """The live session of this cookie and its active user, or None (expired, or idle too long)."""
    row = session.execute(
        select(ConsoleSession, User)
        .join(User, ConsoleSession.user_id == User.id)
        .where(
            ConsoleSession.token_hash == sha256(secret),
            ConsoleSession.expires_at > now,
            ConsoleSession.last_seen_at > now - idle_timeout,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    console_session, user = row
    if now - console_session.last_seen_at >= SESSION_LAST_SEEN_PRECISION:
        console_session.last_seen_at = now
        session.flush()
    return console_session, user


def close_console_session(session: Session, *, console_session: ConsoleSession) -> None:
    """Log out: the cookie no longer opens anything."""
    session.delete(console_session)
    session.flush()


# --- audit log -------------------------------------------------------------


def record_audit(
    session: Session,
    *,
    user_id: int,
    action: str,
    organisation_id: int | None,
    beneficiary_id: int | None = None,
    ip: str | None = None,
    detail: str = "",
    now: datetime,
) -> AuditLog:
    """Write one line of the audit log."""
    entry = AuditLog(
        user_id=user_id,
        action=action,
        organisation_id=organisation_id,
        beneficiary_id=beneficiary_id,
        ip=ip[:45] if ip else None,
        detail=detail[:200],
        at=now,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditLine:
    entry: AuditLog
    user_email: str


def list_audit(
    session: Session,
    *,
    organisation_ids: list[int],
    beneficiary_id: int | None = None,
    action: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditLine]:
    """The audit log of these organisations, newest first."""
    query = (
        select(AuditLog, User.email)
        .join(User, AuditLog.user_id == User.id)
        .where(AuditLog.organisation_id.in_(organisation_ids))
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    if beneficiary_id is not None:
        query = query.where(AuditLog.beneficiary_id == beneficiary_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    return [AuditLine(entry, email) for entry, email in session.execute(query)]
