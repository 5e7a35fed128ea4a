"""Memory needed to fine-tune a causal LM with LoRA, estimated before start (pure: no torch).

The estimate adds the frozen weights (fp32 on CPU, 2 bytes in bf16/fp16, ~0.56 in 4 bits),
the LoRA weights with their gradients and AdamW state (16 bytes per trainable parameter),
the activations kept for the backward pass (per token and layer; with gradient checkpointing
only each layer's input plus one layer's worth; with LoRA dropout each adapted linear layer
also keeps a dropped-out copy of its input and the dropout mask, fp32 on CPU: measured on
SmolLM2-135M that is half of what a layer keeps), the logits over the vocabulary (fp32, with
their gradient) and a fixed runtime overhead. `check_memory` refuses with a message saying
what to lower.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.trainers.base import TrainerError
from app.trainers.llm.params import SFTParams

GIB = 1024**3
RUNTIME_OVERHEAD = int(0.6 * GIB)
LINEARS_PER_LAYER = 7  # q, k, v, o, gate, up, down


@dataclass
class ModelShape:
    """What the estimate needs from a base model's config.json and weights."""

    parameters: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    vocab_size: int
    kv_size: int

    @classmethod
    def from_folder(cls, folder: Path, parameters: int) -> ModelShape:
        """Read config.json (the parameter count comes from the safetensors headers)."""
        config: dict[str, Any] = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        hidden = int(config.get("hidden_size") or 0)
        heads = int(config.get("num_attention_heads") or 1)
        head_dim = int(config.get("head_dim") or hidden // heads)
        kv_heads = int(config.get("num_key_value_heads") or heads)
        return cls(
            parameters=parameters,
            hidden_size=hidden,
            intermediate_size=int(config.get("intermediate_size") or 4 * hidden),
            num_layers=int(config.get("num_hidden_layers") or 0),
            vocab_size=int(config.get("vocab_size") or 0),
            kv_size=kv_heads * head_dim,
        )


@dataclass
class MemoryEstimate:
    """Bytes by part and in total."""

    weights: int
    lora: int
    activations: int
    logits: int
    overhead: int
    total: int
    lora_parameters: int
    device: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (bytes)."""
        return asdict(self)


def lora_parameters(shape: ModelShape, rank: int) -> int:
    """Trainable parameters of rank-`rank` adapters on every linear layer of every block."""
    h, i, kv = shape.hidden_size, shape.intermediate_size, shape.kv_size
    per_layer = (h + h) + 2 * (h + kv) + (h + h) + 2 * (h + i) + (i + h)
    return rank * per_layer * shape.num_layers


def weight_bytes(device: str, precision: str, quantization: str) -> float:
    """Bytes per frozen weight."""
    if quantization == "4bit":
        return 0.56
    if device == "cpu" or precision == "fp32":
        return 4.0
    return 2.0


def estimate_memory(shape: ModelShape, p: SFTParams, device: str = "cpu") -> MemoryEstimate:
    """The memory a run with these settings needs on `device` ("cpu" or "cuda")."""
    per_weight = weight_bytes(device, p.precision, p.quantization)
    act_bytes = 4 if per_weight == 4.0 else 2
    tokens = p.batch_size * p.max_seq_length
    h, i = shape.hidden_size, shape.intermediate_size
    per_token_layer = (10 * h + 3 * i) * act_bytes + 2 * h * act_bytes
    if p.lora_dropout > 0:
        # q, k, v, o, gate and up read `h` values per token, down reads `i`.
        mask_bytes = 4 if device == "cpu" else 1
        per_token_layer += (6 * h + i) * (act_bytes + mask_bytes)
    if p.gradient_checkpointing:
        activations = tokens * (h * act_bytes * shape.num_layers + per_token_layer)
    else:
        activations = tokens * per_token_layer * shape.num_layers
    trainable = lora_parameters(shape, p.lora_r)
    weights = int(shape.parameters * per_weight)
    lora = trainable * 16
    logits = tokens * shape.vocab_size * 4 * 3
    total = weights + lora + activations + logits + RUNTIME_OVERHEAD
    return MemoryEstimate(
        weights=weights,
        lora=lora,
        activations=int(activations),
        logits=logits,
        overhead=RUNTIME_OVERHEAD,
        total=int(total),
        lora_parameters=trainable,
        device=device,
    )


def available_memory() -> int:
    """Bytes this process may still use: free RAM, capped by a cgroup limit."""
    import psutil

    free = int(psutil.virtual_memory().available)
    limit_file = Path("/sys/fs/cgroup/memory.max")
    usage_file = Path("/sys/fs/cgroup/memory.current")
    try:
        limit = limit_file.read_text().strip()
        if limit != "max":
            free = min(free, int(limit) - int(usage_file.read_text().strip()))
    except (OSError, ValueError):
        pass
    return free


def advice(estimate: MemoryEstimate, p: SFTParams) -> list[str]:
    """What to change to need less memory: setting names, or `base_model` for a smaller one."""
    tips = []
    if estimate.activations + estimate.logits > estimate.weights:
        tips += ["batch_size", "max_seq_length"]
        if not p.gradient_checkpointing:
            tips.append("gradient_checkpointing")
    else:
        tips.append("base_model")
        if estimate.device == "cuda" and p.quantization == "none":
            tips.append("quantization")
    if estimate.lora > estimate.weights // 10:
        tips.append("lora_r")
    return tips


_ADVICE_TEXT = {
    "batch_size": "batch_size (now {p.batch_size})",
    "max_seq_length": "max_seq_length (now {p.max_seq_length})",
    "gradient_checkpointing": "turn on gradient_checkpointing",
    "base_model": "choose a smaller base model",
    "quantization": "use quantization 4bit (QLoRA)",
    "lora_r": "lora_r (now {p.lora_r})",
}


def _advice(estimate: MemoryEstimate, p: SFTParams) -> str:
    tips = [_ADVICE_TEXT[tip].format(p=p) for tip in advice(estimate, p)]
    return "lower " + ", ".join(tips) if tips else "free memory on the worker"


def check_memory(estimate: MemoryEstimate, p: SFTParams, available: int | None = None) -> None:
    """Raise TrainerError `insufficient_memory` when the estimate exceeds what is available."""
    free = available_memory() if available is None else available
    if estimate.total <= free:
        return
    raise TrainerError(
        f"Fine-tuning needs about {estimate.total / GIB:.1f} GiB on {estimate.device} but "
        f"{max(free, 0) / GIB:.1f} GiB is available (weights {estimate.weights / GIB:.1f}, "
        f"activations {estimate.activations / GIB:.1f}, logits {estimate.logits / GIB:.1f}, "
        f"LoRA + optimizer {estimate.lora / GIB:.2f} GiB); {_advice(estimate, p)}.",
        code="insufficient_memory",
    )


def cpu_threads() -> int:
    """The cores this worker may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
