"""Measure a distillation in a child process (`python -m app.distillation.eval_child SPEC`).

SPEC is the JSON the `distill_eval` handler writes: the student's model version, the gold set
and the teacher-labeled dataset (Parquet paths and columns), the teacher's recorded calls, the
training time and the CPU-hour price. Each gold row is predicted alone through the inference
service, as a single-row request would be, timing it (wall clock) and its CPU time; an LLM
student is asked the distillation's prompt and its answer counts as the label it names exactly
(after trimming), otherwise as wrong and unparsed. The child ends with one JSON line on stdout,
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
    """The teacher's answer for each labeled text (rows it could not label left out)."""
    source = spec["teacher_data"]
    frame = pd.read_parquet(source["path"], columns=[source["text_column"], source["label_column"]])
    answers: dict[str, str] = {}
    for text, label in frame.itertuples(index=False):
        if isinstance(text, str) and isinstance(label, str) and label:
            answers.setdefault(text, label)
    return answers


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
    teacher_rows = [(answers[t], y) for t, y in zip(texts, truth, strict=True) if t in answers]
    teacher = spec["teacher"]
    price = float(spec["cpu_hour_price"])
    return {
        "student_task_type": spec["student"]["task_type"],
        "llm_answers": llm,
        "gold_rows": len(texts),
        # gold texts the student also trained on (with the teacher's label): its scores on
        # those rows are not on unseen data
        "gold_rows_in_training": sum(text in answers for text in texts),
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
        "training_seconds": spec["training_seconds"],
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
            training_seconds=float(spec["training_seconds"]),
            cpu_hour_price=price,
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
