"""One chat completion on a loaded model, streamed through transformers' TextIteratorStreamer."""

import secrets
import threading
from collections.abc import Callable
from typing import Any

from app.serving.worker.models import LoadedModel
from app.serving.worker.protocol import ServingError
from app.serving.worker.text import StopFilter

Emit = Callable[[dict[str, Any]], None]


def _content(message: dict[str, Any]) -> str:
    """A message's text (OpenAI allows a list of text parts)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return content or ""


def _prompt_ids(loaded: LoadedModel, messages: list[dict[str, Any]]) -> Any:
    """The conversation rendered by the model's chat template, as input ids."""
    conversation = [{"role": m["role"], "content": _content(m)} for m in messages]
    encoded = loaded.tokenizer.apply_chat_template(
        conversation, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    return encoded["input_ids"].to(loaded.model.device)


def _sampling_processors(params: dict[str, Any], device: Any) -> list[Any]:
    """Temperature, top-p and a sampler with its own random generator (greedy at temperature 0).

    Sampling draws from a generator owned by the request, not torch's global one: generations
    run side by side in threads, and a shared generator would make a seeded answer depend on
    what else is running.
    """
    import torch
    from transformers import LogitsProcessor, TemperatureLogitsWarper, TopPLogitsWarper

    temperature = params.get("temperature")
    temperature = 1.0 if temperature is None else float(temperature)
    if temperature == 0.0:
        return []
    seed = params.get("seed")
    generator = torch.Generator(device=device)
    generator.manual_seed(secrets.randbits(63) if seed is None else int(seed))

    class SeededSampler(LogitsProcessor):
        """Draws the next token and leaves only it possible (generation then takes it)."""

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            probs = torch.softmax(scores.float(), dim=-1)
            chosen = torch.multinomial(probs, 1, generator=generator)
            only = torch.full_like(scores, float("-inf"))
            return only.scatter_(1, chosen, 0.0)

    processors: list[Any] = [TemperatureLogitsWarper(temperature)]
    top_p = params.get("top_p")
    if top_p is not None and float(top_p) < 1.0:
        processors.append(TopPLogitsWarper(float(top_p)))
    processors.append(SeededSampler())
    return processors


def _max_new_tokens(loaded: LoadedModel, prompt_length: int, requested: int | None) -> int:
    """The requested token budget, bounded by what is left of the model's context."""
    room = loaded.max_seq_length - prompt_length
    if room <= 0:
        raise ServingError(
            400,
            "context_length_exceeded",
            f"The messages take {prompt_length} tokens; this model's context is "
            f"{loaded.max_seq_length} tokens. Shorten the conversation.",
        )
    return room if requested is None else min(int(requested), room)


def _generate_kwargs(
    loaded: LoadedModel, params: dict[str, Any], budget: int, cancelled: threading.Event
) -> dict[str, Any]:
    """`generate` arguments: the budget, stop tokens and strings, sampling, cancellation."""
    import torch
    from transformers import (
        GenerationConfig,
        LogitsProcessorList,
        StoppingCriteria,
        StoppingCriteriaList,
    )

    class Cancelled(StoppingCriteria):
        """Ends generation when the caller went away."""

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), cancelled.is_set(), dtype=torch.bool)

    pad = loaded.tokenizer.pad_token_id
    config = GenerationConfig(
        max_new_tokens=budget,
        do_sample=False,
        eos_token_id=loaded.eos_token_ids,
        pad_token_id=pad if pad is not None else loaded.eos_token_ids[0],
        stop_strings=list(params.get("stop") or []) or None,
    )
    return {
        "generation_config": config,
        "logits_processor": LogitsProcessorList(_sampling_processors(params, loaded.model.device)),
        "stopping_criteria": StoppingCriteriaList([Cancelled()]),
        "tokenizer": loaded.tokenizer,
    }


def run_generation(
    loaded: LoadedModel,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    cancelled: threading.Event,
    emit: Emit,
) -> dict[str, Any]:
    """Generate, emitting text deltas; returns finish reason and token counts."""
    import torch
    from transformers import TextIteratorStreamer

    input_ids = _prompt_ids(loaded, messages)
    prompt_length = int(input_ids.shape[1])
    budget = _max_new_tokens(loaded, prompt_length, params.get("max_tokens"))
    kwargs = _generate_kwargs(loaded, params, budget, cancelled)
    streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True, skip_special_tokens=True)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            with torch.inference_mode():
                outcome["ids"] = loaded.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    streamer=streamer,
                    **kwargs,
                )
        except Exception as exc:  # reported to the caller; the worker stays up
            outcome["error"] = exc
            streamer.end()

    thread = threading.Thread(target=work, name="generate", daemon=True)
    thread.start()
    stop_filter = StopFilter(list(params.get("stop") or []))
    for piece in streamer:
        if text := stop_filter.feed(piece):
            emit({"type": "delta", "text": text})
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    if tail := stop_filter.flush():
        emit({"type": "delta", "text": tail})
    generated = outcome["ids"][0, prompt_length:].tolist()
    # Shorter than the budget: EOS, a stop string or a cancellation ended it.
    ended = len(generated) < budget or (generated and generated[-1] in loaded.eos_token_ids)
    finish = "stop" if stop_filter.stopped or ended else "length"
    return {
        "finish_reason": finish,
        "prompt_tokens": prompt_length,
        "completion_tokens": len(generated),
    }
