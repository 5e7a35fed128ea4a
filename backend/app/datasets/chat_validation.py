"""Chat datasets (task `llm_sft`) as a `ValidationReport`: each kind of bad row is one error.

Every bad row makes the dataset unusable for fine-tuning (nothing is silently dropped), so each
problem code becomes an error with its count and a sample of row numbers; its message names the
first row. The full chat report (format, turn and token statistics) is in `chat`.
"""

from typing import Any

import pandas as pd

from app.datasets.validation import ValidationIssue, ValidationReport
from app.trainers.llm.validate import validate_chat

SAMPLE_ROWS = 10


def validate_chat_task(
    frame: pd.DataFrame,
    columns: dict[str, Any],
    *,
    tokenizer: Any = None,
    max_seq_length: int | None = None,
) -> ValidationReport:
    """The report job creation and the validate endpoint give for an `llm_sft` dataset."""
    chat = validate_chat(frame, columns, tokenizer=tokenizer, max_seq_length=max_seq_length)
    errors = [ValidationIssue(code=e["code"], message=e["message"]) for e in chat["errors"]]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for problem in chat["problems"]:
        by_code.setdefault(problem["code"], []).append(problem)
    for code, problems in by_code.items():
        errors.append(
            ValidationIssue(
                code=code,
                message=problems[0]["message"],
                count=chat["problem_counts"][code],
                rows=[p["row"] for p in problems[:SAMPLE_ROWS]],
            )
        )
    bad = sum(chat["problem_counts"].values())
    return ValidationReport(
        ok=chat["ok"],
        task_type="llm_sft",
        errors=errors,
        rows_total=chat["rows_total"],
        rows_usable=chat["rows_usable"],
        rows_dropped=bad,
        drop_reasons=dict(chat["problem_counts"]),
        input_columns=[str(c) for c in frame.columns],
        chat=chat,
    )
