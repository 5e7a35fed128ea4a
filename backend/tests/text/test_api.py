"""Text classification through the API: upload → job → model → predict {"inputs": [text, …]},
the base-model admin endpoints, and a broken base model refused before queueing."""

import contextlib
import io
import os
import shutil
import signal
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.db.models import User
from tests.conftest import login
from tests.jobs.conftest import (  # noqa: F401 - fixtures shared with the job engine tests
    add_dataset,
    celery_worker,
    job_settings,
    jobs_app,
    jobs_client,
    jobs_db,
    personal_project,
    wait_for_job,
)
from tests.jobs.test_end_to_end import upload_csv
from tests.text.conftest import TINY_PARAMS

CASES = [
    ("zh", "tfidf_linear", {"text": "review", "label": "sentiment"}, {}),
    ("pure", "tfidf_linear", {"text": "review", "label": "sentiment"}, {}),
    ("en", "tfidf_linear", {"text": "text", "label": "category"}, {}),
    ("zh", "transformer", {"text": "review", "label": "sentiment"}, TINY_PARAMS),
    ("en", "transformer", {"text": "text", "label": "category"}, {**TINY_PARAMS, "epochs": 1}),
]
EXAMPLES = {
    "zh": ["质量很好，物流也快，非常满意！", "太差了，用了两天就坏了，不推荐。"],
    "pure": ["质量很好，物流也快，非常满意！", "太差了，用了两天就坏了，不推荐。"],
    "en": ["The striker scored twice in the cup final.", "Shares fell after profits dropped."],
}


