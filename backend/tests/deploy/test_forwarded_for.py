"""Behind the shipped nginx config and the image's uvicorn flags: a client cannot choose the
address the API throttles and audits, and no secret reaches an access log."""

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from app.db.models import AuditLog, User
from app.db.session import Database
from tests.conftest import PASSWORD
from tests.deploy.test_nginx import Stack, _login, stack

__all__ = ["stack"]

GUESSES = 40


def _failed_sign_in_addresses(db: Database, username: str) -> list[str | None]:
    with db.session_scope() as session:
        return list(
            session.scalars(
                select(AuditLog.ip).where(
                    AuditLog.action == "auth.login_failed", AuditLog.actor_username == username
                )
            )
        )


def test_forged_x_forwarded_for_does_not_escape_the_throttle(
    stack: Stack, db: Database, make_user: Callable[..., User]
) -> None:
    make_user("xff_target")
    statuses = []
    with httpx.Client(verify=stack.tls) as client:
        for i in range(GUESSES):
            response = client.post(
                stack.url("/api/v1/auth/login"),
                data={"username": "xff_target", "password": f"guess-number-{i}"},
                headers={"X-Forwarded-For": f"10.{i}.7.9"},
            )
            statuses.append(response.status_code)
        right = client.post(
            stack.url("/api/v1/auth/login"),
            data={"username": "xff_target", "password": PASSWORD},
            headers={"X-Forwarded-For": "10.200.7.9"},
        )
    assert statuses == [401] * 5 + [429] * (GUESSES - 5)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0
    assert set(_failed_sign_in_addresses(db, "xff_target")) == {"127.0.0.1"}


def test_api_ignores_x_forwarded_for_from_other_peers(
    stack: Stack, db: Database, make_user: Callable[..., User]
) -> None:
    """A caller that reaches a replica directly (not through nginx) cannot name its address."""
    make_user("direct_target")
    transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(transport=transport) as client:
        response = client.post(
            f"http://127.0.0.1:{stack.ports.backends[0]}/api/v1/auth/login",
            data={"username": "direct_target", "password": "not-the-password-1"},
            headers={"X-Forwarded-For": "10.9.9.9"},
        )
    assert response.status_code == 401
    assert _failed_sign_in_addresses(db, "direct_target") == ["127.0.0.2"]


def test_tokens_in_urls_are_neither_used_nor_logged(
    stack: Stack, make_user: Callable[..., User]
) -> None:
    make_user("log_watcher")
    token = _login(stack, "log_watcher")
    uri = f"wss://127.0.0.1:{stack.ports.https}/ws/jobs/{uuid.uuid4()}?token={token}"
    with connect(uri, ssl=stack.tls, open_timeout=10) as ws:
        ws.send(json.dumps({"last_event_id": 0}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    with httpx.Client(verify=stack.tls) as client:
        client.get(stack.url(f"/api/v1/users/me?access_token={token}"))
    logs = [stack.tmp / "access.log", *(stack.tmp / f"b{i}.log" for i in (0, 1))]
    logs += list(stack.tmp.glob("backend*-logs/*.log"))
    written = "\n".join(path.read_text() for path in logs)
    assert "/ws/jobs/" in written and "/api/v1/users/me" in written
    assert token not in written
