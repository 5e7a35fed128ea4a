"""API keys: created once-shown and hashed, listed without secrets, revoked, audited, scoped."""

import hashlib
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.models import ApiKey, AuditLog, User, UserRole
from app.db.session import Database
from tests.conftest import login


def _project(client: TestClient, headers: dict[str, str]) -> str:
    project_id: str = client.get("/api/v1/projects", headers=headers).json()["items"][0]["id"]
    return project_id


def test_key_is_shown_once_stored_hashed_listed_and_revoked(
    client: TestClient, make_user: Callable[..., User], db: Database
) -> None:
    make_user("ahmad")
    headers = login(client, "ahmad")
    project = _project(client, headers)
    url = f"/api/v1/projects/{project}/api-keys"

    created = client.post(url, json={"name": "客服机器人"}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("tp-") and len(key) >= 40
    assert body["prefix"] == key[:10] and body["calls"] == 0 and body["revoked_at"] is None

    listed = client.get(url, headers=headers).json()
    assert [k["name"] for k in listed] == ["客服机器人"]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    with db.session_scope() as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in (row.prefix, row.name)

    assert client.delete(f"{url}/{body['id']}", headers=headers).status_code == 204
    assert client.get(url, headers=headers).json()[0]["revoked_at"] is not None
    again = client.delete(f"{url}/{body['id']}", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "api_key_revoked"

    with db.session_scope() as session:
        entries = session.scalars(select(AuditLog).order_by(AuditLog.created_at)).all()
        actions = [e.action for e in entries if e.action.startswith("api_key.")]
        assert actions == ["api_key.create", "api_key.revoke"]
        assert all(key not in str(e.details) for e in entries)


def test_roles_and_other_projects(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("owner_b")
    members = {"viewer_v": make_user("viewer_v"), "editor_e": make_user("editor_e")}
    make_user("stranger")
    owner = login(client, "owner_b")
    team = client.post("/api/v1/projects", json={"name": "服务团队"}, headers=owner)
    project = team.json()["id"]
    for username, role in (("viewer_v", "viewer"), ("editor_e", "editor")):
        added = client.post(
            f"/api/v1/projects/{project}/members",
            json={"user_id": str(members[username].id), "role": role},
            headers=owner,
        )
        assert added.status_code == 201, added.text
    url = f"/api/v1/projects/{project}/api-keys"
    created = client.post(url, json={"name": "k"}, headers=owner).json()
    editor = login(client, "editor_e")
    by_editor = client.post(url, json={"name": "编辑"}, headers=editor)
    assert by_editor.status_code == 201
    assert client.delete(f"{url}/{by_editor.json()['id']}", headers=editor).status_code == 204

    viewer = login(client, "viewer_v")
    assert client.get(url, headers=viewer).status_code == 200
    refused = client.post(url, json={"name": "v"}, headers=viewer)
    assert refused.status_code == 403
    assert client.delete(f"{url}/{created['id']}", headers=viewer).status_code == 403

    stranger = login(client, "stranger")
    hidden = client.get(url, headers=stranger)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "project_not_found"
    theirs = _project(client, stranger)
    wrong = client.delete(f"/api/v1/projects/{theirs}/api-keys/{created['id']}", headers=stranger)
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "api_key_not_found"

    bad = client.post(url, json={"name": "k", "secret": "x"}, headers=owner)
    assert bad.status_code == 422


def test_admin_creates_keys_anywhere(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("someone", UserRole.member)
    project = _project(client, login(client, "someone"))
    created = client.post(
        f"/api/v1/projects/{project}/api-keys", json={"name": "ops"}, headers=admin_headers
    )
    assert created.status_code == 201
