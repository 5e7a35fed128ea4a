"""Jobs API rules: validation before queueing, project access, listing, events, logs, delete."""

import uuid
from collections.abc import Callable

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sqlalchemy import select

from app.db.models import AuditLog, ProjectRole, User
from app.db.session import Database
from app.training import ws
from tests.conftest import login
from tests.jobs.conftest import wait_for_job
from tests.jobs.test_engine import LONG, submit


@pytest.fixture
def cancer() -> pd.DataFrame:
    """breast_cancer as a frame."""
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def team(
    jobs_client: TestClient, make_user: Callable[..., User]
) -> tuple[str, dict[str, str], dict[str, str], dict[str, str]]:
    """A project owned by carol with dave as viewer; eve is an outsider."""
    for name in ("carol", "dave", "eve"):
        make_user(name)
    carol, dave, eve = (login(jobs_client, n) for n in ("carol", "dave", "eve"))
    project = jobs_client.post("/api/v1/projects", headers=carol, json={"name": "团队"}).json()
    dave_id = jobs_client.get("/api/v1/users/me", headers=dave).json()["id"]
    added = jobs_client.post(
        f"/api/v1/projects/{project['id']}/members",
        headers=carol,
        json={"user_id": dave_id, "role": ProjectRole.viewer.value},
    )
    assert added.status_code in (200, 201), added.text
    return project["id"], carol, dave, eve


def test_task_types_lists_trainers_with_schema(jobs_client: TestClient, team: tuple) -> None:
    _, carol, _, _ = team
    body = jobs_client.get("/api/v1/task-types", headers=carol).json()
    tabular = next(t for t in body if t["task_type"] == "tabular_regression")
    assert {t["name"] for t in tabular["trainers"]} >= {
        "lightgbm",
        "linear",
        "hist_gradient_boosting",
    }
    assert jobs_client.get("/api/v1/task-types").status_code == 401


