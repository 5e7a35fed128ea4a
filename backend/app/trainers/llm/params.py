"""Settings of supervised fine-tuning with LoRA (served as JSON schema; the UI renders them)."""

from typing import Literal

from pydantic import Field

from app.trainers.base import TrainerParams


class SFTParams(TrainerParams):
    """Fine-tune a local causal LM on chat data with LoRA adapters (loss on assistant turns)."""

    base_model: str = Field(
        "SmolLM2-135M-Instruct",
        description="Folder name of the base model under MODEL_STORAGE_PATH/base/.",
    )
    max_seq_length: int = Field(
        512, ge=16, le=32768, description="Tokens per conversation; longer ones are cut."
    )
    epochs: float = Field(1.0, gt=0, le=100, description="Passes over the training split.")
    max_steps: int = Field(
        0, ge=0, description="Stop after this many optimizer steps (0: run the epochs)."
    )
    batch_size: int = Field(4, ge=1, le=512, description="Conversations per forward pass.")
    gradient_accumulation_steps: int = Field(
        4, ge=1, le=512, description="Batches summed before each optimizer step."
    )
    learning_rate: float = Field(2e-4, gt=0, le=1, description="Peak learning rate (AdamW).")
    lr_scheduler: Literal["cosine", "linear", "constant_with_warmup"] = Field(
        "cosine", description="Learning-rate schedule after the warmup."
    )
    warmup_ratio: float = Field(0.05, ge=0, le=0.5, description="Share of steps warming up.")
    weight_decay: float = Field(0.0, ge=0, le=1, description="AdamW weight decay.")
    max_grad_norm: float = Field(1.0, ge=0, description="Gradient clipping norm (0: off).")
    lora_r: int = Field(16, ge=1, le=512, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, le=2048, description="LoRA scaling (alpha).")
    lora_dropout: float = Field(0.05, ge=0, lt=1, description="Dropout on the LoRA path.")
    lora_target_modules: list[str] | None = Field(
        None, description="Module names LoRA wraps (default: every linear layer but the output)."
    )
    packing: bool = Field(
        False, description="Pack several short conversations into one sequence (faster)."
    )
    gradient_checkpointing: bool = Field(
        False, description="Recompute activations in the backward pass: less memory, slower."
    )
    quantization: Literal["none", "4bit"] = Field(
        "none", description="QLoRA: load the base model in 4 bits (CUDA + bitsandbytes only)."
    )
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 on GPUs that support it, else fp16; fp32 on CPU."
    )
    eval_every_steps: int = Field(
        50, ge=0, description="Evaluate on the validation split every N steps (0: each epoch)."
    )
    logging_every_steps: int = Field(5, ge=1, description="Report the train loss every N steps.")
    checkpoint_every_steps: int = Field(50, ge=1, description="Checkpoint every N steps.")
    checkpoint_every_minutes: float = Field(
        5.0,
        gt=0,
        le=600,
        description="Also checkpoint when this many minutes passed since the last.",
    )
    checkpoint_limit: int = Field(2, ge=1, le=50, description="Checkpoints kept (newest).")
    eval_samples: int = Field(
        32, ge=0, le=1000, description="Held-out prompts answered after training (0: none)."
    )
    eval_max_new_tokens: int = Field(
        64, ge=1, le=4096, description="Tokens generated per held-out prompt (greedy)."
    )
    compare_base: bool = Field(
        True, description="Also answer the held-out prompts with the base model, side by side."
    )
