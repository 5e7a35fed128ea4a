"""End to end on this pass's backend: upload scikit-learn's breast_cancer and diabetes tables as
CSV through the real upload endpoint, train, follow the WebSocket, read the model, predict.

breast_cancer is converted in the background (the Celery worker in the PostgreSQL pass, the
embedded thread in the SQLite pass); diabetes inside the upload request.
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer, load_diabetes

from app.db.models import User
from tests.conftest import login
from tests.jobs.conftest import personal_project

CASES = [
    ("breast_cancer", load_breast_cancer, "tabular_classification", "accuracy", 0),
    ("diabetes", load_diabetes, "tabular_regression", "r2", 8 * 1024 * 1024),
]


def upload_csv(
    client: TestClient, headers: dict[str, str], project: str, frame: pd.DataFrame, filename: str
) -> dict[str, Any]:
    """POST the frame as a CSV file to /api/v1/data/upload."""
    response = client.post(
        f"/api/v1/data/upload?project_id={project}",
        headers=headers,
        files={"file": (filename, frame.to_csv(index=False).encode(), "text/csv")},
    )
    assert response.status_code == 201, response.text
    return response.json()


def wait_until_ready(
    client: TestClient, headers: dict[str, str], dataset: dict[str, Any]
) -> dict[str, Any]:
    """Poll a dataset converted in the background until it is ready (bounded)."""
    deadline = time.monotonic() + 120
    while dataset["status"] == "processing" and time.monotonic() < deadline:
        time.sleep(0.2)
        dataset = client.get(f"/api/v1/datasets/{dataset['id']}", headers=headers).json()
    assert dataset["status"] == "ready", dataset
    return dataset


def follow(client: TestClient, headers: dict[str, str], job_id: str) -> list[dict[str, Any]]:
    """Every message of the job's WebSocket until a final status (bounded)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    messages: list[dict[str, Any]] = []
    with client.websocket_connect(f"/ws/jobs/{job_id}") as websocket:
        websocket.send_json({"token": token, "last_event_id": 0})
        for _ in range(20000):
            message = websocket.receive_json()
            messages.append(message)
            if message["type"] == "status" and message["data"]["status"] in (
                "succeeded",
                "failed",
                "cancelled",
            ):
                return messages
    raise AssertionError("no final status on the WebSocket")


@pytest.fixture
def set_inline_max(jobs_app: FastAPI) -> Iterator[Callable[[int], None]]:
    """Change DATASET_INLINE_MAX_BYTES of the jobs app for one test."""
    original = jobs_app.state.settings

    def setter(value: int) -> None:
        jobs_app.state.settings = original.model_copy(update={"dataset_inline_max_bytes": value})

    yield setter
    jobs_app.state.settings = original


@pytest.mark.parametrize(("name", "loader", "task_type", "metric", "inline_max"), CASES)
def test_upload_train_follow_and_predict(
    jobs_client: TestClient,
    make_user: Callable[..., User],
    set_inline_max: Callable[[int], None],
    name: str,
    loader: Callable[..., Any],
    task_type: str,
    metric: str,
    inline_max: int,
) -> None:
    set_inline_max(inline_max)
    make_user("e2e_user")
    headers = login(jobs_client, "e2e_user")
    project = personal_project(jobs_client, headers)
    frame = loader(as_frame=True).frame
    dataset = upload_csv(jobs_client, headers, project, frame, f"{name}.csv")
    assert dataset["status"] == ("processing" if inline_max == 0 else "ready")
    dataset = wait_until_ready(jobs_client, headers, dataset)
    job = jobs_client.post(
        "/api/v1/jobs",
        headers=headers,
        json={
            "project_id": project,
            "name": name,
            "task_type": task_type,
            "dataset_id": dataset["id"],
            "columns": {"target": "target", "features": None},
            "params": {"n_estimators": 40},
        },
    )
    assert job.status_code == 201, job.text
    messages = follow(jobs_client, headers, job.json()["id"])
    assert messages[0]["type"] == "snapshot"
    assert messages[-1]["data"]["status"] == "succeeded", messages[-1]
    assert {"progress", "metrics"} <= {m["type"] for m in messages}
    done = jobs_client.get(f"/api/v1/jobs/{job.json()['id']}", headers=headers).json()
    model = jobs_client.get(f"/api/v1/models/{done['model_version_id']}", headers=headers).json()
    assert model["dataset_sha256"] == dataset["sha256"]
    assert model["metrics"][metric] > (0.85 if metric == "accuracy" else 0.2)
    inputs = frame.drop(columns=["target"]).head(5).to_dict("records")
    result = jobs_client.post(
        f"/api/v1/models/{model['id']}/predict", headers=headers, json={"inputs": inputs}
    )
    assert result.status_code == 200, result.text
    predictions = result.json()["predictions"]
    assert len(predictions) == 5
    key = "label" if task_type == "tabular_classification" else "value"
    assert all(key in p for p in predictions)
