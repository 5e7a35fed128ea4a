"""Dataset test fixtures: a team project with an owner, an editor, a viewer and an outsider."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

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


@pytest.fixture
def team(client: TestClient, make_user: Callable[..., User]) -> Team:
    """Alice owns 团队, Carol edits, Bob views; Mallory has her own project."""
    for name in ("alice", "carol", "bob", "mallory"):
        make_user(name)
    owner = login(client, "alice")
    project = client.post("/api/v1/projects", json={"name": "团队"}, headers=owner).json()
    for username, role in (("carol", "editor"), ("bob", "viewer")):
        response = client.post(
            f"/api/v1/projects/{project['id']}/members",
            json={"username": username, "role": role},
            headers=owner,
        )
        assert response.status_code == 201, response.text
    outsider = login(client, "mallory")
    other = client.post("/api/v1/projects", json={"name": "other"}, headers=outsider).json()
    return Team(
        project_id=project["id"],
        owner=owner,
        editor=login(client, "carol"),
        viewer=login(client, "bob"),
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
