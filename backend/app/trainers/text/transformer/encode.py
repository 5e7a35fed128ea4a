"""Tokenization with the documented truncation policy, and padded batches.

Policy (docs/text-classification.md): texts longer than `max_length` tokens (special tokens
included) keep their head (`head`), their end (`tail`), or the first quarter of the budget
from the head and the rest from the end (`head_tail`, Sun et al. 2019). Before tokenizing,
texts past 16 characters per token of budget are cut to that many characters by the same
policy, so a huge input never costs more than a bounded tokenization.
"""

from typing import Any, Literal

import numpy as np

Truncation = Literal["head", "tail", "head_tail"]
CHARS_PER_TOKEN = 16
HEAD_SHARE = 0.25


def _cut(items: Any, budget: int, policy: Truncation) -> Any:
    if len(items) <= budget:
        return items
    if policy == "head":
        return items[:budget]
    if policy == "tail":
        return items[len(items) - budget :]
    head = max(1, int(budget * HEAD_SHARE)) if budget > 1 else budget
    tail = budget - head
    return items[:head] + (items[len(items) - tail :] if tail else items[:0])


def special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single text ([CLS] … [SEP] for BERT)."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a", add_special_tokens=True)["input_ids"]
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return list(full[:start]), list(full[start + len(plain) :])
    raise ValueError("cannot locate the text between the tokenizer's special tokens")


def encode_texts(
    tokenizer: Any, texts: list[str], max_length: int, policy: Truncation
) -> list[list[int]]:
    """Token ids per text, special tokens added, truncated by the policy."""
    if not texts:
        return []
    prefix, suffix = special_tokens(tokenizer)
    budget = max_length - len(prefix) - len(suffix)
    if budget < 1:
        raise ValueError(f"max_length {max_length} leaves no room for text")
    clipped = [_cut(t, budget * CHARS_PER_TOKEN, policy) for t in texts]
    ids = tokenizer(clipped, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]
    return [prefix + list(_cut(row, budget, policy)) + suffix for row in ids]


def pad_batch(rows: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays padded to the longest row."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def batches(rows: list[list[int]], size: int, pad_id: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Consecutive padded batches (serving and evaluation order = input order)."""
    return [pad_batch(rows[i : i + size], pad_id) for i in range(0, len(rows), size)]
