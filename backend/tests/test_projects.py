"""Projects, members and roles: 404 across projects, 403 for viewers, last owner kept."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from app.db.models import User
from tests.conftest import login


def _project(client: TestClient, headers: dict[str, str], name: str = "风控团队") -> str:
    response = client.post("/api/v1/projects", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_members_roles_and_access(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("owner1")
    viewer_user = make_user("viewer1")
    make_user("outsider")
    owner = login(client, "owner1")
    viewer = login(client, "viewer1")
    outsider = login(client, "outsider")
    project_id = _project(client, owner)
    added = client.post(
        f"/api/v1/projects/{project_id}/members",
        json={"user_id": str(viewer_user.id), "role": "viewer"},
        headers=owner,
    )
    assert added.status_code == 201
    # Viewer sees the project but cannot write.
    assert (
        client.get(f"/api/v1/projects/{project_id}", headers=viewer).json()["my_role"] == "viewer"
    )
    assert (
        client.patch(
            f"/api/v1/projects/{project_id}", json={"name": "x"}, headers=viewer
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/projects/{project_id}/members", json={"username": "outsider"}, headers=viewer
        ).status_code
        == 403
    )
    # An outsider gets 404 everywhere, like a project that does not exist.
    for path in ("", "/members"):
        response = client.get(f"/api/v1/projects/{project_id}{path}", headers=outsider)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "project_not_found"
    assert (
        client.patch(
            f"/api/v1/projects/{project_id}", json={"name": "x"}, headers=outsider
        ).status_code
        == 404
    )
    # Promotion to editor, then removal.
    users = {
        m["username"]: m["user_id"]
        for m in client.get(f"/api/v1/projects/{project_id}/members", headers=owner).json()
    }
    promoted = client.patch(
        f"/api/v1/projects/{project_id}/members/{users['viewer1']}",
        json={"role": "editor"},
        headers=owner,
    )
    assert promoted.json()["role"] == "editor"
    removed = client.delete(
        f"/api/v1/projects/{project_id}/members/{users['viewer1']}", headers=owner
    )
    assert removed.status_code == 204
    assert client.get(f"/api/v1/projects/{project_id}", headers=viewer).status_code == 404


def test_last_owner_cannot_leave(client: TestClient, make_user: Callable[..., User]) -> None:
    owner_user = make_user("solo")
    owner = login(client, "solo")
    project_id = _project(client, owner)
    demote = client.patch(
        f"/api/v1/projects/{project_id}/members/{owner_user.id}",
        json={"role": "viewer"},
        headers=owner,
    )
    assert demote.status_code == 409 and demote.json()["error"]["code"] == "last_owner"
    remove = client.delete(f"/api/v1/projects/{project_id}/members/{owner_user.id}", headers=owner)
    assert remove.status_code == 409


def test_admin_sees_all_projects(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("teamlead")
    project_id = _project(client, login(client, "teamlead"), "Team X")
    listed = client.get("/api/v1/projects", headers=admin_headers).json()
    assert project_id in {p["id"] for p in listed["items"]}
    assert client.get(f"/api/v1/projects/{project_id}", headers=admin_headers).status_code == 200


def test_membership_changes_are_audited(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("lead2")
    dev = make_user("dev2")
    owner = login(client, "lead2")
    project_id = _project(client, owner)
    client.post(
        f"/api/v1/projects/{project_id}/members",
        json={"user_id": str(dev.id), "role": "editor"},
        headers=owner,
    )
    entries = client.get(
        "/api/v1/audit-logs", params={"project_id": project_id}, headers=admin_headers
    ).json()["items"]
    assert {"project.create", "project.member_add"} <= {e["action"] for e in entries}
    assert all(e["actor_username"] == "lead2" for e in entries)
