"""Settings of the transformer fine-tune (served as JSON schema; the UI renders them)."""

from typing import Literal

from pydantic import Field

from app.trainers.base import TrainerParams


class TransformerParams(TrainerParams):
    """Fine-tune a local encoder with a classification head (full or LoRA)."""

    base_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Folder name of the base model under MODEL_STORAGE_PATH/base/.",
    )
    method: Literal["full", "lora"] = Field(
        "full", description="Train every weight, or low-rank adapters (LoRA) plus the head."
    )
    lora_r: int = Field(8, ge=1, le=256, description="LoRA rank.")
    lora_alpha: int = Field(16, ge=1, le=1024, description="LoRA scaling (alpha).")
    lora_dropout: float = Field(0.1, ge=0, lt=1, description="Dropout on the LoRA path.")
    lora_target_modules: list[str] | None = Field(
        None, description="Module names LoRA wraps (default: peft's choice for the model type)."
    )
    learning_rate: float = Field(5e-5, gt=0, le=1, description="Peak learning rate (AdamW).")
    epochs: int = Field(3, ge=1, le=100, description="Passes over the training split.")
    batch_size: int = Field(16, ge=1, le=1024, description="Texts per forward pass.")
    max_length: int = Field(
        128, ge=8, le=8192, description="Tokens per text, special tokens included."
    )
    truncation: Literal["head", "tail", "head_tail"] = Field(
        "head_tail",
        description="Long texts keep their head, their end, or ¼ head + ¾ end (head_tail).",
    )
    warmup_ratio: float = Field(0.1, ge=0, le=0.5, description="Share of steps warming up the LR.")
    weight_decay: float = Field(
        0.01, ge=0, le=1, description="AdamW weight decay (not on biases/norms)."
    )
    gradient_accumulation_steps: int = Field(
        1, ge=1, le=256, description="Batches summed before each optimizer step."
    )
    max_grad_norm: float = Field(1.0, ge=0, description="Gradient clipping norm (0: off).")
    early_stopping_patience: int = Field(
        2, ge=0, le=100, description="Stop after this many epochs without validation gain (0: off)."
    )
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="'balanced' weights the loss of rare classes up."
    )
    mixed_precision: bool = Field(
        True, description="bf16/fp16 autocast on a GPU (CPU: always fp32)."
    )
    checkpoint_every_steps: int = Field(
        200, ge=0, description="Checkpoint every N optimizer steps (0: only at epoch end)."
    )
    checkpoint_limit: int = Field(2, ge=1, le=50, description="Checkpoints kept (newest).")
    export_onnx: bool = Field(
        True, description="Export to ONNX and serve with ONNX Runtime on CPU."
    )
    onnx_int8: bool = Field(
        False, description="Also quantize the ONNX model to INT8 (dynamic) and serve that."
    )
    eval_batch_size: int = Field(64, ge=1, le=4096, description="Texts per batch when scoring.")
    multi_label: bool = Field(False, description="Each text may carry several labels.")
    label_separator: str = Field(
        ",", min_length=1, max_length=5, description="Multi-label: separator inside a cell."
    )
