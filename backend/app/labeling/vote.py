"""Majority vote across teachers: agreement and confidence per row."""

import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Vote:
    """One teacher's answer for a row: a value or an error."""

    teacher: str
    value: Any = None
    error: dict[str, str] | None = None
    mean_logprob: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON form."""
        return {"teacher": self.teacher, "value": self.value, "error": self.error}


@dataclass(frozen=True)
class Verdict:
    """The row's output with agreement and confidence (None when no teacher answered)."""

    output: Any
    agreement: float | None
    confidence: float | None
    error: dict[str, str] | None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def decide(votes: list[Vote], *, majority: bool) -> Verdict:
    """The most common answer (ties: the earliest teacher); confidence from logprobs if any.

    Confidence is the vote share, times the winners' mean token probability when the
    providers returned logprobs. Without a vote (free text) the first answer is kept.
    """
    valid = [v for v in votes if v.error is None]
    if not valid:
        return Verdict(None, None, None, votes[0].error if votes else None)
    if not majority:
        first = valid[0]
        prob = math.exp(first.mean_logprob) if first.mean_logprob is not None else None
        return Verdict(first.value, None, prob, None)
    counts = Counter(_key(v.value) for v in valid)
    best = max(counts.values())
    winner_key = next(_key(v.value) for v in valid if counts[_key(v.value)] == best)
    winners = [v for v in valid if _key(v.value) == winner_key]
    share = len(winners) / len(valid)
    probs = [math.exp(v.mean_logprob) for v in winners if v.mean_logprob is not None]
    confidence = share * (sum(probs) / len(probs)) if probs else share
    return Verdict(winners[0].value, share, confidence, None)
