"""An LLM student: a tiny local Llama is fine-tuned (LoRA) on the teacher's labels as prompt →
label, answers the gold set greedily through the inference service, and the report is checked
against its stored answers, the gold labels, scikit-learn and the model's own answers through
the API; an unknown base model and an extract run are refused before anything is stored."""

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sklearn.metrics import f1_score
from sqlalchemy import func, select

from app.datasets.service import load_frame
from app.db.models import Dataset, Distillation, TrainingJob
from app.db.session import Database
from app.distillation.llm_student import instruction, parse_answer, render_prompt
from app.distillation.texts import normalised
from tests.distillation.test_distillation import (
    TASK,
    _labeled,
    _reviews,
    _teacher_answer,
    _wait,
    _wrong,
    owner,  # noqa: F401 - fixture
    teacher,  # noqa: F401 - fixture
)
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
from tests.tiny_llm import build_tiny_lm

BASE = "tiny-distil-llama"
LABELS = [label["name"] for label in TASK["labels"]]
# Small and fast on 2 CPU cores: the student learns the two labels' tokens and the end of turn.
STUDENT_PARAMS: dict[str, Any] = {
    "base_model": BASE,
    "max_seq_length": 128,
    "epochs": 2,
    "batch_size": 8,
    "gradient_accumulation_steps": 1,
    "learning_rate": 2e-2,
    "warmup_ratio": 0.0,
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.0,
    "eval_every_steps": 50,
    "checkpoint_every_steps": 50,
    "eval_samples": 0,
    "compare_base": False,
}
EXTRACT = {
    "kind": "extract",
    "json_schema": {
        "type": "object",
        "properties": {"sentiment": {"type": "string"}},
        "required": ["sentiment"],
    },
}


def _short_reviews() -> pd.DataFrame:
    """64 reviews cut to 40 characters (short prompts keep the tiny model's steps fast).

    A quarter is the gold set, left out of training: the student learns from the other 48.
    """
    frame = _reviews().groupby("真实标签").head(32)
    # stripped: the teacher reads the text back from the prompt without its surrounding spaces
    frame = frame.assign(评论=frame["评论"].str[:40].str.strip()).drop_duplicates("评论")
    return frame.reset_index(drop=True)


@pytest.fixture
def tiny_base(jobs_app: FastAPI) -> Path:  # noqa: F811
    """A tiny random Llama whose tokenizer knows the reviews, the instruction and the labels."""
    folder = Path(jobs_app.state.settings.model_storage_path) / "base" / BASE
    if folder.is_dir():
        return folder
    texts = list(_reviews()["评论"]) + LABELS
    texts += [render_prompt("请判断下面的文本属于哪一个类别，只回答类别名称，不要解释。", "")] * 20
    return build_tiny_lm(folder, texts)


def _run(
    client: TestClient, headers: dict[str, str], dataset_id: str, url: str, task: dict[str, Any]
) -> str:
    """A labeling run of `task` over the 评论 column, with a teacher registered once."""
    providers = client.get("/api/v1/llm-providers", headers=headers).json()
    found = [p for p in providers if p["name"] == "千问"]
    if found:
        provider_id = found[0]["id"]
    else:
        provider = client.post(
            "/api/v1/llm-providers",
            headers=headers,
            json={
                "name": "千问",
                "kind": "qwen",
                "base_url": url,
                "api_key": "sk-distill-0123456789abcdef",
                "models": ["qwen-plus"],
                "prices": [
                    {
                        "model": "qwen-plus",
                        "input_per_m": "2",
                        "cached_input_per_m": "0.5",
                        "output_per_m": "8",
                        "currency": "CNY",
                        "effective_from": "2026-01-01",
                    }
                ],
                "concurrency": 4,
            },
        )
        assert provider.status_code == 201, provider.text
        provider_id = provider.json()["id"]
    run = client.post(
        "/api/v1/labeling-runs",
        headers=headers,
        json={
            "name": f"{task['kind']} 标注",
            "dataset_id": dataset_id,
            "text_columns": ["评论"],
            "task": task,
            "teachers": [{"provider_id": provider_id, "model": "qwen-plus"}],
            "budget": "10",
            "currency": "CNY",
        },
    )
    assert run.status_code == 201, run.text
    assert _labeled(client, headers, run.json()["id"])["status"] == "succeeded"
    return str(run.json()["id"])


