"""Sign-in, token validation, refresh rotation and reuse detection, logout, throttling."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from app.db.models import User
from tests.conftest import PASSWORD, TEST_SECRET, login


def _login_body(client: TestClient, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/login", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


def test_login_returns_tokens_and_me(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("alice")
    body = _login_body(client, "alice")
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert {"sub", "exp", "iat", "jti"} <= claims.keys()
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    assert "password_hash" not in me.json()


def test_wrong_password_is_401_with_envelope(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    make_user("bob")
    response = client.post(
        "/api/v1/auth/login", data={"username": "bob", "password": "nope-nope-nope"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


def _forged(claims: dict, secret: str = TEST_SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def test_tampered_expired_and_alg_none_tokens_are_401(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user("carol")
    now = datetime.now(UTC)
    base = {
        "sub": str(user.id),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "type": "access",
    }
    good = _forged(base)
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    expired = _forged({**base, "exp": now - timedelta(seconds=5)})
    alg_none = jwt.encode(base, key=None, algorithm="none")
    wrong_key = _forged(base, secret="another-secret-another-secret-another-secret")
    hs512 = _forged(base, alg="HS512")
    missing_jti = _forged({k: v for k, v in base.items() if k != "jti"})
    assert (
        client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {good}"}).status_code
        == 200
    )
    for token in (tampered, expired, alg_none, wrong_key, hs512, missing_jti, "garbage"):
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "invalid_token"
    assert client.get("/api/v1/users/me").status_code == 401


def test_refresh_rotates_and_reuse_revokes_family(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    make_user("dave")
    first = _login_body(client, "dave")
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    reuse = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "refresh_token_reused"
    # The whole family is revoked: the newest token stops working too.
    after = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    # Another sign-in (another family) is unaffected.
    other = _login_body(client, "dave")
    ok = client.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert ok.status_code == 200


def test_logout_revokes_refresh_token(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("erin")
    body = _login_body(client, "erin")
    assert (
        client.post(
            "/api/v1/auth/logout", json={"refresh_token": body["refresh_token"]}
        ).status_code
        == 204
    )
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert response.status_code == 401


def test_throttling_after_five_failures(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("frank")
    for _ in range(5):
        bad = client.post(
            "/api/v1/auth/login", data={"username": "frank", "password": "wrong-wrong-1"}
        )
        assert bad.status_code == 401
    blocked = client.post("/api/v1/auth/login", data={"username": "frank", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "login_throttled"
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # Another username from the same address is not throttled.
    make_user("grace")
    assert login(client, "grace")


def test_login_audited_success_and_failure(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("heidi")
    client.post("/api/v1/auth/login", data={"username": "heidi", "password": "not-the-password"})
    login(client, "heidi")
    logs = client.get("/api/v1/audit-logs", params={"actor": "heidi"}, headers=admin_headers).json()
    actions = {entry["action"] for entry in logs["items"]}
    assert {"auth.login", "auth.login_failed"} <= actions
    failed = next(e for e in logs["items"] if e["action"] == "auth.login_failed")
    assert failed["ip"] == "testclient" and failed["details"]["reason"] == "bad_credentials"
