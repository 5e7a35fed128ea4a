"""Model registry and predictions on models trained by real jobs."""

import gc
import io
import json
import threading
import uuid
import weakref
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer, load_diabetes

from app.db.models import ModelVersion, ProjectRole, User, UserRole
from app.inference.service import CACHE, predictor_key
from app.trainers.registry import get_trainer
from tests.conftest import login
from tests.jobs.conftest import wait_for_job


def train(
    client: TestClient,
    headers: dict[str, str],
    project: str,
    dataset: uuid.UUID,
    task_type: str = "tabular_classification",
    name: str = "癌症模型",
    trainer: str = "lightgbm",
) -> dict[str, Any]:
    """Run a small job to success and return its model version."""
    body = {
        "project_id": project,
        "name": name,
        "task_type": task_type,
        "trainer": trainer,
        "dataset_id": str(dataset),
        "columns": {"target": "target"},
        "params": {},
    }
    if trainer == "lightgbm":
        body["params"] = {"n_estimators": 15}
    job = client.post("/api/v1/jobs", headers=headers, json=body)
    assert job.status_code == 201, job.text
    done = wait_for_job(client, headers, job.json()["id"])
    assert done["status"] == "succeeded", done
    return client.get(f"/api/v1/models/{done['model_version_id']}", headers=headers).json()


