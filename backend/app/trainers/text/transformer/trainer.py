"""The transformer trainer: tokenize, fine-tune (resumable), evaluate, save, export to ONNX."""

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.trainers.base import Predictor, Trainer, TrainerContext, TrainerParams, TrainResult
from app.trainers.text.data import TEXT_META_FILE, TextData, class_weights, load_text
from app.trainers.text.metrics import evaluate
from app.trainers.text.transformer.base_model import resolve_base_model
from app.trainers.text.transformer.checkpoints import BEST, Checkpoints, LoopState
from app.trainers.text.transformer.encode import encode_texts
from app.trainers.text.transformer.export import export_and_check
from app.trainers.text.transformer.loop import Loop, LoopConfig, TrainSet
from app.trainers.text.transformer.params import TransformerParams
from app.trainers.text.transformer.predictor import MODEL_DIR, TransformerPredictor, offline
from app.trainers.text.transformer.runtime import torch_probabilities

UNKNOWN_WARNING_SHARE = 0.3


def build_model(base: Path, data: TextData, p: TransformerParams, seed: int) -> Any:
    """The base encoder with a fresh classification head (seeded), LoRA-wrapped if asked."""
    import torch
    from transformers import AutoModelForSequenceClassification

    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base),
        num_labels=len(data.classes),
        id2label=dict(enumerate(data.classes)),
        label2id={c: i for i, c in enumerate(data.classes)},
        problem_type="multi_label_classification" if p.multi_label else None,
        local_files_only=True,
        use_safetensors=True,
        ignore_mismatched_sizes=True,
    )
    if p.method == "lora":
        from peft import LoraConfig, TaskType, get_peft_model

        config = LoraConfig(
            task_type=TaskType.SEQ_CLS,
            r=p.lora_r,
            lora_alpha=p.lora_alpha,
            lora_dropout=p.lora_dropout,
            target_modules=p.lora_target_modules,
        )
        model = get_peft_model(model, config)
    return model


def _config(p: TransformerParams, seed: int) -> LoopConfig:
    return LoopConfig(
        epochs=p.epochs,
        batch_size=p.batch_size,
        accumulation=p.gradient_accumulation_steps,
        learning_rate=p.learning_rate,
        weight_decay=p.weight_decay,
        warmup_ratio=p.warmup_ratio,
        max_grad_norm=p.max_grad_norm,
        patience=p.early_stopping_patience,
        checkpoint_every=p.checkpoint_every_steps,
        multi_label=p.multi_label,
        mixed_precision=p.mixed_precision,
        seed=seed,
    )


def _max_length(ctx: TrainerContext, tokenizer: Any, model: Any, wanted: int) -> int:
    limit = getattr(model.config, "max_position_embeddings", None) or wanted
    if wanted > limit:
        ctx.log(f"max_length {wanted} exceeds the model's {limit}; using {limit}", level="warning")
        return int(limit)
    return wanted


def _save_model(model: Any, tokenizer: Any, folder: Path, p: TransformerParams) -> Any:
    """Save the (LoRA-merged) model and the tokenizer; return the plain model."""
    if p.method == "lora":
        model = model.merge_and_unload()
    model = model.to("cpu").eval()
    model.save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))
    return model


