"""Chat data: detect the format of a table of rows and convert it to one canonical chat form.

Canonical form: a list of messages `{"role": "system" | "user" | "assistant", "content": str}`,
at most one system message first, then user and assistant turns alternating, starting with user
and ending with assistant. Accepted inputs (one row = one conversation; nested values may be
JSON text, as an uploaded JSONL file stores them):

- `messages` (OpenAI): a list of `{"role", "content"}`;
- `conversations` (ShareGPT): a list of `{"from", "value"}` (`human`/`gpt`/`system`, …);
- alpaca: `instruction`, optional `input`, `output`, optional `system` and `history`
  (a list of `[user, assistant]` pairs before this turn);
- a prompt column and a response column (CSV/XLSX), named in `columns` as `prompt` and
  `response` (optional `system`).

Pure: pandas and the standard library only. Every problem names its 1-based row number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Message = dict[str, str]
Conversation = list[Message]

FORMATS = ("messages", "sharegpt", "alpaca", "prompt_response")
ROLES = ("system", "user", "assistant")
SHAREGPT_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
}
MAX_PROBLEMS = 50


@dataclass
class RowProblem:
    """One bad row: 1-based row number, a code and a message a person can act on."""

    row: int
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"row": self.row, "code": self.code, "message": self.message}


@dataclass
class ChatRows:
    """The conversations of a table, their source row numbers, and the rows that failed."""

    format: str
    conversations: list[Conversation] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows_total: int = 0


class ChatFormatError(ValueError):
    """The table is not chat data at all (no known layout), or the column mapping is wrong."""

    def __init__(self, message: str, *, code: str = "chat_format_unknown") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _RowError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def detect_format(columns: list[str], mapping: dict[str, Any] | None = None) -> str:
    """The chat layout of a table from its column names (and the prompt/response mapping)."""
    mapping = mapping or {}
    chosen = mapping.get("format")
    if chosen not in (None, "auto"):
        if chosen not in FORMATS:
            raise ChatFormatError(
                f"Unknown chat format '{chosen}'; expected one of: auto, {', '.join(FORMATS)}.",
                code="chat_format_unknown",
            )
        return str(chosen)
    if mapping.get("prompt") or mapping.get("response"):
        return "prompt_response"
    if "messages" in columns:
        return "messages"
    if "conversations" in columns:
        return "sharegpt"
    if "instruction" in columns and "output" in columns:
        return "alpaca"
    raise ChatFormatError(
        "No chat data found: expected a 'messages' column (OpenAI), 'conversations' (ShareGPT), "
        "'instruction' + 'output' (alpaca), or a prompt and a response column chosen in the "
        f"mapping. Columns present: {', '.join(columns) or 'none'}.",
    )


def _nested(value: Any, what: str) -> Any:
    """A list/dict cell, parsed from JSON text when the upload stored it as text."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _RowError("invalid_json", f"'{what}' is not valid JSON: {exc}") from exc
    return value


