"""The `llm_sft` trainer: LoRA supervised fine-tuning of a local chat model with TRL."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from typing import Any

from app.trainers.base import (
    PredictionInputError,
    Predictor,
    Trainer,
    TrainerContext,
    TrainerParams,
    TrainResult,
)
from app.trainers.llm.artifacts import EVAL_FILE, load_tuned, save_artifacts
from app.trainers.llm.callbacks import make_callbacks
from app.trainers.llm.data import load_chat, tokenize_split
from app.trainers.llm.evaluation import evaluate_generation, generate
from app.trainers.llm.fit import (
    build_trainer,
    choose_device,
    last_checkpoint,
    load_model,
    sft_config,
)
from app.trainers.llm.memory import ModelShape, check_memory, cpu_threads, estimate_memory
from app.trainers.llm.params import SFTParams
from app.trainers.text.transformer.base_model import inspect_base_model, resolve_base_model

PREDICT_MAX_NEW_TOKENS = 128


def memory_estimate(base: Path, p: SFTParams, device: str = "cpu") -> Any:
    """The memory estimate of a run on `base` with these settings."""
    info = inspect_base_model(base)
    return estimate_memory(ModelShape.from_folder(base, info.parameters or 0), p, device)


class SFTRun:
    """One fine-tuning run: prepare, fit (resuming a checkpoint), evaluate, save."""

    def __init__(self, ctx: TrainerContext) -> None:
        self.ctx = ctx
        self.p: SFTParams = ctx.params  # type: ignore[assignment]
        self.base = resolve_base_model(ctx.model_storage_path, self.p.base_model)

    def prepare(self) -> None:
        """Device, memory check, data, tokenizer, model."""
        import torch
        from transformers import AutoTokenizer

        ctx, p = self.ctx, self.p
        ctx.check_stop()
        self.device, self.precision = choose_device(p)
        if self.device == "cpu":
            torch.set_num_threads(cpu_threads())
        self.estimate = memory_estimate(self.base, p, self.device)
        check_memory(self.estimate, p, _cuda_free() if self.device == "cuda" else None)
        ctx.report_progress(0.0, message="loading data")
        self.data = load_chat(ctx)
        self.tokenizer = AutoTokenizer.from_pretrained(str(self.base), local_files_only=True)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.train_set, train_stats = tokenize_split(
            self.tokenizer, self.data.parts["train"], p.max_seq_length
        )
        self.token_stats = {"train": train_stats}
        self.eval_set = None
        if self.data.parts["validation"]:
            self.eval_set, self.token_stats["validation"] = tokenize_split(
                self.tokenizer, self.data.parts["validation"], p.max_seq_length
            )
        self.model = load_model(self.base, p, self.device, self.precision, ctx.seed)
        ctx.log(
            f"{self.data.format} data, rows {self.data.rows()}; {self.device} {self.precision}, "
            f"estimated memory {self.estimate.total / 1024**3:.2f} GiB"
        )

    def fit(self) -> dict[str, Any]:
        """Train (resuming the newest complete checkpoint); the final losses."""
        ctx, p = self.ctx, self.p
        config = sft_config(ctx, p, self.device, self.precision, self.eval_set is not None)
        callbacks = make_callbacks(ctx, p.checkpoint_every_minutes * 60)
        self.trainer = build_trainer(
            self.model,
            self.tokenizer,
            config,
            self.train_set,
            self.eval_set,
            callbacks,
            self.device,
        )
        resume = last_checkpoint(ctx.checkpoint_dir)
        self.resumed_from = resume.name if resume else None
        if resume:
            ctx.log(f"resuming from {resume.name}")
        started, cpu_started = time.perf_counter(), time.process_time()
        output = self.trainer.train(resume_from_checkpoint=str(resume) if resume else None)
        self.train_seconds = time.perf_counter() - started
        self.train_cpu_seconds = time.process_time() - cpu_started
        losses = [e["loss"] for e in self.trainer.state.log_history if "loss" in e]
        last = losses[-1] if losses else output.training_loss
        final = {"train_loss": float(output.training_loss), "final_step_loss": float(last)}
        if self.eval_set is not None:
            eval_loss = float(self.trainer.evaluate()["eval_loss"])
            final.update(eval_loss=eval_loss, perplexity=math.exp(min(eval_loss, 50.0)))
        return final

    def finish(self, losses: dict[str, Any]) -> TrainResult:
        """Evaluate generation, save the artifacts, describe the run."""
        ctx, p = self.ctx, self.p
        held_out = self.data.parts["test"] or self.data.parts["validation"]
        generation: dict[str, Any] = {}
        if p.eval_samples and held_out:
            ctx.report_progress(1.0, message="answering held-out prompts")
            generation = evaluate_generation(
                self.model,
                self.tokenizer,
                held_out[: p.eval_samples],
                p.eval_max_new_tokens,
                p.compare_base,
            )
            if generation["stop_check"]["warning"]:
                ctx.log(generation["stop_check"]["warning"], level="warning")
        meta = save_artifacts(
            ctx.output_dir, self.model, self.tokenizer, p.base_model, p.max_seq_length
        )
        metrics = {**losses, **_flat_scores(generation)}
        report = {
            "format": self.data.format,
            "rows": self.data.rows(),
            "tokens": self.token_stats,
            "device": self.device,
            "precision": self.precision,
            "memory_estimate": self.estimate.as_dict(),
            "resumed_from": self.resumed_from,
            "train_seconds": round(self.train_seconds, 2),
            "train_cpu_seconds": round(self.train_cpu_seconds, 2),
            "steps": self.trainer.state.global_step,
            "losses": losses,
            "generation": generation,
        }
        text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
        (ctx.output_dir / EVAL_FILE).write_text(text, encoding="utf-8")
        ctx.report_metrics(metrics, split="test")
        artifacts = sorted(
            str(f.relative_to(ctx.output_dir)) for f in ctx.output_dir.rglob("*") if f.is_file()
        )
        info = {**meta, "base_model_path": str(self.base), "device": self.device}
        return TrainResult(
            metrics=metrics, artifacts=artifacts, model_format="peft_lora", report=report, info=info
        )


def _cuda_free() -> int:
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(free)


def _flat_scores(generation: dict[str, Any]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for who in ("tuned", "base"):
        for name, value in (generation.get(who) or {}).items():
            scores[name if who == "tuned" else f"base_{name}"] = float(value)
    return scores


class ChatPredictor(Predictor):
    """Greedy answers of the fine-tuned model (rows: {"messages": [...]} or {"prompt": "..."})."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        super().__init__(artifact_dir, metadata)
        base = Path(metadata.get("info", {}).get("base_model_path", ""))
        self.model, self.tokenizer = load_tuned(artifact_dir, base)
        self.lock = threading.Lock()

    def predict(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        conversations = [_conversation(row, i) for i, row in enumerate(inputs)]
        with self.lock:
            answers = generate(self.model, self.tokenizer, conversations, PREDICT_MAX_NEW_TOKENS)
        return [{"text": text, "finished": ended} for text, ended in answers]

    def input_columns(self) -> list[str]:
        return ["messages"]


def _conversation(row: Any, index: int) -> list[dict[str, str]]:
    if isinstance(row, dict) and isinstance(row.get("prompt"), str):
        return [{"role": "user", "content": row["prompt"]}]
    messages = row.get("messages") if isinstance(row, dict) else None
    if not (isinstance(messages, list) and messages) or not all(
        isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages
    ):
        raise PredictionInputError(
            f"row {index + 1}: give 'prompt' (text) or 'messages' (a list of "
            "{'role', 'content'})",
            row=index,
            column="messages",
        )
    return [{"role": str(m.get("role")), "content": m["content"]} for m in messages]


class LlmSftTrainer(Trainer):
    """LoRA supervised fine-tuning of a local chat model (TRL SFTTrainer + peft)."""

    task_type = "llm_sft"
    name = "lora_sft"
    title = "LoRA SFT (TRL)"
    description = "Fine-tune a local chat model on conversations with LoRA; CPU or GPU."
    Params = SFTParams
    requires = ("torch", "transformers", "peft", "trl", "datasets")
    supports_checkpoints = True

    def train(self, ctx: TrainerContext) -> TrainResult:
        run = SFTRun(ctx)
        run.prepare()
        return run.finish(run.fit())

    @classmethod
    def check_params(cls, params: TrainerParams, *, model_storage_path: Path) -> None:
        """The base model must be usable and the run must fit in this machine's memory."""
        p: SFTParams = params  # type: ignore[assignment]
        base = resolve_base_model(model_storage_path, p.base_model)
        check_memory(memory_estimate(base, p), p)

    @classmethod
    def needs_gpu(cls, params: TrainerParams) -> bool:
        """QLoRA and half-precision arithmetic ask for CUDA (`fit.choose_device`)."""
        p: SFTParams = params  # type: ignore[assignment]
        return p.quantization == "4bit" or p.precision in ("bf16", "fp16")

    @classmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        return ChatPredictor(artifact_dir, metadata)