def test_the_instruction_speaks_the_language_of_the_data() -> None:
    chinese = instruction(["正面", "负面"], ["物流很快", "质量太差"])
    assert chinese.startswith("请判断") and render_prompt(chinese, "好").endswith("文本：好")
    mixed = instruction(["positive", "negative"], ["great value", "包装破损"])
    assert mixed.startswith("请判断") and "positive、negative" in mixed
    english = instruction(["sport", "tech"], ["The match ended 2-1", "A new phone"])
    assert english.startswith("Classify") and "Categories: sport, tech." in english
    assert render_prompt(english, "A new phone").endswith("\n\nText: A new phone")
    assert parse_answer(" sport\n", ["sport", "tech"]) == "sport"
    assert parse_answer("Sport", ["sport", "tech"]) is None


def test_an_llm_student_is_distilled_and_reported(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],  # noqa: F811
    teacher: TeacherServer,  # noqa: F811
    tiny_base: Path,
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _short_reviews()
    truth_of = dict(zip(reviews["评论"], reviews["真实标签"], strict=True))
    teacher.answer = _teacher_answer(truth_of)
    unlabeled = upload_csv(client, headers, project, reviews[["评论"]], "评论.csv")
    gold_frame = reviews.iloc[::4].rename(columns={"评论": "text", "真实标签": "gold"})
    gold = upload_csv(client, headers, project, gold_frame, "金标准.csv")
    run_id = _run(client, headers, unlabeled["id"], teacher.base_url, TASK)

    created = client.post(
        "/api/v1/distillations",
        headers=headers,
        json={
            "name": "大模型蒸馏",
            "labeling_run_id": run_id,
            "student": {"task_type": "llm_sft", "params": STUDENT_PARAMS, "seed": 3},
            "gold_dataset_id": gold["id"],
            "gold_text_column": "text",
            "gold_label_column": "gold",
        },
    )
    assert created.status_code == 201, created.text
    student = created.json()["student"]
    assert student["task_type"] == "llm_sft" and student["trainer"] == "lora_sft"
    assert student["params"]["base_model"] == BASE and student["labels"] == LABELS
    instruction = student["instruction"]
    assert all(label in instruction for label in LABELS)

    # the student's training data: each labeled text not in the gold set under the instruction
    # → the teacher's label, derived from the training set without the gold texts
    gold_texts = {normalised(text) for text in gold_frame["text"]}
    in_gold = [text for text in reviews["评论"] if normalised(text) in gold_texts]
    assert created.json()["gold_overlap_removed"] == len(in_gold) == len(gold_frame)
    with jobs_db.session_scope() as session:
        job = session.get_one(TrainingJob, uuid.UUID(created.json()["train_job_id"]))
        assert job.columns == {"prompt": "prompt", "response": "response"}
        prompts = session.get_one(Dataset, job.dataset_id)
        assert str(prompts.parent_id) == created.json()["training_dataset_id"]
        pairs = load_frame(jobs_app.state.settings, prompts)
    expected = {
        render_prompt(instruction, text): ("负面" if label == "正面" else "正面")
        if _wrong(text)
        else label
        for text, label in truth_of.items()
        if text not in in_gold
    }
    assert dict(zip(pairs["prompt"], pairs["response"], strict=True)) == expected

    done = _wait(client, headers, created.json()["id"])
    assert done["status"] == "succeeded", done
    report = done["report"]
    assert report["student_task_type"] == "llm_sft"
    truth = list(gold_frame["gold"])
    answers = report["llm_answers"]["answers"]
    assert len(answers) == report["gold_rows"] == len(truth)
    assert report["llm_answers"]["instruction"] == instruction

    # the scores are the stored answers read as labels: exact match after trimming, else wrong
    named = [a.strip() if a.strip() in LABELS else None for a in answers]
    assert report["llm_answers"]["unparsed"] == sum(label is None for label in named)
    scores = report["quality"]["student"]
    assert scores["n"] == len(truth)
    hits = sum(label == y for label, y in zip(named, truth, strict=True))
    assert scores["accuracy"]["value"] == pytest.approx(hits / len(truth))
    present = sorted(set(truth) | {label for label in named if label is not None})
    as_text = [label if label is not None else "\0unparsed" for label in named]
    assert scores["macro_f1"]["value"] == pytest.approx(
        f1_score(truth, as_text, labels=present, average="macro", zero_division=0)
    )
    assert scores["accuracy"]["ci_low"] <= scores["accuracy"]["value"]
    assert scores["accuracy"]["value"] <= scores["accuracy"]["ci_high"]
    # it learned the labels' form: most answers name a label
    assert report["llm_answers"]["unparsed"] < len(truth) / 2

    # the stored answers are what the registered model answers through the API
    predicted = client.post(
        f"/api/v1/models/{done['model_version_id']}/predict",
        headers=headers,
        json={
            "inputs": [{"prompt": render_prompt(instruction, t)} for t in gold_frame["text"][:3]]
        },
    )
    assert predicted.status_code == 200, predicted.text
    assert [p["text"] for p in predicted.json()["predictions"]] == answers[:3]

    timing = report["latency"]["student"]
    assert timing["n"] == len(truth) and 0 < timing["p50_ms"] <= timing["p95_ms"]
    assert report["student_cpu_seconds_per_prediction"] > 0
    price = float(jobs_app.state.settings.student_cpu_hour_price)
    assert report["cost"]["student_per_1k"] == pytest.approx(
        report["student_cpu_seconds_per_prediction"] * price / 3600 * 1000
    )
    train_job = client.get(f"/api/v1/jobs/{done['train_job_id']}", headers=headers).json()
    assert report["training_cpu_seconds"] == train_job["cpu_seconds"] > 0
    assert report["cost"]["training_cost"] == pytest.approx(train_job["cpu_seconds"] * price / 3600)

    base = f"/api/v1/distillations/{done['id']}"
    markdown = client.get(f"{base}/report.md", headers=headers).text
    assert f"on `{BASE}`" in markdown and f"{scores['accuracy']['value']:.4f}" in markdown
    assert f"{report['llm_answers']['unparsed']} of {len(truth)} named no label" in markdown
    table = list(
        csv.DictReader(io.StringIO(client.get(f"{base}/report.csv", headers=headers).text))
    )
    unparsed = next(r for r in table if r["metric"] == "unparsed_answers")
    assert int(unparsed["value"]) == report["llm_answers"]["unparsed"]