def _text(value: Any, what: str, *, required: bool) -> str:
    """A scalar cell as text; numbers written as text in a CSV stay usable."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        if required:
            raise _RowError("empty_content", f"'{what}' is empty.")
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an integer column with a gap is read as floats: 5, not 5.0
    if isinstance(value, bool | int | float):
        return str(value)
    if not isinstance(value, str):
        raise _RowError("non_string_content", f"'{what}' is {type(value).__name__}, not text.")
    if required and not value.strip():
        raise _RowError("empty_content", f"'{what}' is empty.")
    return value


def _message(role: Any, content: Any, index: int) -> Message:
    if not isinstance(role, str) or role not in ROLES:
        raise _RowError(
            "unknown_role",
            f"message {index + 1} has role {role!r}; expected system, user or assistant.",
        )
    if content is None:
        raise _RowError("empty_content", f"message {index + 1} ({role}) has no content.")
    if not isinstance(content, str):
        raise _RowError(
            "non_string_content",
            f"message {index + 1} ({role}) content is {type(content).__name__}, not text.",
        )
    if not content.strip():
        raise _RowError("empty_content", f"message {index + 1} ({role}) is empty.")
    return {"role": role, "content": content}


def _from_messages(row: dict[str, Any]) -> Conversation:
    items = _nested(row.get("messages"), "messages")
    if not isinstance(items, list):
        raise _RowError("invalid_messages", "'messages' is not a list of messages.")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _RowError("invalid_messages", f"message {i + 1} is not an object.")
        out.append(_message(item.get("role"), item.get("content"), i))
    return out


def _from_sharegpt(row: dict[str, Any]) -> Conversation:
    items = _nested(row.get("conversations"), "conversations")
    if not isinstance(items, list):
        raise _RowError("invalid_messages", "'conversations' is not a list of turns.")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise _RowError("invalid_messages", f"turn {i + 1} is not an object.")
        speaker = item.get("from")
        role = SHAREGPT_ROLES.get(speaker) if isinstance(speaker, str) else None
        if role is None:
            raise _RowError(
                "unknown_role",
                f"turn {i + 1} is from {speaker!r}; expected one of "
                f"{', '.join(sorted(SHAREGPT_ROLES))}.",
            )
        out.append(_message(role, item.get("value"), i))
    return out


def _from_alpaca(row: dict[str, Any]) -> Conversation:
    out: Conversation = []
    system = _text(row.get("system"), "system", required=False)
    if system.strip():
        out.append({"role": "system", "content": system})
    history = row.get("history")
    if history is not None and not (isinstance(history, float) and pd.isna(history)):
        pairs = _nested(history, "history")
        if not isinstance(pairs, list):
            raise _RowError("invalid_messages", "'history' is not a list of [user, assistant].")
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise _RowError("invalid_messages", f"history item {i + 1} is not a pair.")
            out.append({"role": "user", "content": _text(pair[0], "history", required=True)})
            out.append({"role": "assistant", "content": _text(pair[1], "history", required=True)})
    instruction = _text(row.get("instruction"), "instruction", required=True)
    extra = _text(row.get("input"), "input", required=False)
    prompt = f"{instruction}\n\n{extra}" if extra.strip() else instruction
    out.append({"role": "user", "content": prompt})
    out.append({"role": "assistant", "content": _text(row.get("output"), "output", required=True)})
    return out


def _check_order(conversation: Conversation) -> None:
    """System first (at most once), then user/assistant alternating, ending with assistant."""
    turns = (
        conversation[1:] if conversation and conversation[0]["role"] == "system" else conversation
    )
    if not any(m["role"] == "assistant" for m in turns):
        raise _RowError("no_assistant_turn", "the conversation has no assistant turn.")
    for i, message in enumerate(turns):
        expected = "user" if i % 2 == 0 else "assistant"
        if message["role"] != expected:
            where = (
                "a system message after the first turn"
                if message["role"] == "system"
                else (f"turn {i + 1} is {message['role']} where {expected} was expected")
            )
            raise _RowError("wrong_turn_order", f"wrong turn order: {where}.")
    if turns[-1]["role"] != "assistant":
        raise _RowError("wrong_turn_order", "the conversation must end with an assistant turn.")


def _pair_columns(frame: pd.DataFrame, mapping: dict[str, Any]) -> dict[str, str]:
    names = {key: mapping.get(key) for key in ("prompt", "response", "system")}
    for key in ("prompt", "response"):
        if not isinstance(names[key], str):
            raise ChatFormatError(
                f"Choose the {key} column: columns {{'prompt': ..., 'response': ...}}.",
                code="bad_columns",
            )
    for key, name in names.items():
        if name is not None and name not in frame.columns:
            raise ChatFormatError(
                f"Column '{name}' ({key}) is not in the dataset.", code="bad_columns"
            )
    return {key: name for key, name in names.items() if isinstance(name, str)}


def _from_pair(row: dict[str, Any], names: dict[str, str]) -> Conversation:
    out: Conversation = []
    if "system" in names:
        system = _text(row.get(names["system"]), names["system"], required=False)
        if system.strip():
            out.append({"role": "system", "content": system})
    out.append(
        {"role": "user", "content": _text(row[names["prompt"]], names["prompt"], required=True)}
    )
    response = _text(row[names["response"]], names["response"], required=True)
    out.append({"role": "assistant", "content": response})
    return out


def read_chat_rows(frame: pd.DataFrame, mapping: dict[str, Any] | None = None) -> ChatRows:
    """Convert every row; rows that fail are listed in `problems` (1-based row numbers)."""
    mapping = mapping or {}
    layout = detect_format([str(c) for c in frame.columns], mapping)
    names = _pair_columns(frame, mapping) if layout == "prompt_response" else {}
    convert = {
        "messages": _from_messages,
        "sharegpt": _from_sharegpt,
        "alpaca": _from_alpaca,
        "prompt_response": lambda row: _from_pair(row, names),
    }[layout]
    result = ChatRows(format=layout, rows_total=len(frame))
    for number, row in enumerate(frame.to_dict(orient="records"), start=1):
        try:
            conversation = convert(row)
            _check_order(conversation)
        except _RowError as exc:
            result.problems.append(RowProblem(number, exc.code, f"row {number}: {exc}"))
            continue
        result.conversations.append(conversation)
        result.row_numbers.append(number)
    return result