def submit(client: TestClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """Create a job and wait (bounded) until it finishes."""
    created = client.post("/api/v1/jobs", headers=headers, json=body)
    assert created.status_code == 201, created.text
    return wait_for_job(client, headers, created.json()["id"], timeout=280)


@pytest.mark.parametrize(("language", "trainer", "columns", "params"), CASES)
def test_train_and_predict_texts_through_the_api(
    jobs_client: TestClient,  # noqa: F811
    make_user: Callable[..., User],
    text_data: dict[str, Path],
    api_base_models: Path,
    language: str,
    trainer: str,
    columns: dict[str, str],
    params: dict[str, Any],
) -> None:
    make_user("wen")
    headers = login(jobs_client, "wen")
    project = personal_project(jobs_client, headers)
    frame = pd.read_parquet(text_data[language])
    dataset = upload_csv(jobs_client, headers, project, frame, f"{language}.csv")
    body = {
        "project_id": project,
        "name": f"{language}-{trainer}",
        "task_type": "text_classification",
        "trainer": trainer,
        "dataset_id": dataset["id"],
        "columns": columns,
        "params": params,
    }
    done = submit(jobs_client, headers, body)
    assert done["status"] == "succeeded", done
    model = jobs_client.get(f"/api/v1/models/{done['model_version_id']}", headers=headers).json()
    assert model["task_type"] == "text_classification"
    assert {"accuracy", "macro_f1"} <= set(model["metrics"])
    if trainer == "transformer":
        assert model["info"]["export"]["onnx_parity"]["passed"] is True
        package = jobs_client.get(f"/api/v1/models/{model['id']}/download", headers=headers)
        card = zipfile.ZipFile(io.BytesIO(package.content)).read("README.md").decode()
        assert "ONNX Runtime vs PyTorch on 20 test texts" in card and "passed" in card
    url = f"/api/v1/models/{model['id']}/predict"
    texts = EXAMPLES[language]
    response = jobs_client.post(url, headers=headers, json={"inputs": texts})
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    classes = set(frame[columns["label"]])
    assert len(predictions) == 2 and {p["label"] for p in predictions} <= classes
    assert all(sum(p["probabilities"].values()) == pytest.approx(1.0) for p in predictions)
    as_rows = jobs_client.post(url, headers=headers, json={"inputs": [{columns["text"]: texts[0]}]})
    assert as_rows.json()["predictions"][0] == predictions[0]
    bad = jobs_client.post(url, headers=headers, json={"inputs": [texts[0], {"other": "x"}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"] == {"row": 1, "column": columns["text"]}
    if trainer == "tfidf_linear" and language == "en":
        assert predictions[0]["label"] == "sports"


def test_broken_base_model_is_refused_before_queueing(
    jobs_client: TestClient,  # noqa: F811
    make_user: Callable[..., User],
    text_data: dict[str, Path],
    api_base_models: Path,
) -> None:
    make_user("bobo")
    headers = login(jobs_client, "bobo")
    project = personal_project(jobs_client, headers)
    frame = pd.read_parquet(text_data["zh"]).head(60)
    dataset = upload_csv(jobs_client, headers, project, frame, "zh.csv")
    body = {
        "project_id": project,
        "name": "broken",
        "task_type": "text_classification",
        "trainer": "transformer",
        "dataset_id": dataset["id"],
        "columns": {"text": "review", "label": "sentiment"},
        "params": {**TINY_PARAMS, "base_model": "broken-bert"},
    }
    response = jobs_client.post("/api/v1/jobs", headers=headers, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "base_model_invalid"
    assert "model.safetensors is missing" in error["message"]
    body["params"] = {**TINY_PARAMS, "base_model": "no-such-model"}
    answer = jobs_client.post("/api/v1/jobs", headers=headers, json=body)
    missing = answer.json()["error"]
    assert missing["code"] == "base_model_not_found" and "tiny-bert" in missing["message"]
    # No server path in any error: the storage root is not the client's business.
    for text in (response.text, answer.text):
        assert str(api_base_models) not in text and str(api_base_models.parent) not in text
    listed = jobs_client.get(f"/api/v1/jobs?project_id={project}", headers=headers).json()
    assert listed["total"] == 0


def test_base_model_admin_endpoints(
    jobs_client: TestClient,  # noqa: F811
    make_user: Callable[..., User],
    admin_headers: dict[str, str],
    api_base_models: Path,
) -> None:
    listed = jobs_client.get("/api/v1/base-models", headers=admin_headers)
    assert listed.status_code == 200, listed.text
    by_name = {m["name"]: m for m in listed.json()}
    assert by_name["tiny-bert"]["ok"] is True and by_name["tiny-bert"]["model_type"] == "bert"
    broken = by_name["broken-bert"]
    assert broken["ok"] is False and any("safetensors" in p for p in broken["problems"])
    one = jobs_client.get("/api/v1/base-models/broken-bert", headers=admin_headers).json()
    assert one["problems"] == broken["problems"]
    missing = jobs_client.get("/api/v1/base-models/nope", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "base_model_not_found"
    make_user("plain")
    plain = jobs_client.get("/api/v1/base-models", headers=login(jobs_client, "plain"))
    assert plain.status_code == 403
    assert jobs_client.get("/api/v1/base-models").status_code == 401


def _kill_trainer_of(job_id: str) -> int:
    """SIGKILL the trainer child(ren) of a job, found by their command line; how many."""
    killed = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.trainers" in argv and any(job_id.encode() in arg for arg in argv):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed += 1
    return killed


def test_killed_training_process_is_retried_and_resumes_from_checkpoint(
    jobs_client: TestClient,  # noqa: F811
    make_user: Callable[..., User],
    text_data: dict[str, Path],
    api_base_models: Path,
) -> None:
    make_user("kai")
    headers = login(jobs_client, "kai")
    project = personal_project(jobs_client, headers)
    dataset = upload_csv(jobs_client, headers, project, pd.read_parquet(text_data["zh"]), "zh.csv")
    params = {**TINY_PARAMS, "epochs": 3, "checkpoint_every_steps": 3, "export_onnx": False}
    body = {
        "project_id": project,
        "name": "resume",
        "task_type": "text_classification",
        "trainer": "transformer",
        "dataset_id": dataset["id"],
        "columns": {"text": "review", "label": "sentiment"},
        "params": params,
        "max_attempts": 2,
    }
    created = jobs_client.post("/api/v1/jobs", headers=headers, json=body)
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    checkpoints = api_base_models / "jobs" / job_id / "checkpoints"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not any(checkpoints.glob("step-*")):
        time.sleep(0.02)
    assert _kill_trainer_of(job_id) >= 1
    done = wait_for_job(jobs_client, headers, job_id, timeout=280)
    assert done["status"] == "succeeded" and done["attempts"] == 2, done
    resumed = jobs_client.get(f"/api/v1/models/{done['model_version_id']}", headers=headers).json()
    assert resumed["info"]["resumed"] is True
    whole = submit(jobs_client, headers, {**body, "name": "whole"})
    assert whole["status"] == "succeeded" and whole["attempts"] == 1
    model = jobs_client.get(f"/api/v1/models/{whole['model_version_id']}", headers=headers).json()
    assert model["info"]["resumed"] is False
    assert resumed["metrics"] == pytest.approx(model["metrics"], abs=1e-6)


def test_unexpected_trainer_failure_is_a_message_and_the_log_keeps_the_traceback(
    jobs_client: TestClient,  # noqa: F811
    make_user: Callable[..., User],
    text_data: dict[str, Path],
    api_base_models: Path,
) -> None:
    """A base model whose tokenizer.json is cut short passes the file checks, then fails in
    the trainer: the job's error is one line without server paths; the log has the traceback."""
    good = api_base_models / "base" / "tiny-bert"
    cut = api_base_models / "base" / "cut-tokenizer-bert"
    if not cut.is_dir():
        shutil.copytree(good, cut)
        text = (good / "tokenizer.json").read_text(encoding="utf-8")
        (cut / "tokenizer.json").write_text(text[: len(text) // 2], encoding="utf-8")
    make_user("lin")
    headers = login(jobs_client, "lin")
    project = personal_project(jobs_client, headers)
    frame = pd.read_parquet(text_data["pure"])
    dataset = upload_csv(jobs_client, headers, project, frame, "pure.csv")
    body = {
        "project_id": project,
        "name": "cut tokenizer",
        "task_type": "text_classification",
        "trainer": "transformer",
        "dataset_id": dataset["id"],
        "columns": {"text": "review", "label": "sentiment"},
        "params": {**TINY_PARAMS, "base_model": "cut-tokenizer-bert"},
    }
    done = submit(jobs_client, headers, body)
    assert done["status"] == "failed", done
    error = done["error"]
    assert error["code"] == "trainer_crashed"
    assert error["message"].startswith("Training failed with an unexpected error (JSONDecodeError")
    assert "Traceback" not in error["message"] and "\n" not in error["message"]
    assert str(api_base_models) not in error["message"] and "site-packages" not in error["message"]
    log = jobs_client.get(f"/api/v1/jobs/{done['id']}/logs/download", headers=headers)
    assert log.status_code == 200
    assert "Traceback (most recent call last)" in log.text
    assert "json.decoder.JSONDecodeError" in log.text
