"""After training: greedy answers to held-out prompts, scored, with a stop check and samples.

Short-label answers (every reference ≤ 32 characters and ≤ 4 words) are scored by exact match
(accuracy, after trimming and case folding); longer ones by ROUGE-L F1 and corpus BLEU. Text with
Chinese characters is segmented into words with jieba before ROUGE/BLEU (the report says so);
other text is split on whitespace. The stop check is the share of answers that end with the
end-of-sequence token within the token limit.
"""

from __future__ import annotations

import re
from typing import Any

from app.trainers.llm.chat_data import Conversation
from app.trainers.llm.encode import prompt_ids

STOP_WARN_BELOW = 0.95
SAMPLES = 5
GENERATION_BATCH = 8
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TRIM = " \t\n\r.。!！?？,，:：;；\"'“”"


def eos_ids(model: Any, tokenizer: Any) -> list[int]:
    """Every id that ends an answer: the tokenizer's EOS and the generation config's."""
    ids = {int(tokenizer.eos_token_id)} if tokenizer.eos_token_id is not None else set()
    configured = model.generation_config.eos_token_id
    if configured is not None:
        ids |= {int(i) for i in (configured if isinstance(configured, list) else [configured])}
    return sorted(ids)


def generate(
    model: Any, tokenizer: Any, conversations: list[Conversation], max_new_tokens: int
) -> list[tuple[str, bool]]:
    """Greedy answers and whether each ended with EOS within `max_new_tokens`."""
    import torch

    stops = eos_ids(model, tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stops[0]
    device = next(model.parameters()).device
    out: list[tuple[str, bool]] = []
    model.eval()
    for start in range(0, len(conversations), GENERATION_BATCH):
        prompts = [
            prompt_ids(tokenizer, c) for c in conversations[start : start + GENERATION_BATCH]
        ]
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
        with torch.no_grad():
            generated = model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=stops,
                pad_token_id=pad,
            )
        for row in generated[:, width:].tolist():
            ended = next((i for i, token in enumerate(row) if token in stops), None)
            answer = row if ended is None else row[:ended]
            out.append((tokenizer.decode(answer, skip_special_tokens=True), ended is not None))
    return out


def is_label_task(references: list[str]) -> bool:
    """True when every reference answer is a short label."""
    return all(len(r.strip()) <= 32 and len(r.split()) <= 4 for r in references)


def _normalise(text: str) -> str:
    return text.strip(TRIM).casefold()


def _words(text: str, chinese: bool) -> list[str]:
    if chinese:
        import jieba

        return [w for w in jieba.lcut(text) if w.strip()]
    return text.lower().split()


def score(references: list[str], answers: list[str], *, labels: bool) -> dict[str, float]:
    """Accuracy for labels; ROUGE-L F1 and BLEU (0–100) for longer text."""
    if labels:
        hits = sum(_normalise(a) == _normalise(r) for a, r in zip(answers, references, strict=True))
        return {"accuracy": hits / len(references)}
    import sacrebleu
    from rouge_score import rouge_scorer

    chinese = any(CJK.search(r) for r in references)

    class Words:
        def tokenize(self, text: str) -> list[str]:
            return _words(text, chinese)

    scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=Words())
    rouge = [
        scorer.score(r, a)["rougeL"].fmeasure for r, a in zip(references, answers, strict=True)
    ]
    joined = [" ".join(_words(a, chinese)) for a in answers]
    refs = [" ".join(_words(r, chinese)) for r in references]
    bleu = sacrebleu.corpus_bleu(joined, [refs], tokenize="none").score
    return {"rouge_l": sum(rouge) / len(rouge), "bleu": float(bleu)}


def evaluate_generation(
    model: Any, tokenizer: Any, held_out: list[Conversation], max_new_tokens: int, compare: bool
) -> dict[str, Any]:
    """Answers of the tuned (and base) model on held-out prompts, scored; samples side by side."""
    references = [c[-1]["content"] for c in held_out]
    labels = is_label_task(references)
    tuned = generate(model, tokenizer, held_out, max_new_tokens)
    result: dict[str, Any] = {
        "prompts": len(held_out),
        "max_new_tokens": max_new_tokens,
        "scoring": "exact_match" if labels else "rouge_l_bleu",
        "segmentation": None,
        "tuned": _summary(references, tuned, labels),
    }
    if not labels:
        chinese = any(CJK.search(r) for r in references)
        result["segmentation"] = "jieba (Chinese words)" if chinese else "whitespace"
    base = None
    if compare:
        with model.disable_adapter():
            base = generate(model, tokenizer, held_out, max_new_tokens)
        result["base"] = _summary(references, base, labels)
    stop_rate = result["tuned"]["stop_rate"]
    result["stop_check"] = {
        "rate": stop_rate,
        "ok": stop_rate >= STOP_WARN_BELOW,
        "warning": None
        if stop_rate >= STOP_WARN_BELOW
        else f"Only {stop_rate:.0%} of the answers ended within {max_new_tokens} tokens "
        f"(below {STOP_WARN_BELOW:.0%}): the model may not stop generating.",
    }
    result["samples"] = [
        {
            "prompt": c[-2]["content"],
            "reference": references[i],
            "tuned": tuned[i][0],
            **({"base": base[i][0]} if base is not None else {}),
        }
        for i, c in enumerate(held_out[:SAMPLES])
    ]
    return result


def _summary(
    references: list[str], answers: list[tuple[str, bool]], labels: bool
) -> dict[str, Any]:
    texts = [a for a, _ in answers]
    stop_rate = sum(ended for _, ended in answers) / len(answers)
    return {**score(references, texts, labels=labels), "stop_rate": stop_rate}