def test_an_llm_student_is_refused_without_its_base_model_or_a_classify_run(
    jobs_client: TestClient,  # noqa: F811
    jobs_app: FastAPI,  # noqa: F811
    jobs_db: Database,  # noqa: F811
    owner: dict[str, str],  # noqa: F811
    teacher: TeacherServer,  # noqa: F811
    tiny_base: Path,
) -> None:
    client, headers = jobs_client, owner
    project = personal_project(client, headers)
    reviews = _short_reviews().iloc[:12]
    unlabeled = upload_csv(client, headers, project, reviews[["评论"]], "评论.csv")
    gold = upload_csv(client, headers, project, reviews, "金标准.csv")
    teacher.answer = _teacher_answer(dict(zip(reviews["评论"], reviews["真实标签"], strict=True)))
    classify = _run(client, headers, unlabeled["id"], teacher.base_url, TASK)
    teacher.answer = lambda model, prompt, body: '{"sentiment": "正面"}'
    extract = _run(client, headers, unlabeled["id"], teacher.base_url, EXTRACT)
    body = {
        "name": "大模型蒸馏",
        "labeling_run_id": classify,
        "student": {
            "task_type": "llm_sft",
            "params": {**STUDENT_PARAMS, "base_model": "no-such-model"},
        },
        "gold_dataset_id": gold["id"],
        "gold_text_column": "评论",
        "gold_label_column": "真实标签",
    }
    with jobs_db.session_scope() as session:
        datasets_before = session.scalar(select(func.count()).select_from(Dataset))

    unknown = client.post("/api/v1/distillations", headers=headers, json=body)
    assert unknown.status_code == 422, unknown.text
    error = unknown.json()["error"]
    assert error["code"] == "base_model_not_found"
    assert (
        error["message"].startswith("student.params.base_model:")
        and "no-such-model" in error["message"]
    )
    assert BASE in error["message"]  # the models that are there are named
    assert error["details"] == {"field": "student.params.base_model"}

    wrong_trainer = client.post(
        "/api/v1/distillations",
        headers=headers,
        json={**body, "student": {"task_type": "llm_sft", "trainer": "tfidf_linear"}},
    )
    assert wrong_trainer.status_code == 422, wrong_trainer.text
    assert wrong_trainer.json()["error"]["details"] == {"field": "student.trainer"}

    refused = client.post(
        "/api/v1/distillations",
        headers=headers,
        json={**body, "labeling_run_id": extract, "student": {"task_type": "llm_sft"}},
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "labeling_run_not_classify"
    assert "extract" in error["message"] and "an LLM student" in error["message"]

    with jobs_db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Distillation)) == 0
        trainings = select(func.count()).where(TrainingJob.kind == "train")
        assert session.scalar(trainings) == 0
        assert session.scalar(select(func.count()).select_from(Dataset)) == datasets_before
