"""Chat previews and memory estimates of a fine-tuning run, before it is submitted."""

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.base_models.schemas import BaseModelRead
from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.datasets.service import load_frame
from app.db.models import Dataset
from app.finetune.schemas import (
    ChatPreview,
    ChatPreviewRequest,
    MemoryEstimateRead,
    MemoryEstimateRequest,
    RenderedRow,
)
from app.trainers.base import TrainerError
from app.trainers.llm.chat_data import MAX_PROBLEMS, ChatFormatError, ChatRows, read_chat_rows
from app.trainers.llm.encode import length_stats, render_with_spans
from app.trainers.llm.memory import advice, available_memory
from app.trainers.llm.params import SFTParams
from app.trainers.llm.trainer import memory_estimate
from app.trainers.llm.validate import NO_USABLE_ROWS, load_tokenizer
from app.trainers.text.transformer.base_model import list_base_models, resolve_base_model

# Token counts of the preview stop here: tokenizing stays bounded however large the dataset.
MEASURED_ROWS = 2000


@lru_cache(maxsize=4)
def _cached_tokenizer(folder: Path, stamp: int) -> tuple[Any, threading.Lock]:
    """A base model's tokenizer and the lock its users hold (loading one takes up to ~1.5 s)."""
    return load_tokenizer(folder), threading.Lock()


def _tokenizer(folder: Path) -> tuple[Any, threading.Lock]:
    """The tokenizer of this folder as it is now: a re-registered model is loaded again."""
    config = folder / "tokenizer_config.json"
    return _cached_tokenizer(folder, config.stat().st_mtime_ns if config.exists() else 0)


def _is_llm(model: BaseModelRead) -> bool:
    return model.kind == "llm" or any(a.endswith("ForCausalLM") for a in model.architectures)


def llm_base_models(settings: Settings) -> list[BaseModelRead]:
    """The base models a chat fine-tuning can start from (causal LMs), checked."""
    models = [
        BaseModelRead(**info.as_dict())
        for info in list_base_models(Path(settings.model_storage_path))
    ]
    return [model for model in models if _is_llm(model)]


def _base_folder(settings: Settings, name: str) -> Path:
    try:
        return resolve_base_model(Path(settings.model_storage_path), name)
    except TrainerError as exc:
        raise UnprocessableInput(
            exc.message, code=exc.code, details={"field": "base_model"}
        ) from exc


def _measure(
    tokenizer: Any, rows: ChatRows, request: ChatPreviewRequest
) -> tuple[list[int], list[RenderedRow]]:
    """Token counts of the first rows after the chat template, and the first few rendered."""
    lengths: list[int] = []
    rendered: list[RenderedRow] = []
    for number, conversation in zip(
        rows.row_numbers[:MEASURED_ROWS], rows.conversations[:MEASURED_ROWS], strict=True
    ):
        text, _spans = render_with_spans(tokenizer, conversation)
        count = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        lengths.append(count)
        if len(rendered) < request.rows:
            truncated = count > request.max_seq_length
            rendered.append(RenderedRow(row=number, text=text, tokens=count, truncated=truncated))
    return lengths, rendered


def chat_preview(settings: Settings, dataset: Dataset, request: ChatPreviewRequest) -> ChatPreview:
    """Detect the chat format, render the first rows through the base model's chat template."""
    base = _base_folder(settings, request.base_model)
    frame = load_frame(settings, dataset)
    try:
        rows = read_chat_rows(frame, request.columns)
    except ChatFormatError as exc:
        return ChatPreview(
            format=None,
            rows_total=len(frame),
            rows_usable=0,
            errors=[{"code": exc.code, "message": exc.message}],
            problems=[],
            rendered=[],
            rows_measured=0,
        )
    tokenizer, lock = _tokenizer(base)
    try:
        with lock:  # a fast tokenizer is not safe to share between threads mid-call
            lengths, rendered = _measure(tokenizer, rows, request)
    except TrainerError as exc:
        raise UnprocessableInput(exc.message, code=exc.code) from exc
    return ChatPreview(
        format=rows.format,
        rows_total=rows.rows_total,
        rows_usable=len(rows.conversations),
        errors=[] if rows.conversations else [NO_USABLE_ROWS],
        problems=[p.as_dict() for p in rows.problems[:MAX_PROBLEMS]],
        rendered=rendered,
        rows_measured=len(lengths),
        tokens=length_stats(lengths, request.max_seq_length) if lengths else None,
    )


def _params(request: MemoryEstimateRequest) -> SFTParams:
    try:
        return SFTParams.model_validate({**request.params, "base_model": request.base_model})
    except ValidationError as exc:
        raise UnprocessableInput(
            "Invalid params: "
            + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            code="invalid_params",
            details=exc.errors(include_url=False, include_context=False),
        ) from exc


def estimate(settings: Settings, request: MemoryEstimateRequest) -> MemoryEstimateRead:
    """Memory a run needs with these settings; on CPU, against what this server has free."""
    params = _params(request)
    result = memory_estimate(_base_folder(settings, request.base_model), params, request.device)
    available = available_memory() if request.device == "cpu" else None
    fits = None if available is None else result.total <= available
    parts: dict[str, Any] = result.as_dict()
    return MemoryEstimateRead(
        device=result.device,
        needed=result.total,
        available=available,
        fits=fits,
        weights=parts["weights"],
        lora=parts["lora"],
        activations=parts["activations"],
        logits=parts["logits"],
        overhead=parts["overhead"],
        lora_parameters=result.lora_parameters,
        lower=advice(result, params) if fits is not True else [],
    )
