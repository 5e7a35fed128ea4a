"""API keys: create (the secret is returned once), list, revoke, authenticate, count usage."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.errors import Conflict, NotFound, Unauthorized
from app.db.base import utcnow
from app.db.models import ApiKey, Project, User
from app.db.session import Database

KEY_PREFIX = "tp-"
# 32 random bytes (256 bits) as URL-safe base64: 43 characters after the prefix.
KEY_BYTES = 32
DISPLAY_LENGTH = 10


@dataclass(frozen=True)
class KeyOwner:
    """What a request authenticated by an API key may reach."""

    key_id: uuid.UUID
    project_id: uuid.UUID


def hash_key(key: str) -> str:
    """Hex SHA-256 of a key (the key is 256 random bits, so no slow hash is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session, *, project: Project, name: str, actor: User, ip: str
) -> tuple[ApiKey, str]:
    """Add a key to the project; return it and its secret (stored only as a hash)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    key = ApiKey(
        id=uuid.uuid4(),
        project_id=project.id,
        name=name,
        prefix=secret[:DISPLAY_LENGTH],
        key_hash=hash_key(secret),
        created_by_id=actor.id,
        calls=0,
        prompt_tokens=0,
        completion_tokens=0,
    )
    session.add(key)
    session.flush()
    record(
        session,
        action="api_key.create",
        actor=actor,
        object_type="api_key",
        object_id=key.id,
        project_id=project.id,
        ip=ip,
        details={"name": name, "prefix": key.prefix},
    )
    return key, secret


def get_key(session: Session, project: Project, key_id: uuid.UUID) -> ApiKey:
    """One of the project's keys, or 404."""
    key = session.get(ApiKey, key_id)
    if key is None or key.project_id != project.id:
        raise NotFound("API key not found.", code="api_key_not_found")
    return key


def list_keys(session: Session, project: Project) -> list[ApiKey]:
    """The project's keys, newest first (revoked ones included)."""
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.project_id == project.id)
            .order_by(ApiKey.created_at.desc(), ApiKey.id)
        )
    )


def revoke_key(session: Session, key: ApiKey, *, actor: User, ip: str) -> None:
    """Revoke a key at once (the next call with it answers 401); the row stays for its counts."""
    if key.revoked_at is not None:
        raise Conflict("This API key is already revoked.", code="api_key_revoked")
    key.revoked_at = utcnow()
    session.flush()
    record(
        session,
        action="api_key.revoke",
        actor=actor,
        object_type="api_key",
        object_id=key.id,
        project_id=key.project_id,
        ip=ip,
        details={"name": key.name, "prefix": key.prefix},
    )


_LOOKUP = select(ApiKey.id, ApiKey.project_id, ApiKey.revoked_at).where(
    ApiKey.key_hash == bindparam("key_hash")
)
_USAGE = (
    update(ApiKey)
    .where(ApiKey.id == bindparam("key_id"))
    .values(
        calls=ApiKey.calls + 1,
        prompt_tokens=ApiKey.prompt_tokens + bindparam("prompt", type_=ApiKey.prompt_tokens.type),
        completion_tokens=ApiKey.completion_tokens
        + bindparam("completion", type_=ApiKey.completion_tokens.type),
        last_used_at=bindparam("now", type_=ApiKey.last_used_at.type),
    )
)


def invalid_key() -> Unauthorized:
    """The 401 for a missing, unknown or revoked key (the three are not told apart)."""
    return Unauthorized(
        "Invalid API key: pass a live key of this platform as 'Authorization: Bearer tp-…'.",
        code="invalid_api_key",
        headers={"WWW-Authenticate": "Bearer"},
    )


def authenticate_key(db: Database, key: str | None) -> KeyOwner:
    """The live key's id and project, or 401."""
    if not key or not key.startswith(KEY_PREFIX):
        raise invalid_key()
    with db.engine.connect() as connection:
        row = connection.execute(_LOOKUP, {"key_hash": hash_key(key)}).first()
    if row is None or row.revoked_at is not None:
        raise invalid_key()
    return KeyOwner(key_id=row.id, project_id=row.project_id)


def count_usage(db: Database, key_id: uuid.UUID, *, prompt: int, completion: int) -> None:
    """Add one call and its tokens to the key's counters (atomic increments, any replica)."""
    with db.engine.begin() as connection:
        connection.execute(
            _USAGE,
            {"key_id": key_id, "prompt": prompt, "completion": completion, "now": utcnow()},
        )
