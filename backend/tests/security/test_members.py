"""Members: personal projects stay personal; non-admins cannot probe which usernames exist."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import update

from app.db.models import User
from app.db.session import Database
from tests.conftest import login


def _personal_project(client: TestClient, headers: dict[str, str]) -> str:
    items = client.get("/api/v1/projects", headers=headers).json()["items"]
    return next(p["id"] for p in items if p["is_personal"])


def _team(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/projects", json={"name": "数据团队"}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _add(client: TestClient, headers: dict[str, str], project: str, **body: str) -> object:
    return client.post(f"/api/v1/projects/{project}/members", json=body, headers=headers)


def test_personal_project_takes_no_members(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("prober")
    victim = make_user("victim_name")
    prober = login(client, "prober")
    personal = _personal_project(client, prober)
    for body in ({"username": "victim_name"}, {"username": "no_such_user"}):
        response = _add(client, prober, personal, **body)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "personal_project"
    by_admin = _add(client, admin_headers, personal, user_id=str(victim.id))
    assert by_admin.status_code == 409
    members = client.get(f"/api/v1/projects/{personal}/members", headers=prober).json()
    assert [m["username"] for m in members] == ["prober"]


def test_team_owner_cannot_tell_existing_from_unknown_names(
    client: TestClient, db: Database, make_user: Callable[..., User]
) -> None:
    make_user("team_owner")
    stranger = make_user("stranger_name")
    disabled = make_user("disabled_name")
    with db.session_scope() as session:
        session.execute(update(User).where(User.id == disabled.id).values(is_active=False))
    owner = login(client, "team_owner")
    team = _team(client, owner)
    answers = [
        _add(client, owner, team, username=name)
        for name in ("stranger_name", "no_such_user", "disabled_name")
    ]
    bodies = [(r.status_code, r.json()) for r in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0][0] == 404 and bodies[0][1]["error"]["code"] == "user_not_found"
    # The user id (not guessable) works; once they share a project the name works too.
    assert _add(client, owner, team, user_id=str(stranger.id), role="viewer").status_code == 201
    other_team = _team(client, owner)
    assert _add(client, owner, other_team, username="stranger_name").status_code == 201


def test_only_owners_and_admins_add_members(
    client: TestClient, make_user: Callable[..., User], admin_headers: dict[str, str]
) -> None:
    make_user("lead3")
    editor = make_user("editor3")
    newcomer = make_user("newcomer3")
    lead = login(client, "lead3")
    team = _team(client, lead)
    assert _add(client, lead, team, user_id=str(editor.id), role="editor").status_code == 201
    by_editor = _add(client, login(client, "editor3"), team, user_id=str(newcomer.id))
    assert by_editor.status_code == 403
    by_admin = _add(client, admin_headers, team, username="newcomer3")
    assert by_admin.status_code == 201
