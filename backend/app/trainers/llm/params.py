"""Settings of supervised fine-tuning with LoRA (served as JSON schema; the UI renders them)."""

from typing import ClassVar, Literal

from pydantic import Field

from app.trainers.base import ParamLabel, TrainerParams


class SFTParams(TrainerParams):
    """Fine-tune a local causal LM on chat data with LoRA adapters (loss on assistant turns)."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "base_model": ParamLabel(
            "基础模型", "Base model", "MODEL_STORAGE_PATH/base/ 下基础模型的文件夹名。"
        ),
        "max_seq_length": ParamLabel(
            "最大序列长度", "Max sequence length", "每段对话的词元数上限，超出部分被截断。"
        ),
        "epochs": ParamLabel("训练轮数", "Epochs", "遍历训练集的次数。"),
        "max_steps": ParamLabel("最大步数", "Max steps", "达到该优化步数后停止（0 表示按轮数）。"),
        "batch_size": ParamLabel("批大小", "Batch size", "每次前向计算的对话数。"),
        "gradient_accumulation_steps": ParamLabel(
            "梯度累积步数", "Gradient accumulation", "每次优化前累积的批数。"
        ),
        "learning_rate": ParamLabel("学习率", "Learning rate", "峰值学习率（AdamW）。"),
        "lr_scheduler": ParamLabel("学习率调度", "LR schedule", "预热之后的学习率变化方式。"),
        "warmup_ratio": ParamLabel("预热比例", "Warmup ratio", "用于预热的步数占比。"),
        "weight_decay": ParamLabel("权重衰减", "Weight decay", "AdamW 的权重衰减。"),
        "max_grad_norm": ParamLabel(
            "梯度裁剪", "Max grad norm", "梯度裁剪的范数上限（0 表示关闭）。"
        ),
        "lora_r": ParamLabel("LoRA 秩", "LoRA rank", "LoRA 低秩矩阵的秩。"),
        "lora_alpha": ParamLabel("LoRA 缩放系数", "LoRA alpha", "LoRA 的缩放系数。"),
        "lora_dropout": ParamLabel("LoRA 丢弃率", "LoRA dropout", "LoRA 支路上的 dropout。"),
        "lora_target_modules": ParamLabel(
            "LoRA 目标模块",
            "LoRA target modules",
            "LoRA 包装的模块名（默认：除输出层外的所有线性层）。",
        ),
        "packing": ParamLabel("序列打包", "Packing", "把多段短对话拼成一个序列（更快）。"),
        "gradient_checkpointing": ParamLabel(
            "梯度检查点", "Gradient checkpointing", "反向传播时重算激活：省内存，较慢。"
        ),
        "quantization": ParamLabel(
            "量化（QLoRA）",
            "Quantization (QLoRA)",
            "以 4 位加载基础模型（仅限 CUDA + bitsandbytes）。",
        ),
        "precision": ParamLabel(
            "精度", "Precision", "auto：支持的 GPU 用 bf16，否则 fp16；CPU 上用 fp32。"
        ),
        "eval_every_steps": ParamLabel(
            "评估间隔步数", "Eval every N steps", "每 N 步在验证集上评估一次（0 表示每轮）。"
        ),
        "logging_every_steps": ParamLabel(
            "日志间隔步数", "Log every N steps", "每 N 步报告一次训练损失。"
        ),
        "checkpoint_every_steps": ParamLabel(
            "检查点间隔步数", "Checkpoint every N steps", "每 N 步保存一次检查点。"
        ),
        "checkpoint_every_minutes": ParamLabel(
            "检查点间隔分钟", "Checkpoint every N minutes", "距上次检查点超过该分钟数时也保存。"
        ),
        "checkpoint_limit": ParamLabel(
            "保留检查点数", "Checkpoints kept", "保留最新的检查点个数。"
        ),
        "eval_samples": ParamLabel(
            "评估样本数", "Eval samples", "训练后回答的留出提示数（0 表示不评估）。"
        ),
        "eval_max_new_tokens": ParamLabel(
            "评估生成词元数", "Eval max new tokens", "每个留出提示生成的词元数上限（贪心）。"
        ),
        "compare_base": ParamLabel(
            "与基础模型对比", "Compare with base", "同时用基础模型回答留出提示，并排展示。"
        ),
    }

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
