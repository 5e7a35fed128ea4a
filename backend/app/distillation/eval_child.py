"""Measure a distillation in a child process (`python -m app.distillation.eval_child SPEC`).

SPEC is the JSON the `distill_eval` handler writes: the student's model version, the gold set,
the teacher-labeled dataset and the student's training set (Parquet paths and columns), the
teacher's recorded calls, the training's CPU-seconds and the CPU-hour price. Each gold row is
predicted alone through the inference service, as a single-row request would be, timing it
(wall clock) and its CPU time; an LLM student is asked the distillation's prompt and its answer
counts as the label it names exactly (after trimming), otherwise as wrong and unparsed. The
child ends with one JSON line on stdout,
`{"type": "result", "report": …}`.
"""

import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from app.core.config import Settings
from app.core.errors import AppError
from app.db.models import ModelVersion
from app.distillation.llm_student import parse_answer, render_prompt
from app.distillation.report import costs, latency, quality
from app.distillation.texts import normalised
from app.inference.service import predict
from app.model_registry.schemas import parse_predict_request
from app.trainers.llm.trainer import PREDICT_MAX_NEW_TOKENS


def _rows(body: bytes) -> list[Any]:
    return list(parse_predict_request(body).inputs)


def _student_answers(
    spec: dict[str, Any], texts: list[str]
) -> tuple[list[str], list[float], float]:
    """Raw answers, wall milliseconds of each single-row request, CPU seconds per prediction.

    A classifier answers its label; an LLM answers text, greedily within the serving limit of
    new tokens, to the prompt it was trained on.
    """
    settings = Settings(model_storage_path=Path(spec["model_storage_path"]))
    version = ModelVersion(**{**spec["version"], "id": uuid.UUID(spec["version"]["id"])})
    student = spec["student"]
    column = spec["student_text_column"]

    def one(text: str) -> str:
        if student.get("task_type") == "llm_sft":
            prompt = render_prompt(student["instruction"], text)
            body = orjson.dumps({"inputs": [{"prompt": prompt}]})
            return str(predict(settings, version, body, _rows)[0]["text"])
        body = orjson.dumps({"inputs": [{column: text}]})
        return str(predict(settings, version, body, _rows)[0]["label"])

    one(texts[0])  # loads the model: a serving process has it loaded before its requests
    answers, wall_ms = [], []
    cpu_started = time.process_time()
    for text in texts:
        started = time.perf_counter()
        answers.append(one(text))
        wall_ms.append((time.perf_counter() - started) * 1000)
    cpu_seconds = (time.process_time() - cpu_started) / len(texts)
    return answers, wall_ms, cpu_seconds


def _student_labels(
    spec: dict[str, Any], answers: list[str]
) -> tuple[list[str | None], dict[str, Any] | None]:
    """The labels the answers name (None: an LLM answer that names no label) and, for an LLM,
    what it answered."""
    student = spec["student"]
    if student.get("task_type") != "llm_sft":
        return list(answers), None
    labels = [parse_answer(answer, student["labels"]) for answer in answers]
    details = {
        "instruction": student["instruction"],
        "labels": student["labels"],
        "max_new_tokens": PREDICT_MAX_NEW_TOKENS,
        "unparsed": sum(label is None for label in labels),
        "answers": answers,
    }
    return labels, details


def _teacher_labels(spec: dict[str, Any]) -> dict[str, str]:
    """The teacher's answer for each labeled text, by normalised text (unlabeled rows left out)."""
    source = spec["teacher_data"]
    frame = pd.read_parquet(source["path"], columns=[source["text_column"], source["label_column"]])
    answers: dict[str, str] = {}
    for text, label in frame.itertuples(index=False):
        key = normalised(text)
        if key and isinstance(label, str) and label:
            answers.setdefault(key, label)
    return answers


def _training_texts(spec: dict[str, Any]) -> set[str | None]:
    """The normalised texts the student trained on."""
    source = spec["training_data"]
    column = source["text_column"]
    return {normalised(text) for text in pd.read_parquet(source["path"], columns=[column])[column]}


