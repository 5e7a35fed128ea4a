"""User administration, own profile and password, disabled users locked out at once."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.db.models import User
from tests.conftest import PASSWORD, login


def test_admin_creates_lists_and_resets(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post(
        "/api/v1/users",
        json={
            "username": "ivan",
            "password": "Secret-pass-99",
            "email": "ivan@example.com",
            "display_name": "伊万",
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    listed = client.get("/api/v1/users", params={"search": "iva"}, headers=admin_headers).json()
    assert listed["total"] == 1 and listed["items"][0]["display_name"] == "伊万"
    assert login(client, "ivan", "Secret-pass-99")
    reset = client.post(
        f"/api/v1/users/{user_id}/password",
        json={"new_password": "Brand-new-pass-1"},
        headers=admin_headers,
    )
    assert reset.status_code == 204
    assert login(client, "ivan", "Brand-new-pass-1")


def test_new_user_gets_personal_project(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("judy")
    headers = login(client, "judy")
    projects = client.get("/api/v1/projects", headers=headers).json()
    assert projects["total"] == 1
    assert projects["items"][0]["is_personal"] and projects["items"][0]["my_role"] == "owner"
    assert projects["items"][0]["description"] == ""  # the console names it in its language


def test_password_policy_and_duplicates(client: TestClient, admin_headers: dict[str, str]) -> None:
    short = client.post(
        "/api/v1/users", json={"username": "kim", "password": "short"}, headers=admin_headers
    )
    assert short.status_code == 422 and short.json()["error"]["code"] == "weak_password"
    contains = client.post(
        "/api/v1/users",
        json={"username": "kimberly", "password": "xxkimberly-1234"},
        headers=admin_headers,
    )
    assert contains.status_code == 422
    ok = client.post(
        "/api/v1/users",
        json={"username": "kim", "password": "Long-enough-1"},
        headers=admin_headers,
    )
    assert ok.status_code == 201
    again = client.post(
        "/api/v1/users",
        json={"username": "kim", "password": "Long-enough-1"},
        headers=admin_headers,
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "username_taken"
    extra = client.post(
        "/api/v1/users",
        json={"username": "leo", "password": "Long-enough-1", "is_superuser": True},
        headers=admin_headers,
    )
    assert extra.status_code == 422
    assert extra.json()["error"]["details"][0]["field"] == "body.is_superuser"


def test_member_cannot_administer(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("mallory")
    headers = login(client, "mallory")
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.get("/api/v1/audit-logs", headers=headers).status_code == 403
    response = client.post(
        "/api/v1/users", json={"username": "x1x", "password": "Long-enough-1"}, headers=headers
    )
    assert response.status_code == 403


def test_disabled_user_locked_out_immediately(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    user = make_user("nina")
    headers = login(client, "nina")
    refresh = client.post(
        "/api/v1/auth/login", data={"username": "nina", "password": PASSWORD}
    ).json()["refresh_token"]
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    disabled = client.patch(
        f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin_headers
    )
    assert disabled.status_code == 200 and disabled.json()["is_active"] is False
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    relog = client.post("/api/v1/auth/login", data={"username": "nina", "password": PASSWORD})
    assert relog.status_code == 401 and relog.json()["error"]["code"] == "account_disabled"
    actions = [
        e["action"] for e in client.get("/api/v1/audit-logs", headers=admin_headers).json()["items"]
    ]
    assert "user.disable" in actions


def test_change_own_password(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("oscar")
    headers = login(client, "oscar")
    wrong = client.post(
        "/api/v1/users/me/password",
        json={"current_password": "bad-bad-bad-1", "new_password": "Another-pass-1"},
        headers=headers,
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "Another-pass-1"},
        headers=headers,
    )
    assert ok.status_code == 204
    assert login(client, "oscar", "Another-pass-1")


def test_admin_cannot_demote_or_disable_self(
    client: TestClient, admin_headers: dict[str, str], make_user: Callable[..., User]
) -> None:
    me = client.get("/api/v1/users/me", headers=admin_headers).json()
    for change in ({"role": "member"}, {"is_active": False}):
        refused = client.patch(f"/api/v1/users/{me['id']}", json=change, headers=admin_headers)
        assert refused.status_code == 409, change
        assert refused.json()["error"]["code"] == "self_lockout"
    after = client.get("/api/v1/users/me", headers=admin_headers).json()
    assert after["role"] == "admin" and after["is_active"] is True
    other = make_user("kate")
    demoted = client.patch(
        f"/api/v1/users/{other.id}", json={"is_active": False}, headers=admin_headers
    )
    assert demoted.status_code == 200 and demoted.json()["is_active"] is False
    renamed = client.patch(
        f"/api/v1/users/{me['id']}", json={"display_name": "根"}, headers=admin_headers
    )
    assert renamed.status_code == 200 and renamed.json()["role"] == "admin"
