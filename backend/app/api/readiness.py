"""Checks behind /ready: database reachable and migrated, Redis reachable when configured."""

import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from app.db.init_db import schema_is_current
from app.db.session import Database


def check_database(db: Database) -> str:
    """'ok', or why the database is not usable."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, revision, head = schema_is_current(db.engine)
    except SQLAlchemyError as exc:
        return f"unreachable: {type(exc).__name__}"
    if not current:
        return f"schema behind: at {revision}, code expects {head}; run python -m app.db.init_db"
    return "ok"


def check_redis(url: str) -> str:
    """'ok', or why Redis is not usable."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def check_readiness(db: Database, settings: Settings) -> dict[str, str]:
    """Every readiness check by name."""
    checks = {"database": check_database(db)}
    if settings.redis_url:
        checks["redis"] = check_redis(settings.redis_url)
    return checks
