"""Render conversations through the base model's chat template and mark the assistant tokens.

The loss is taken on assistant tokens only. The template is rendered for each prefix of the
conversation: the text an assistant turn adds after the generation prompt is that turn's span
(its content and end-of-turn marker). The whole text is tokenized once with character offsets,
and a token is an assistant token when it starts inside a span. This works for any template
that renders a conversation's prefixes as prefixes of its text (ChatML, Llama 3, Gemma, …).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.trainers.base import TrainerError
from app.trainers.llm.chat_data import Conversation


def _render(tokenizer: Any, messages: Conversation, *, prompt: bool) -> str:
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=prompt)
    return str(text)


def render_with_spans(
    tokenizer: Any, conversation: Conversation
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant turns."""
    full = _render(tokenizer, conversation, prompt=False)
    spans = []
    for i, message in enumerate(conversation):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, conversation[:i], prompt=True)
        upto = _render(tokenizer, conversation[: i + 1], prompt=False)
        if not (upto.startswith(before) and full.startswith(upto)):
            raise TrainerError(
                "The base model's chat template does not render a conversation's turns as "
                "prefixes of each other, so the assistant tokens cannot be found.",
                code="chat_template_unsupported",
            )
        spans.append((len(before), len(upto)))
    return full, spans


def encode_conversation(tokenizer: Any, conversation: Conversation) -> dict[str, list[int]]:
    """`input_ids` and `assistant_masks` (1 on tokens the loss is taken on)."""
    text, spans = render_with_spans(tokenizer, conversation)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    starts = np.array([start for start, _ in encoded["offset_mapping"]], dtype=np.int64)
    mask = np.zeros(len(starts), dtype=np.int64)
    for begin, end in spans:
        mask |= (starts >= begin) & (starts < end)
    return {"input_ids": list(encoded["input_ids"]), "assistant_masks": mask.tolist()}


def prompt_ids(tokenizer: Any, conversation: Conversation) -> list[int]:
    """The tokens of a conversation up to its last assistant turn, with the generation prompt."""
    history = conversation[:-1] if conversation[-1]["role"] == "assistant" else conversation
    text = _render(tokenizer, history, prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def length_stats(lengths: list[int], max_seq_length: int | None) -> dict[str, Any]:
    """Token-length statistics and how many rows `max_seq_length` would truncate."""
    if not lengths:
        return {"rows": 0}
    values = np.asarray(lengths)
    stats: dict[str, Any] = {
        "rows": len(lengths),
        "min": int(values.min()),
        "mean": round(float(values.mean()), 1),
        "p50": int(np.percentile(values, 50, method="nearest")),
        "p90": int(np.percentile(values, 90, method="nearest")),
        "p99": int(np.percentile(values, 99, method="nearest")),
        "max": int(values.max()),
        "total": int(values.sum()),
    }
    if max_seq_length is not None:
        stats["max_seq_length"] = max_seq_length
        stats["truncated_rows"] = int((values > max_seq_length).sum())
    return stats