class FineTune:
    """One training run, in three steps: prepare (data, tokenizer, model), fit, finish."""

    def __init__(self, ctx: TrainerContext) -> None:
        import torch

        self.ctx = ctx
        self.p: TransformerParams = ctx.params  # type: ignore[assignment]
        self.base = resolve_base_model(ctx.model_storage_path, self.p.base_model)
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def prepare(self) -> None:
        """Load and split the data, tokenize it, build the model."""
        from transformers import AutoTokenizer

        ctx, p = self.ctx, self.p
        ctx.report_progress(0.0, message="loading data")
        self.data = load_text(ctx, multi_label=p.multi_label, separator=p.label_separator)
        ctx.log(
            f"rows {self.data.rows()}; dropped empty {self.data.dropped_rows}, "
            f"duplicates {self.data.duplicate_rows}"
        )
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.base), local_files_only=True)
        self.model = build_model(self.base, self.data, p, ctx.seed).to(self.device)
        self.max_length = _max_length(ctx, self.tokenizer, self.model, p.max_length)
        self.rows = {
            split: encode_texts(self.tokenizer, texts, self.max_length, p.truncation)
            for split, texts in self.data.texts.items()
        }
        self.pad_id = int(self.tokenizer.pad_token_id or 0)
        self._warn_unknown_tokens()

    def _warn_unknown_tokens(self) -> None:
        """Log when much of the training text is unknown to the base model's vocabulary."""
        unknown = self.tokenizer.unk_token_id
        total = sum(len(row) for row in self.rows["train"])
        if unknown is None or not total:
            return
        share = sum(row.count(unknown) for row in self.rows["train"]) / total
        if share >= UNKNOWN_WARNING_SHARE:
            self.ctx.log(
                f"{share:.0%} of the training tokens are unknown to base model "
                f"'{self.p.base_model}': its vocabulary does not cover this text's language. "
                "Choose a base model made for it (or the TF-IDF trainer).",
                level="warning",
            )

    def probabilities(self, model: Any, split: str) -> np.ndarray:
        """PyTorch probabilities on one split."""
        return torch_probabilities(
            model,
            self.rows[split],
            pad_id=self.pad_id,
            batch_size=self.p.eval_batch_size,
            multi_label=self.p.multi_label,
        )

    def _validation_scores(self, model: Any) -> dict[str, float]:
        if not self.rows["validation"]:
            return {}
        data = self.data
        proba = self.probabilities(model, "validation")
        return evaluate(
            data.classes,
            data.y["validation"],
            proba,
            data.texts["validation"],
            multi_label=self.p.multi_label,
        )[0]

    def fit(self) -> LoopState:
        """Run (or resume) the loop; the model ends with the best validation epoch's weights."""
        p, data = self.p, self.data
        weights = None
        if p.class_weight == "balanced":
            weights = class_weights(data.y["train"], len(data.classes))
        train = TrainSet(self.rows["train"], data.y["train"], weights, self.pad_id)
        checkpoints = Checkpoints(self.ctx.checkpoint_dir, p.checkpoint_limit)
        config = _config(p, self.ctx.seed)
        loop = Loop(
            self.ctx, self.model, train, config, checkpoints, self._validation_scores, self.device
        )
        self.resumed = loop.resume()
        if not self.resumed:
            shutil.rmtree(self.ctx.checkpoint_dir / BEST, ignore_errors=True)
        started = time.perf_counter()
        self.ctx.report_progress(0.0, message=f"training on {self.device.type}")
        state = loop.run()
        self.train_seconds = time.perf_counter() - started
        if state.best_score is not None:
            checkpoints.load_best(self.model)
        return state

    def finish(self, state: LoopState) -> TrainResult:
        """Score the test split, save the model, export to ONNX, describe the run."""
        ctx, p, data = self.ctx, self.p, self.data
        proba = self.probabilities(self.model, "test")
        metrics, report = evaluate(
            data.classes, data.y["test"], proba, data.texts["test"], multi_label=p.multi_label
        )
        ctx.report_metrics(metrics, split="test")
        plain = _save_model(self.model, self.tokenizer, ctx.output_dir / MODEL_DIR, p)
        meta: dict[str, Any] = {
            "text_column": data.text_column,
            "classes": data.classes,
            "multi_label": p.multi_label,
            "max_length": self.max_length,
            "truncation": p.truncation,
            "runtime": "pytorch",
        }
        export: dict[str, Any] = {}
        if p.export_onnx:
            ctx.report_progress(1.0, message="exporting to ONNX")
            export = export_and_check(
                ctx, plain, self.rows["test"], proba, data, meta, pad_id=self.pad_id, p=p
            )
        meta_text = json.dumps(meta, ensure_ascii=False)
        (ctx.output_dir / TEXT_META_FILE).write_text(meta_text, encoding="utf-8")
        report.update(
            rows=data.rows(),
            rows_dropped=data.dropped_rows,
            duplicates_removed=data.duplicate_rows,
            epochs=state.history,
            export=export,
        )
        return TrainResult(
            metrics=metrics,
            artifacts=sorted(
                str(f.relative_to(ctx.output_dir)) for f in ctx.output_dir.rglob("*") if f.is_file()
            ),
            model_format="onnx" if meta["runtime"] == "onnx" else "safetensors",
            report=report,
            info=self._info(state, meta, export),
        )

    def _info(self, state: LoopState, meta: dict[str, Any], export: dict[str, Any]) -> dict:
        p = self.p
        return {
            "input_columns": [self.data.text_column],
            "classes": self.data.classes,
            "multi_label": p.multi_label,
            "base_model": p.base_model,
            "method": p.method,
            "device": self.device.type,
            "runtime": meta["runtime"],
            "max_length": self.max_length,
            "truncation": p.truncation,
            "train_seconds": round(self.train_seconds, 3),
            "resumed": self.resumed,
            "best_epoch": state.best_epoch,
            "stopped_early": state.stopped_early,
            "optimizer_steps": state.step,
            "export": export,
        }


class TransformerTrainer(Trainer):
    """Fine-tunes a local Hugging Face encoder; checkpoints, resume, ONNX serving."""

    task_type = "text_classification"
    name = "transformer"
    title = "Transformer 微调 fine-tune"
    description = "Fine-tune a local BERT-like encoder (full or LoRA); served with ONNX Runtime."
    Params = TransformerParams
    requires = ("torch", "transformers", "safetensors", "tokenizers")
    supports_checkpoints = True

    @classmethod
    def check_params(cls, params: TrainerParams, *, model_storage_path: Path) -> None:
        """The base model must exist and be complete (config, tokenizer, safetensors)."""
        assert isinstance(params, TransformerParams)
        resolve_base_model(model_storage_path, params.base_model)

    @classmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        """ONNX Runtime when the export passed its parity check, PyTorch otherwise."""
        return TransformerPredictor(artifact_dir, metadata)

    def train(self, ctx: TrainerContext) -> TrainResult:
        """Tokenize, fine-tune with checkpoints, keep the best epoch, evaluate, save, export."""
        offline()
        run = FineTune(ctx)
        run.prepare()
        state = run.fit()
        return run.finish(state)
