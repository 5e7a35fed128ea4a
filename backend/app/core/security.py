"""Password hashing (argon2), password policy and JWT access tokens (HS256 pinned)."""

import hashlib
import secrets
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.core.errors import UnprocessableInput
from app.core.strength import estimate, is_common_password

JWT_ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 10
# zxcvbn's score: 3 = "safely unguessable: moderate protection from offline attacks".
MIN_PASSWORD_SCORE = 3
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _weak(message: str, **details: object) -> UnprocessableInput:
    return UnprocessableInput(
        message, code="weak_password", details={"field": "password", **details}
    )


def check_password_policy(password: str, username: str, *other_inputs: str) -> None:
    """At least 10 characters, no control characters, not the username, not a common password,
    and hard to guess by zxcvbn's estimate (score 3 of 4); the error says which rule failed."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise _weak(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if any(unicodedata.category(char) == "Cc" for char in password):
        raise _weak("Password must not contain control characters (such as NUL or newlines).")
    if username and username.lower() in password.lower():
        raise _weak("Password must not contain the username.")
    if is_common_password(password):
        raise _weak("This password is on the list of the most common leaked passwords.")
    result = estimate(password, [username, *other_inputs])
    score = int(result["score"])  # type: ignore[call-overload]
    if score < MIN_PASSWORD_SCORE:
        feedback: dict[str, Any] = result["feedback"]  # type: ignore[assignment]
        reason = feedback.get("warning") or "it follows a pattern that is quick to guess."
        hints = " ".join(feedback.get("suggestions") or [])
        raise _weak(
            f"Password is too easy to guess: {reason} {hints}".strip(),
            score=score,
            warning=feedback.get("warning") or None,
            suggestions=feedback.get("suggestions") or [],
        )


def generate_password() -> str:
    """A random password that satisfies the policy."""
    return secrets.token_urlsafe(18)


def create_access_token(user_id: uuid.UUID, secret: str, minutes: int) -> str:
    """A short-lived signed access token."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": uuid.uuid4().hex,
        "type": "access",
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, secret: str) -> dict[str, Any]:
    """Verify signature, algorithm and expiry; raises jwt.PyJWTError when invalid."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[JWT_ALGORITHM],
        options={"require": ["exp", "iat", "sub", "jti"]},
    )
    if claims.get("type") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


def new_refresh_token() -> tuple[str, str]:
    """An opaque refresh token and the SHA-256 stored in its place."""
    token = secrets.token_urlsafe(48)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an opaque token."""
    return hashlib.sha256(token.encode()).hexdigest()