def test_bad_requests_are_refused_before_queueing(
    jobs_client: TestClient,
    team: tuple,
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project, carol, dave, eve = team
    dataset = str(add_dataset(project, cancer))
    base = {
        "project_id": project,
        "name": "j",
        "task_type": "tabular_classification",
        "dataset_id": dataset,
        "columns": {"target": "target"},
    }
    cases = [
        ({"params": {"n_estimators": 10, "colour": "red"}}, 422, "invalid_params"),
        ({"params": {"n_estimators": -1}}, 422, "invalid_params"),
        ({"trainer": "xgboost"}, 422, "unknown_trainer"),
        ({"task_type": "image_segmentation"}, 422, "unknown_trainer"),
        ({"columns": {"target": "nope"}}, 422, "dataset_invalid_for_task"),
        ({"dataset_id": str(uuid.uuid4())}, 404, "dataset_not_found"),
        ({"split_ratios": [0.5, 0.1, 0.1]}, 422, "invalid_split"),
        ({"surprise": 1}, 422, None),
    ]
    for change, status, code in cases:
        response = jobs_client.post("/api/v1/jobs", headers=carol, json={**base, **change})
        assert response.status_code == status, (change, response.text)
        if code:
            assert response.json()["error"]["code"] == code, response.text
    assert (
        "colour"
        in jobs_client.post(
            "/api/v1/jobs", headers=carol, json={**base, "params": {"colour": 1}}
        ).json()["error"]["message"]
    )
    assert jobs_client.post("/api/v1/jobs", headers=dave, json=base).status_code == 403
    assert jobs_client.post("/api/v1/jobs", headers=eve, json=base).status_code == 404
    listed = jobs_client.get(f"/api/v1/jobs?project_id={project}", headers=carol).json()
    assert listed["total"] == 0


def test_access_list_events_logs_delete_and_audit(
    jobs_client: TestClient,
    team: tuple,
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    project, carol, dave, eve = team
    job = submit(jobs_client, carol, project, add_dataset(project, cancer))
    path = f"/api/v1/jobs/{job['id']}"
    assert jobs_client.delete(path, headers=carol).status_code in (409, 204)
    done = wait_for_job(jobs_client, carol, job["id"])
    assert jobs_client.get(path, headers=dave).status_code == 200
    for method, suffix in (
        ("get", ""),
        ("get", "/events"),
        ("get", "/metrics"),
        ("get", "/logs"),
        ("post", "/cancel"),
        ("delete", ""),
    ):
        response = getattr(jobs_client, method)(path + suffix, headers=eve)
        assert response.status_code == 404, (suffix, response.text)
    assert jobs_client.post(path + "/retry", headers=dave).status_code == 403
    listed = jobs_client.get("/api/v1/jobs?status=succeeded", headers=dave).json()
    assert [j["id"] for j in listed["items"]] == [job["id"]]
    assert jobs_client.get("/api/v1/jobs", headers=eve).json()["total"] == 0
    first = jobs_client.get(path + "/events?limit=2", headers=dave).json()
    rest = jobs_client.get(
        f"{path}/events?after={first['next_cursor']}&limit=1000", headers=dave
    ).json()
    assert first["has_more"] and not rest["has_more"]
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    statuses = jobs_client.get(path + "/events?type=status", headers=dave).json()["items"]
    assert [e["data"]["status"] for e in statuses] == ["running", "succeeded"]
    logs = jobs_client.get(path + "/logs?lines=5", headers=dave).json()
    assert logs["lines"] and len(logs["lines"]) <= 5
    download = jobs_client.get(path + "/logs/download", headers=dave)
    assert download.status_code == 200 and "attempt 1" in download.text
    assert jobs_client.post(path + "/retry", headers=carol).status_code == 409
    assert jobs_client.delete(path, headers=carol).status_code == 204
    assert jobs_client.get(path, headers=carol).status_code == 404
    model = jobs_client.get(f"/api/v1/models/{done['model_version_id']}", headers=carol)
    assert model.status_code == 200 and model.json()["job_id"] is None
    with jobs_db.session_scope() as session:
        actions = set(
            session.scalars(select(AuditLog.action).where(AuditLog.object_id == job["id"]))
        )
    assert {"job.create", "job.delete"} <= actions


def test_dataset_in_use_by_an_active_job_reports_it(
    jobs_client: TestClient,
    team: tuple,
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    jobs_db: Database,
) -> None:
    from app.datasets.service import in_use_reasons

    project, carol, _, _ = team
    dataset = add_dataset(project, cancer)
    job = submit(jobs_client, carol, project, dataset, LONG)
    with jobs_db.session_scope() as session:
        assert "training job 'cancer'" in in_use_reasons(session, dataset)[0]
    jobs_client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=carol)
    wait_for_job(jobs_client, carol, job["id"], timeout=60)
    with jobs_db.session_scope() as session:
        assert in_use_reasons(session, dataset) == []


def test_websocket_snapshot_resume_ping_and_refusals(
    jobs_client: TestClient,
    team: tuple,
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project, carol, dave, eve = team
    job = submit(
        jobs_client,
        carol,
        project,
        add_dataset(project, cancer),
        {"n_estimators": 200, "learning_rate": 0.05, "early_stopping_rounds": 0},
    )
    url = f"/ws/jobs/{job['id']}"
    token = dave["Authorization"].removeprefix("Bearer ")
    first: list[dict] = []
    with jobs_client.websocket_connect(url) as websocket:
        websocket.send_json({"token": token})
        snapshot = websocket.receive_json()
        assert snapshot["type"] == "snapshot" and snapshot["job"]["id"] == job["id"]
        while len(first) < 5:
            first.append(websocket.receive_json())
    wait_for_job(jobs_client, carol, job["id"])
    monkeypatch.setattr(ws, "PING_SECONDS", 0.2)
    rest: list[dict] = []
    with jobs_client.websocket_connect(url) as websocket:
        websocket.send_json({"token": token, "last_event_id": first[-1]["id"]})
        assert websocket.receive_json()["type"] == "snapshot"
        while (message := websocket.receive_json())["type"] != "ping":
            rest.append(message)
    stored = jobs_client.get(f"/api/v1/jobs/{job['id']}/events?limit=1000", headers=carol).json()[
        "items"
    ]
    assert [e["id"] for e in first + rest] == [e["id"] for e in stored]
    assert rest[-1]["data"]["status"] == "succeeded"
    eve_token = eve["Authorization"].removeprefix("Bearer ")
    for first_message, code in (({"token": eve_token}, 4404), ({"token": "garbage"}, 4401)):
        with jobs_client.websocket_connect(url) as websocket:
            websocket.send_json(first_message)
            message = websocket.receive()
            assert message["type"] == "websocket.close" and message["code"] == code
    # A token in the URL is not read: it would end up in access logs.
    with jobs_client.websocket_connect(f"{url}?token={token}") as websocket:
        websocket.send_json({"last_event_id": 0})
        assert websocket.receive()["code"] == 4401
    with jobs_client.websocket_connect(f"/ws/jobs/{uuid.uuid4()}") as websocket:
        websocket.send_json({"token": token})
        assert websocket.receive()["code"] == 4404
