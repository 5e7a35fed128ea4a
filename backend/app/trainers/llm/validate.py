"""The chat-data validation report: format, bad rows by row number, token lengths.

`validate_chat(frame, columns, tokenizer=…, max_seq_length=…)` is what a dataset validation
endpoint and the trainer call. `require_valid(report)` raises `ChatDataInvalid` naming the first
bad rows (the API answers it with a 422; the trainer refuses to start).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from app.trainers.llm.chat_data import MAX_PROBLEMS, ChatFormatError, ChatRows, read_chat_rows
from app.trainers.llm.encode import encode_conversation, length_stats

NO_USABLE_ROWS = {
    "code": "no_usable_rows",
    "message": "No usable conversation: every row has a problem (listed by row number).",
}


class ChatDataInvalid(ValueError):
    """The dataset cannot train a chat model; `message` names the first bad rows."""

    def __init__(self, message: str, *, code: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details


def load_tokenizer(folder: Path) -> Any:
    """The base model's tokenizer (local files only)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def token_lengths(tokenizer: Any, rows: ChatRows) -> list[int]:
    """Tokens per conversation after the chat template."""
    return [len(encode_conversation(tokenizer, c)["input_ids"]) for c in rows.conversations]


def validate_chat(
    frame: pd.DataFrame,
    columns: dict[str, Any] | None = None,
    *,
    tokenizer: Any = None,
    max_seq_length: int | None = None,
) -> dict[str, Any]:
    """The validation report of a chat dataset (never raises for bad data)."""
    try:
        rows = read_chat_rows(frame, columns)
    except ChatFormatError as exc:
        return {
            "ok": False,
            "format": None,
            "rows_total": len(frame),
            "rows_usable": 0,
            "errors": [{"code": exc.code, "message": exc.message}],
            "problems": [],
            "problem_counts": {},
        }
    report: dict[str, Any] = {
        "ok": not rows.problems and bool(rows.conversations),
        "format": rows.format,
        "rows_total": rows.rows_total,
        "rows_usable": len(rows.conversations),
        "errors": [] if rows.conversations else [NO_USABLE_ROWS],
        "problems": [p.as_dict() for p in rows.problems[:MAX_PROBLEMS]],
        "problem_counts": dict(Counter(p.code for p in rows.problems)),
        "turns": _turn_stats(rows),
    }
    if tokenizer is not None and rows.conversations:
        report["tokens"] = length_stats(token_lengths(tokenizer, rows), max_seq_length)
    return report


def _turn_stats(rows: ChatRows) -> dict[str, int]:
    counts = Counter(m["role"] for c in rows.conversations for m in c)
    multi = sum(1 for c in rows.conversations if sum(m["role"] == "assistant" for m in c) > 1)
    return {**{f"{role}_messages": n for role, n in counts.items()}, "multi_turn_rows": multi}


def require_valid(report: dict[str, Any]) -> None:
    """Raise `ChatDataInvalid` when the report is not ok; the message names the bad rows."""
    if report["ok"]:
        return
    if report["errors"]:
        first = report["errors"][0]
        raise ChatDataInvalid(first["message"], code=first["code"], details=report)
    problems = report["problems"]
    total = sum(report["problem_counts"].values())
    shown = "; ".join(p["message"] for p in problems[:5])
    more = f" (and {total - 5} more rows)" if total > 5 else ""
    raise ChatDataInvalid(
        f"{total} rows are not valid chat data: {shown}{more}.",
        code=problems[0]["code"],
        details=report,
    )
