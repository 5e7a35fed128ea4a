"""Settings of the transformer fine-tune (served as JSON schema; the UI renders them)."""

from typing import ClassVar, Literal

from pydantic import Field

from app.trainers.base import ParamLabel, TrainerParams


class TransformerParams(TrainerParams):
    """Fine-tune a local encoder with a classification head (full or LoRA)."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "base_model": ParamLabel(
            "基础模型", "Base model", "MODEL_STORAGE_PATH/base/ 下基础模型的文件夹名。"
        ),
        "method": ParamLabel(
            "微调方式", "Method", "训练全部权重，或只训练低秩适配器（LoRA）和分类头。"
        ),
        "lora_r": ParamLabel("LoRA 秩", "LoRA rank", "LoRA 的秩。"),
        "lora_alpha": ParamLabel("LoRA 缩放系数", "LoRA alpha", "LoRA 的缩放系数（alpha）。"),
        "lora_dropout": ParamLabel("LoRA 丢弃率", "LoRA dropout", "LoRA 路径上的 dropout。"),
        "lora_target_modules": ParamLabel(
            "LoRA 目标模块",
            "LoRA target modules",
            "LoRA 包装的模块名（默认：peft 按模型类型选择）。",
        ),
        "learning_rate": ParamLabel("学习率", "Learning rate", "峰值学习率（AdamW）。"),
        "epochs": ParamLabel("训练轮数", "Epochs", "遍历训练集的次数。"),
        "batch_size": ParamLabel("批大小", "Batch size", "每次前向传播的文本数。"),
        "max_length": ParamLabel("最大长度", "Max length", "每条文本的 token 数（含特殊 token）。"),
        "truncation": ParamLabel(
            "截断方式", "Truncation", "长文本保留开头、结尾，或 ¼ 开头 + ¾ 结尾（首尾）。"
        ),
        "warmup_ratio": ParamLabel("预热比例", "Warmup ratio", "学习率预热步数占总步数的比例。"),
        "weight_decay": ParamLabel(
            "权重衰减", "Weight decay", "AdamW 权重衰减（不作用于偏置和归一化层）。"
        ),
        "gradient_accumulation_steps": ParamLabel(
            "梯度累积步数", "Gradient accumulation", "每次优化前累加的批数。"
        ),
        "max_grad_norm": ParamLabel("梯度裁剪", "Max grad norm", "梯度裁剪的范数（0：关闭）。"),
        "early_stopping_patience": ParamLabel(
            "早停耐心", "Early stopping patience", "验证集连续这么多轮无提升则停止（0：关闭）。"
        ),
        "class_weight": ParamLabel(
            "类别权重", "Class weight", "选「均衡」时提高少数类损失的权重。"
        ),
        "mixed_precision": ParamLabel(
            "混合精度",
            "Mixed precision",
            "GPU 上使用 bf16/fp16 自动混合精度（CPU 上始终为 fp32）。",
        ),
        "checkpoint_every_steps": ParamLabel(
            "检查点间隔步数",
            "Checkpoint every (steps)",
            "每 N 个优化步保存检查点（0：仅在每轮结束时）。",
        ),
        "checkpoint_limit": ParamLabel(
            "保留检查点数", "Checkpoints kept", "保留的最新检查点个数。"
        ),
        "export_onnx": ParamLabel(
            "导出 ONNX", "Export ONNX", "导出为 ONNX，并在 CPU 上用 ONNX Runtime 提供预测。"
        ),
        "onnx_int8": ParamLabel(
            "INT8 量化", "INT8 quantization", "同时将 ONNX 模型动态量化为 INT8 并用它提供预测。"
        ),
        "eval_batch_size": ParamLabel("评估批大小", "Eval batch size", "评分时每批的文本数。"),
        "multi_label": ParamLabel("多标签", "Multi-label", "每条文本可有多个标签。"),
        "label_separator": ParamLabel(
            "标签分隔符", "Label separator", "多标签：单元格内标签之间的分隔符。"
        ),
    }

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
