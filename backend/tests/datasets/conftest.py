"""Dataset test fixtures: a team project with an owner, an editor, a viewer and an outsider."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.security import create_access_token
from app.db.models import User
from tests.conftest import login


@dataclass
class Team:
    """A project, its members' auth headers, and an outsider with a project of their own."""

    project_id: str
    owner: dict[str, str]
    editor: dict[str, str]
    viewer: dict[str, str]
    outsider: dict[str, str]
    outsider_project_id: str


def _bearer(user: User, settings: Settings) -> dict[str, str]:
    """An access token minted like the login route does (skips a slow password check)."""
    token = create_access_token(user.id, settings.jwt_secret_key, settings.access_token_minutes)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def team(client: TestClient, make_user: Callable[..., User], settings: Settings) -> Team:
    """Alice owns 团队, Carol edits, Bob views; Mallory has her own project."""
    users = {name: make_user(name) for name in ("alice", "carol", "bob", "mallory")}
    owner = login(client, "alice")
    project = client.post("/api/v1/projects", json={"name": "团队"}, headers=owner).json()
    for username, role in (("carol", "editor"), ("bob", "viewer")):
        response = client.post(
            f"/api/v1/projects/{project['id']}/members",
            json={"user_id": str(users[username].id), "role": role},
            headers=owner,
        )
        assert response.status_code == 201, response.text
    outsider = _bearer(users["mallory"], settings)
    other = client.post("/api/v1/projects", json={"name": "other"}, headers=outsider).json()
    return Team(
        project_id=project["id"],
        owner=owner,
        editor=_bearer(users["carol"], settings),
        viewer=_bearer(users["bob"], settings),
        outsider=outsider,
        outsider_project_id=other["id"],
    )


def upload(
    client: TestClient,
    headers: dict[str, str],
    project_id: str | uuid.UUID | None,
    filename: str,
    content: bytes,
    **fields: Any,
) -> httpx.Response:
    """POST a file to /data/upload (project in the query string unless None)."""
    params = {"project_id": str(project_id)} if project_id else {}
    return client.post(
        "/api/v1/data/upload",
        params=params,
        files={"file": (filename, content, "application/octet-stream")},
        data={k: str(v) for k, v in fields.items()},
        headers=headers,
    )