def rows(frame: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """n rows without the target."""
    return frame.drop(columns=["target"]).head(n).to_dict("records")


def artifact_dir(client: TestClient, model: dict[str, Any]) -> str:
    """The model version's folder under MODEL_STORAGE_PATH."""
    with client.app.state.db.session_scope() as session:
        version = session.get(ModelVersion, uuid.UUID(model["id"]))
        assert version is not None
        return version.artifact_dir


def artifact_root(client: TestClient, model: dict[str, Any]) -> Path:
    """Where the model version's files are."""
    return Path(client.app.state.settings.model_storage_path) / artifact_dir(client, model)


def in_process_predictor(client: TestClient, model: dict[str, Any]) -> Any:
    """The model's predictor loaded straight from its files, outside the API."""
    root = artifact_root(client, model)
    return get_trainer(model["task_type"], model["trainer"]).load_predictor(root, {})


@pytest.fixture
def cancer() -> pd.DataFrame:
    """breast_cancer as a frame."""
    return load_breast_cancer(as_frame=True).frame


@pytest.fixture
def people(jobs_client: TestClient, make_user: Callable[..., User]) -> dict[str, Any]:
    """Owner frank with a project, viewer gina in it, outsider hank."""
    for name in ("frank", "gina", "hank"):
        make_user(name)
    heads = {n: login(jobs_client, n) for n in ("frank", "gina", "hank")}
    project = jobs_client.post(
        "/api/v1/projects", headers=heads["frank"], json={"name": "模型团队"}
    ).json()["id"]
    gina = jobs_client.get("/api/v1/users/me", headers=heads["gina"]).json()["id"]
    jobs_client.post(
        f"/api/v1/projects/{project}/members",
        headers=heads["frank"],
        json={"user_id": gina, "role": ProjectRole.viewer.value},
    )
    return {"project": project, **heads}


def test_versions_metadata_alias_and_access(
    jobs_client: TestClient,
    people: dict[str, Any],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    frank, gina, hank, project = people["frank"], people["gina"], people["hank"], people["project"]
    dataset = add_dataset(project, cancer)
    first = train(jobs_client, frank, project, dataset)
    second = train(jobs_client, frank, project, dataset)
    assert (first["version"], second["version"]) == (1, 2)
    assert first["dataset_id"] == str(dataset) and first["dataset_sha256"] == "0" * 64
    assert first["split_seed"] == 42 and first["params"]["n_estimators"] == 15
    assert {a["path"] for a in first["artifacts"]} == {"model.txt", "features.json"}
    assert all(len(a["sha256"]) == 64 and a["size"] > 0 for a in first["artifacts"])
    assert first["report"]["confusion_matrix"] and first["report"]["feature_importance"]
    url = f"/api/v1/models/{first['id']}"
    patched = jobs_client.patch(
        url,
        headers=frank,
        json={"alias": "production", "tags": ["baseline"], "description": "第一个"},
    )
    assert patched.json()["alias"] == "production" and patched.json()["tags"] == ["baseline"]
    moved = jobs_client.patch(
        f"/api/v1/models/{second['id']}", headers=frank, json={"alias": "production"}
    )
    assert moved.json()["alias"] == "production"
    assert jobs_client.get(url, headers=gina).json()["alias"] is None
    assert jobs_client.patch(url, headers=frank, json={"alias": "Bad Alias"}).status_code == 422
    assert jobs_client.patch(url, headers=frank, json={"owner": "x"}).status_code == 422
    assert jobs_client.patch(url, headers=gina, json={"tags": []}).status_code == 403
    for method in ("get", "delete"):
        assert getattr(jobs_client, method)(url, headers=hank).status_code == 404
    assert (
        jobs_client.post(
            url + "/predict", headers=hank, json={"inputs": rows(cancer, 1)}
        ).status_code
        == 404
    )
    listed = jobs_client.get(
        f"/api/v1/models?project_id={project}&task_type=tabular_classification", headers=gina
    ).json()
    assert listed["total"] == 2
    assert jobs_client.get("/api/v1/models", headers=hank).json()["total"] == 0


def test_download_has_artifacts_and_a_bilingual_model_card(
    jobs_client: TestClient,
    people: dict[str, Any],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    model = train(
        jobs_client, people["frank"], people["project"], add_dataset(people["project"], cancer)
    )
    response = jobs_client.get(f"/api/v1/models/{model['id']}/download", headers=people["gina"])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"model.txt", "features.json", "metadata.json", "README.md"}
    card = archive.read("README.md").decode()
    assert "表格分类" in card and "tabular classification" in card
    assert "accuracy" in card and f"/api/v1/models/{model['id']}/predict" in card


def test_predict_labels_probabilities_values_and_errors(
    jobs_client: TestClient,
    people: dict[str, Any],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    frank, project = people["frank"], people["project"]
    model = train(jobs_client, frank, project, add_dataset(project, cancer))
    url = f"/api/v1/models/{model['id']}/predict"
    result = jobs_client.post(url, headers=people["gina"], json={"inputs": rows(cancer, 3)})
    assert result.status_code == 200, result.text
    first = result.json()["predictions"][0]
    assert first["label"] in (0, 1) and set(first["probabilities"]) == {"0", "1"}
    one_row = {"inputs": rows(cancer, 1)}
    anonymous = jobs_client.post(url, json=one_row)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    forged = jobs_client.post(url, headers={"Authorization": "Bearer forged"}, json=one_row)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_token"
    unknown = f"/api/v1/models/{uuid.uuid4()}/predict"
    assert jobs_client.post(unknown, headers=frank, json=one_row).status_code == 404
    broken = rows(cancer, 2)
    del broken[1]["mean area"]
    missing = jobs_client.post(url, headers=frank, json={"inputs": broken})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"] == {"row": 1, "column": "mean area"}
    wrong = jobs_client.post(
        url, headers=frank, json={"inputs": [{**rows(cancer, 1)[0], "mean area": "大"}]}
    )
    assert wrong.status_code == 422 and "mean area" in wrong.json()["error"]["message"]
    too_many = jobs_client.post(url, headers=frank, json={"inputs": rows(cancer, 1) * 1001})
    assert too_many.status_code == 422
    not_a_row = jobs_client.post(url, headers=frank, json={"inputs": [rows(cancer, 1)[0], 7]})
    assert not_a_row.status_code == 422
    assert not_a_row.json()["error"]["details"][0]["field"].startswith("inputs.1")
    cut = jobs_client.post(
        url, headers={**frank, "Content-Type": "application/json"}, content=b'{"inputs": ['
    )
    assert cut.status_code == 422 and cut.json()["error"]["code"] == "validation_error"
    full = rows(cancer, len(cancer)) + rows(cancer, 1000 - len(cancer))
    late = [*full[:999], {k: v for k, v in full[999].items() if k != "worst area"}]
    missing_late = jobs_client.post(url, headers=frank, json={"inputs": late})
    assert missing_late.json()["error"]["details"] == {"row": 999, "column": "worst area"}
    batch = jobs_client.post(url, headers=frank, json={"inputs": full})
    assert batch.status_code == 200
    assert batch.json()["predictions"] == in_process_predictor(jobs_client, model).predict(full)
    # a NaN literal is not JSON, so the typed reader leaves it to the general parse: like null
    as_null = json.dumps({"inputs": [{**full[0], "mean area": None}]})
    sent_as = {**frank, "Content-Type": "application/json"}
    answers = [
        jobs_client.post(url, headers=sent_as, content=body)
        for body in (as_null, as_null.replace("null", "NaN"))
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    diabetes = load_diabetes(as_frame=True).frame
    regression = train(
        jobs_client,
        frank,
        project,
        add_dataset(project, diabetes),
        task_type="tabular_regression",
        trainer="linear",
        name="糖尿病",
    )
    values = jobs_client.post(
        f"/api/v1/models/{regression['id']}/predict",
        headers=frank,
        json={"inputs": rows(diabetes, 2)},
    ).json()["predictions"]
    assert all(isinstance(v["value"], float) for v in values)


def test_predict_access_follows_the_project_and_account_rules(
    jobs_client: TestClient,
    people: dict[str, Any],
    make_user: Callable[..., User],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    frank, gina, project = people["frank"], people["gina"], people["project"]
    model = train(jobs_client, frank, project, add_dataset(project, cancer))
    url = f"/api/v1/models/{model['id']}/predict"
    one_row = {"inputs": rows(cancer, 1)}
    make_user("ida", UserRole.admin)
    ida = login(jobs_client, "ida")
    assert jobs_client.post(url, headers=ida, json=one_row).status_code == 200
    assert jobs_client.post(url, headers=gina, json=one_row).status_code == 200
    gina_id = jobs_client.get("/api/v1/users/me", headers=gina).json()["id"]
    removed = jobs_client.delete(f"/api/v1/projects/{project}/members/{gina_id}", headers=frank)
    assert removed.status_code == 204, removed.text
    gone = jobs_client.post(url, headers=gina, json=one_row)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "model_not_found"
    frank_id = jobs_client.get("/api/v1/users/me", headers=frank).json()["id"]
    disabled = jobs_client.patch(
        f"/api/v1/users/{frank_id}", headers=ida, json={"is_active": False}
    )
    assert disabled.status_code == 200, disabled.text
    refused = jobs_client.post(url, headers=frank, json=one_row)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"
    assert jobs_client.delete(f"/api/v1/models/{model['id']}", headers=ida).status_code == 204
    assert jobs_client.post(url, headers=ida, json=one_row).status_code == 404


def test_concurrent_predictions_agree_and_tampering_is_detected(
    jobs_client: TestClient,
    people: dict[str, Any],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    frank, project = people["frank"], people["project"]
    model = train(
        jobs_client, frank, project, add_dataset(project, cancer), trainer="hist_gradient_boosting"
    )
    url = f"/api/v1/models/{model['id']}/predict"
    CACHE.clear()
    batch = {"inputs": rows(cancer, 50)}
    answers: list[Any] = []

    def call() -> None:
        answers.append(jobs_client.post(url, headers=frank, json=batch).json())

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 6 and all(a == answers[0] for a in answers)
    model_file = artifact_root(jobs_client, model) / "model.skops"
    model_file.write_bytes(model_file.read_bytes() + b"x")
    CACHE.clear()
    tampered = jobs_client.post(url, headers=frank, json=batch)
    assert tampered.status_code == 500
    assert tampered.json()["error"]["code"] == "model_corrupted"
    assert jobs_client.delete(f"/api/v1/models/{model['id']}", headers=frank).status_code == 204
    assert not model_file.parent.exists()


def test_a_loaded_model_leaves_full_collections_and_is_freed_when_evicted(
    jobs_client: TestClient,
    people: dict[str, Any],
    add_dataset: Callable[..., uuid.UUID],
    cancer: pd.DataFrame,
) -> None:
    frank, project = people["frank"], people["project"]
    model = train(jobs_client, frank, project, add_dataset(project, cancer))
    key = predictor_key(uuid.UUID(model["id"]), artifact_dir(jobs_client, model))
    CACHE.clear()
    gc.collect()
    frozen_before = gc.get_freeze_count()
    try:
        url = f"/api/v1/models/{model['id']}/predict"
        assert jobs_client.post(url, headers=frank, json={"inputs": rows(cancer, 2)}).is_success
        assert gc.get_freeze_count() > frozen_before
        predictor = CACHE.get(key, 0, lambda: pytest.fail("the model should be cached"))
        assert not any(o is predictor for o in gc.get_objects())  # not walked by full passes
        released = weakref.ref(predictor)
        del predictor
        CACHE.clear()
        assert released() is None  # frozen, yet freed with its last reference
    finally:
        gc.unfreeze()