def _notes(
    gold_classes: list[str],
    seen: int,
    training_cpu_seconds: float | None,
    *,
    gold_rows: int,
    teacher_rows: int,
) -> list[dict[str, Any]]:
    """What a reader must know to read the figures right (code, English message, details)."""
    notes: list[dict[str, Any]] = []
    if teacher_rows < gold_rows:
        notes.append(
            {
                "code": "teacher_gold_rows_missing",
                "message": f"The labeling run holds the teacher's answer for {teacher_rows} of "
                f"the {gold_rows} gold texts: the teacher's quality is measured on those rows "
                "only (not at all with none). A gold set drawn from the labeled rows, such as "
                "the review's gold dataset, measures teacher and student on the same rows.",
                "labeled": teacher_rows,
                "gold": gold_rows,
            }
        )
    if len(gold_classes) == 1:
        notes.append(
            {
                "code": "one_gold_class",
                "message": f"Every gold row has the label '{gold_classes[0]}': macro-F1 is not "
                "defined (no balance between classes to measure) and is left empty; accuracy, "
                "the share of gold rows given that label, is the quality figure, and its "
                "bootstrap interval resamples those rows.",
                "label": gold_classes[0],
            }
        )
    if seen:
        notes.append(
            {
                "code": "gold_rows_in_training",
                "message": f"{seen} gold texts are in the student's training data: its scores "
                "on those rows are not on unseen data.",
            }
        )
    if training_cpu_seconds is None:
        notes.append(
            {
                "code": "training_cpu_not_recorded",
                "message": "The student's training CPU-seconds were not recorded: the training "
                "cost counts 0.",
            }
        )
    return notes


def build(spec: dict[str, Any]) -> dict[str, Any]:
    """The report of one distillation."""
    gold_spec = spec["gold"]
    gold = pd.read_parquet(
        gold_spec["path"], columns=[gold_spec["text_column"], gold_spec["label_column"]]
    )
    gold = gold.dropna()
    texts = [str(t) for t in gold[gold_spec["text_column"]]]
    truth = [str(label) for label in gold[gold_spec["label_column"]]]
    if not texts:
        raise ValueError("The gold set has no row with both a text and a label.")
    replies, wall_ms, cpu_seconds = _student_answers(spec, texts)
    student, llm = _student_labels(spec, replies)
    answers = _teacher_labels(spec)
    keys = [normalised(text) for text in texts]
    teacher_rows = [(answers[k], y) for k, y in zip(keys, truth, strict=True) if k in answers]
    trained_on = _training_texts(spec)
    seen = sum(key in trained_on for key in keys)
    teacher = spec["teacher"]
    price = float(spec["cpu_hour_price"])
    training_cpu_seconds = spec["training_cpu_seconds"]
    training = spec["training_data"]
    return {
        "student_task_type": spec["student"]["task_type"],
        "llm_answers": llm,
        "gold_rows": len(texts),
        "gold_classes": sorted(set(truth)),
        # gold texts in the student's training set (none unless it predates their removal)
        "gold_rows_in_training": seen,
        "training_rows": training["rows"],
        "gold_overlap_removed": training["gold_overlap_removed"],
        "currency": spec["currency"],
        "cpu_hour_price": price,
        "quality": {
            "student": quality(truth, student),
            "teacher": quality([y for _, y in teacher_rows], [p for p, _ in teacher_rows]),
        },
        "latency": {
            "student": latency(wall_ms),
            "teacher": latency(teacher["latencies_ms"]),
        },
        "student_cpu_seconds_per_prediction": cpu_seconds,
        "training_cpu_seconds": training_cpu_seconds,
        "teacher_usage": {
            key: teacher[key]
            for key in (
                "calls",
                "input_tokens",
                "cached_input_tokens",
                "output_tokens",
                "cost",
                "predictions",
                "models",
            )
        },
        "cost": costs(
            teacher_cost=float(teacher["cost"]),
            teacher_predictions=int(teacher["predictions"]),
            student_cpu_seconds_per_prediction=cpu_seconds,
            training_cpu_seconds=float(training_cpu_seconds or 0.0),
            cpu_hour_price=price,
        ),
        "notes": _notes(
            sorted(set(truth)),
            seen,
            training_cpu_seconds,
            gold_rows=len(texts),
            teacher_rows=len(teacher_rows),
        ),
    }


def main(spec_path: Path) -> int:
    """Build the report and print it, or the error that stopped it."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    try:
        report = build(spec)
    except AppError as exc:
        message = {"type": "error", "code": exc.code, "message": exc.message}
        print(json.dumps(message, ensure_ascii=False))
        return 0
    except ValueError as exc:
        message = {"type": "error", "code": "evaluation_failed", "message": str(exc)}
        print(json.dumps(message, ensure_ascii=False))
        return 0
    print(json.dumps({"type": "result", "report": report}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
