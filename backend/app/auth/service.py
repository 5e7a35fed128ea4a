"""Sign-in with throttling, refresh-token rotation with reuse detection, logout."""

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth import throttle
from app.auth.schemas import TokenPair
from app.auth.throttle import attempt_key
from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.security import (
    create_access_token,
    hash_password,
    hash_token,
    new_refresh_token,
    verify_password,
)
from app.db.models import RefreshToken, User
from app.db.session import Database

_INVALID_LOGIN = "Incorrect username or password."


def _now() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    """A hash of a random password, made with the same parameters as the users' hashes."""
    return hash_password(secrets.token_urlsafe(32))


def _record_failure(db: Database, username: str, ip: str, reason: str) -> None:
    """Audit the failure in its own unit of work: the request itself is rolled back."""
    with db.session_scope() as session:
        audit.record(
            session,
            action="auth.login_failed",
            actor_username=attempt_key(username),
            ip=ip,
            details={"reason": reason},
        )


def issue_tokens(
    session: Session, settings: Settings, user: User, family_id: uuid.UUID | None = None
) -> TokenPair:
    """A new access token and a refresh token in the given (or a new) family."""
    token, token_hash = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4(),
            token_hash=token_hash,
            expires_at=_now() + timedelta(days=settings.refresh_token_days),
        )
    )
    access = create_access_token(user.id, settings.jwt_secret_key, settings.access_token_minutes)
    return TokenPair(
        access_token=access, refresh_token=token, expires_in=settings.access_token_minutes * 60
    )


def login(
    session: Session, db: Database, settings: Settings, *, username: str, password: str, ip: str
) -> TokenPair:
    """Verify credentials (throttled, see `throttle`) and issue tokens.

    An unknown username costs the same password-hash work as a known one, so the answer's
    timing does not tell which names exist.
    """
    username = username.strip()
    attempt_id = throttle.begin_attempt(db, settings, username=username, ip=ip)
    user = session.scalar(select(User).where(User.username == attempt_key(username)))
    if user is None:
        verify_password(_unknown_user_hash(), password)
        _record_failure(db, username, ip, "bad_credentials")
        raise Unauthorized(_INVALID_LOGIN, code="invalid_credentials")
    if not verify_password(user.password_hash, password):
        _record_failure(db, username, ip, "bad_credentials")
        raise Unauthorized(_INVALID_LOGIN, code="invalid_credentials")
    if not user.is_active:
        _record_failure(db, username, ip, "account_disabled")
        raise Unauthorized("This account is disabled.", code="account_disabled")
    throttle.mark_succeeded(session, attempt_id)
    audit.record(session, action="auth.login", actor=user, ip=ip)
    return issue_tokens(session, settings, user)


def _revoke_family(db: Database, family_id: uuid.UUID, reason: str, ip: str) -> None:
    """Revoke every token of a family in its own unit of work (survives the 401)."""
    with db.session_scope() as session:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        audit.record(
            session,
            action="auth.token_family_revoked",
            ip=ip,
            object_type="token_family",
            object_id=family_id,
            details={"reason": reason},
        )


def _reused(db: Database, family_id: uuid.UUID, ip: str) -> Unauthorized:
    """Revoke the family of a token presented twice; the 401 to answer."""
    _revoke_family(db, family_id, "refresh_token_reuse", ip)
    return Unauthorized(
        "This refresh token was already used; every session of this sign-in is revoked.",
        code="refresh_token_reused",
    )


def refresh(
    session: Session, db: Database, settings: Settings, *, refresh_token: str, ip: str
) -> TokenPair:
    """Rotate a refresh token; presenting a used or revoked one revokes its whole family.

    The rotation is one conditional UPDATE: of two requests presenting the same token at once,
    one marks it used, the other finds it used (it waits for the first's commit on PostgreSQL)
    and is treated as reuse.
    """
    stored = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
    invalid = Unauthorized("Invalid refresh token.", code="invalid_refresh_token")
    if stored is None:
        raise invalid
    if stored.used_at is not None or stored.revoked_at is not None:
        raise _reused(db, stored.family_id, ip)
    if stored.expires_at <= _now():
        raise Unauthorized("Refresh token expired; sign in again.", code="refresh_token_expired")
    user = session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise invalid
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == stored.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
        )
        .values(used_at=_now())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        # Another request rotated it first (its commit is what this UPDATE waited for). End
        # this request's transaction, which holds SQLite's write lock, before revoking.
        session.rollback()
        raise _reused(db, stored.family_id, ip)
    return issue_tokens(session, settings, user, family_id=stored.family_id)


def logout(session: Session, *, refresh_token: str) -> None:
    """Revoke the family of the given refresh token (idempotent)."""
    stored = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))
    )
    if stored is None:
        return
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == stored.family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )


def revoke_user_tokens(session: Session, user_id: uuid.UUID) -> None:
    """Revoke every refresh token of a user (disable, password change)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
