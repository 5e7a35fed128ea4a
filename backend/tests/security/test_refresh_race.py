"""Two simultaneous refreshes of one token: one rotates it, the other is reuse."""

import asyncio
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db.models import User
from tests.conftest import PASSWORD

TRIALS = 15


async def _refresh_twice(app: FastAPI, token: str) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        body = {"refresh_token": token}
        return list(
            await asyncio.gather(
                client.post("/api/v1/auth/refresh", json=body),
                client.post("/api/v1/auth/refresh", json=body),
            )
        )


def test_simultaneous_refreshes_give_one_session(
    app: FastAPI, client: TestClient, make_user: Callable[..., User]
) -> None:
    make_user("refresh_racer")
    for trial in range(TRIALS):
        signed_in = client.post(
            "/api/v1/auth/login", data={"username": "refresh_racer", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        responses = asyncio.run(_refresh_twice(app, signed_in.json()["refresh_token"]))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 401], f"trial {trial}: {[r.text for r in responses]}"
        loser = next(r for r in responses if r.status_code == 401)
        assert loser.json()["error"]["code"] == "refresh_token_reused"
        # Reuse revokes the family, so the winner's new refresh token is dead as well.
        winner = next(r for r in responses if r.status_code == 200)
        again = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": winner.json()["refresh_token"]}
        )
        assert again.status_code == 401
