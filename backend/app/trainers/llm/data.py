"""A fine-tuning job's conversations: read, checked, split (seeded), tokenized with masks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from app.trainers.base import TrainerContext, TrainerError
from app.trainers.llm.chat_data import Conversation, read_chat_rows
from app.trainers.llm.encode import encode_conversation, length_stats
from app.trainers.llm.validate import ChatDataInvalid, require_valid, validate_chat
from app.trainers.splits import split_indices


@dataclass
class ChatSplits:
    """Conversations per split ("train", "validation", "test") and the validation report."""

    format: str
    parts: dict[str, list[Conversation]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    def rows(self) -> dict[str, int]:
        """Conversations per split."""
        return {name: len(items) for name, items in self.parts.items()}


def load_chat(ctx: TrainerContext) -> ChatSplits:
    """Read the dataset, refuse it when any row is bad (naming the rows), split it."""
    frame = pd.read_parquet(ctx.dataset_path)
    report = validate_chat(frame, ctx.columns)
    try:
        require_valid(report)
    except ChatDataInvalid as exc:
        raise TrainerError(exc.message, code=exc.code) from exc
    conversations = read_chat_rows(frame, ctx.columns).conversations
    if len(conversations) < 2:
        raise TrainerError("Fine-tuning needs at least 2 conversations.", code="too_few_rows")
    indices = split_indices(len(conversations), labels=None, seed=ctx.seed, ratios=ctx.split_ratios)
    parts = {name: [conversations[i] for i in idx] for name, idx in indices.items()}
    return ChatSplits(format=report["format"], parts=parts, report=report)


def tokenize_split(
    tokenizer: Any, conversations: list[Conversation], max_seq_length: int
) -> tuple[Any, dict[str, Any]]:
    """A `datasets.Dataset` of `input_ids` + `assistant_masks`, and the token-length stats."""
    from datasets import Dataset

    encoded = [encode_conversation(tokenizer, c) for c in conversations]
    stats = length_stats([len(e["input_ids"]) for e in encoded], max_seq_length)
    no_loss = sum(1 for e in encoded if 1 not in e["assistant_masks"][:max_seq_length])
    if no_loss == len(encoded):
        raise TrainerError(
            f"Every conversation's assistant turns start after max_seq_length "
            f"({max_seq_length}) tokens; raise max_seq_length.",
            code="max_seq_length_too_small",
        )
    stats["rows_without_loss"] = no_loss
    data = Dataset.from_dict(
        {
            "input_ids": [e["input_ids"] for e in encoded],
            "assistant_masks": [e["assistant_masks"] for e in encoded],
        }
    )
    return data, stats
