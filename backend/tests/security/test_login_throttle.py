"""Sign-in throttling holds against parallel guesses, many addresses and timing probes."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import argon2
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.auth import service
from app.core.config import Settings
from app.core.errors import TooManyRequests, Unauthorized
from app.db.models import LoginAttempt, User
from app.db.session import Database
from tests.conftest import PASSWORD, make_settings


async def _parallel_logins(app: FastAPI, username: str, passwords: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        responses = await asyncio.gather(
            *(
                client.post("/api/v1/auth/login", data={"username": username, "password": p})
                for p in passwords
            )
        )
    return [r.status_code for r in responses]


def test_parallel_wrong_passwords_are_counted_atomically(
    app: FastAPI, db: Database, settings: Settings, make_user: Callable[..., User]
) -> None:
    make_user("parallel_target")
    statuses = asyncio.run(
        _parallel_logins(app, "parallel_target", [f"wrong-guess-{i}" for i in range(30)])
    )
    checked = [s for s in statuses if s != 429]
    assert set(statuses) <= {401, 429}
    assert len(checked) <= settings.login_max_failures, statuses
    with db.session_scope() as session:
        stored = session.scalars(
            select(LoginAttempt).where(LoginAttempt.username == "parallel_target")
        )
        assert len(list(stored)) == len(checked)


def _attempt(db: Database, settings: Settings, ip: str, password: str) -> str:
    with db.session_scope() as session:
        try:
            service.login(session, db, settings, username="spread_target", password=password, ip=ip)
        except TooManyRequests as exc:
            return f"429:{exc.headers['Retry-After'] if exc.headers else ''}"
        except Unauthorized:
            return "401"
    return "200"


def test_guesses_from_many_addresses_hit_the_account_limit_with_backoff(
    db: Database, database_url: str, storage_root: Path, make_user: Callable[..., User]
) -> None:
    settings = make_settings(
        database_url, storage_root, login_account_max_failures=6, login_backoff_base_seconds=60
    )
    make_user("spread_target")
    # One guess per address: the per-address limit never trips, the per-account one does.
    results = [_attempt(db, settings, f"198.51.100.{i}", f"wrong-{i}") for i in range(10)]
    assert results[:6] == ["401"] * 6
    assert all(r.startswith("429:") for r in results[6:]), results
    assert 55 <= int(results[6].split(":")[1]) <= 60
    # The right password from yet another address waits too.
    assert _attempt(db, settings, "192.0.2.1", PASSWORD).startswith("429:")
    with db.session_scope() as session:
        stored = session.scalars(
            select(LoginAttempt).where(LoginAttempt.username == "spread_target")
        )
        assert len(list(stored)) == 6


def test_backoff_doubles_after_each_further_failure(
    db: Database, database_url: str, storage_root: Path, make_user: Callable[..., User]
) -> None:
    fast = make_settings(
        database_url, storage_root, login_account_max_failures=2, login_backoff_base_seconds=0.001
    )
    make_user("spread_target")
    assert [_attempt(db, fast, f"10.9.0.{i}", "wrong-pass-x") for i in range(3)] == ["401"] * 3
    # Three failures against a limit of two: the next gap is 0.002 s; with a base of 100 s the
    # same history asks for 200 s, and one more failure would ask for 400 s.
    slow = make_settings(
        database_url, storage_root, login_account_max_failures=2, login_backoff_base_seconds=100
    )
    refused = _attempt(db, slow, "10.9.0.9", PASSWORD)
    assert refused.startswith("429:") and 190 <= int(refused.split(":")[1]) <= 200


def test_unknown_user_costs_the_same_hash_work(
    client: Any, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user("timing_known")
    verified: list[str] = []
    original = argon2.PasswordHasher.verify

    def recording_verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", recording_verify)
    for name in ("timing_known", "timing_nobody"):
        response = client.post(
            "/api/v1/auth/login", data={"username": name, "password": "wrong-password-1"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"
    assert len(verified) == 2
    known, unknown = (argon2.extract_parameters(h) for h in verified)
    assert verified[0] == user.password_hash and known == unknown
