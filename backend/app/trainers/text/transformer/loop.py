"""The fine-tuning loop: AdamW + linear warmup/decay, gradient accumulation, class weights,
mixed precision on a GPU, checkpoints every N steps and at epoch end, exact resume, early stopping.

Resume is exact: the batch order of an epoch comes from a generator seeded by (seed, epoch),
and a checkpoint holds the weights, optimizer, scheduler, scaler and the global RNG state, so
the run continues with the same batches and the same dropout masks as an uninterrupted one.
"""

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.trainers.base import TrainerContext
from app.trainers.text.transformer.checkpoints import Checkpoints, LoopState
from app.trainers.text.transformer.encode import pad_batch

EvalFn = Callable[[Any], dict[str, float]]


@dataclass
class LoopConfig:
    """The loop's settings (from the trainer params and the job)."""

    epochs: int
    batch_size: int
    accumulation: int
    learning_rate: float
    weight_decay: float
    warmup_ratio: float
    max_grad_norm: float
    patience: int
    checkpoint_every: int
    multi_label: bool
    mixed_precision: bool
    seed: int
    score_name: str = "macro_f1"


@dataclass
class TrainSet:
    """Tokenized training rows, their targets, the loss weights and the pad id."""

    rows: list[list[int]]
    y: np.ndarray
    class_weights: np.ndarray | None
    pad_id: int


def steps_per_epoch(n_rows: int, cfg: LoopConfig) -> int:
    """Optimizer steps in one epoch."""
    return math.ceil(math.ceil(n_rows / cfg.batch_size) / cfg.accumulation)


def _optimizer(model: Any, cfg: LoopConfig, total_steps: int) -> tuple[Any, Any]:
    import torch
    from transformers import get_linear_schedule_with_warmup

    decay: list[Any] = []
    no_decay: list[Any] = []
    for name, param in model.named_parameters():
        if param.requires_grad:
            plain = param.ndim < 2 or "LayerNorm" in name or "layer_norm" in name
            (no_decay if plain else decay).append(param)
    groups = [
        {"params": decay, "weight_decay": cfg.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.learning_rate)
    warmup = round(total_steps * cfg.warmup_ratio)
    return optimizer, get_linear_schedule_with_warmup(optimizer, warmup, total_steps)


def _loss_fn(data: TrainSet, cfg: LoopConfig, device: Any) -> Any:
    import torch

    weights = None
    if data.class_weights is not None:
        weights = torch.tensor(data.class_weights, dtype=torch.float32, device=device)
    if cfg.multi_label:
        return torch.nn.BCEWithLogitsLoss(pos_weight=weights)
    return torch.nn.CrossEntropyLoss(weight=weights)


def _autocast(device: Any, cfg: LoopConfig) -> tuple[Callable[[], Any], Any]:
    """(autocast context factory, GradScaler or None); mixed precision only on CUDA."""
    import torch

    if device.type != "cuda" or not cfg.mixed_precision:
        return contextlib.nullcontext, None
    if torch.cuda.is_bf16_supported():
        return lambda: torch.autocast("cuda", dtype=torch.bfloat16), None
    return lambda: torch.autocast("cuda", dtype=torch.float16), torch.amp.GradScaler("cuda")


def _rng_state() -> dict[str, Any]:
    import torch

    state = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.stack(torch.cuda.get_rng_state_all())
    return state


def _restore_rng(state: dict[str, Any]) -> None:
    import torch

    torch.set_rng_state(state["cpu"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(list(state["cuda"]))


def epoch_order(n_rows: int, seed: int, epoch: int) -> list[int]:
    """The shuffled row order of one epoch (depends only on seed and epoch)."""
    import torch

    generator = torch.Generator().manual_seed(seed * 1009 + epoch)
    return torch.randperm(n_rows, generator=generator).tolist()


class Loop:
    """One fine-tuning run; `run()` returns the final loop state."""

    def __init__(
        self,
        ctx: TrainerContext,
        model: Any,
        data: TrainSet,
        cfg: LoopConfig,
        checkpoints: Checkpoints,
        evaluate: EvalFn,
        device: Any,
    ) -> None:
        self.ctx, self.model, self.data, self.cfg = ctx, model, data, cfg
        self.checkpoints, self.evaluate, self.device = checkpoints, evaluate, device
        self.per_epoch = steps_per_epoch(len(data.rows), cfg)
        self.total_steps = self.per_epoch * cfg.epochs
        self.optimizer, self.scheduler = _optimizer(model, cfg, self.total_steps)
        self.autocast, self.scaler = _autocast(device, cfg)
        self.loss_fn = _loss_fn(data, cfg, device)
        self.state = LoopState()
        self.log_every = max(1, self.total_steps // 50)
        self._losses: list[float] = []

    def resume(self) -> bool:
        """Continue from the newest checkpoint, if any; True when resumed."""
        path = self.checkpoints.latest()
        if path is None:
            return False
        training, self.state = self.checkpoints.load(path, self.model)
        self.optimizer.load_state_dict(training["optimizer"])
        self.scheduler.load_state_dict(training["scheduler"])
        if self.scaler is not None and "scaler" in training:
            self.scaler.load_state_dict(training["scaler"])
        _restore_rng(training["rng"])
        self.ctx.log(
            f"resumed from {path.name}: epoch {self.state.epoch + 1}, "
            f"batch {self.state.batch}, step {self.state.step}/{self.total_steps}"
        )
        return True

    def _checkpoint(self) -> None:
        training = {
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rng": _rng_state(),
        }
        if self.scaler is not None:
            training["scaler"] = self.scaler.state_dict()
        self.checkpoints.save(self.model, training, self.state)

    def _forward_backward(self, rows: list[int]) -> float:
        import torch

        ids, mask = pad_batch([self.data.rows[i] for i in rows], self.data.pad_id)
        dtype = torch.float32 if self.cfg.multi_label else torch.long
        target = torch.as_tensor(self.data.y[rows], dtype=dtype, device=self.device)
        with self.autocast():
            logits = self.model(
                input_ids=torch.as_tensor(ids, device=self.device),
                attention_mask=torch.as_tensor(mask, device=self.device),
            ).logits
            loss = self.loss_fn(logits.float(), target) / self.cfg.accumulation
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()
        return float(loss.detach()) * self.cfg.accumulation

    def _optimizer_step(self) -> None:
        import torch

        if self.scaler is not None:
            self.scaler.unscale_(self.optimizer)
        if self.cfg.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.state.step += 1

    def _after_step(self, epoch: int) -> None:
        step = self.state.step
        self.ctx.report_progress(
            step / self.total_steps, epoch=epoch + 1, step=step, total_steps=self.total_steps
        )
        if step % self.log_every == 0 and self._losses:
            loss = float(np.mean(self._losses))
            self._losses.clear()
            lr = float(self.scheduler.get_last_lr()[0])
            self.ctx.report_metrics(
                {"loss": loss, "learning_rate": lr}, step=step, epoch=epoch + 1, split="train"
            )
        if self.cfg.checkpoint_every and step % self.cfg.checkpoint_every == 0:
            self._checkpoint()

    def _epoch(self, epoch: int) -> None:
        order = epoch_order(len(self.data.rows), self.cfg.seed, epoch)
        size = self.cfg.batch_size
        chunks = [order[i : i + size] for i in range(0, len(order), size)]
        self.model.train()
        for b in range(self.state.batch, len(chunks)):
            self.ctx.check_stop()
            self._losses.append(self._forward_backward(chunks[b]))
            if (b + 1) % self.cfg.accumulation == 0 or b == len(chunks) - 1:
                self._optimizer_step()
                self.state.batch = b + 1
                self._after_step(epoch)
        self.state.batch = 0

    def _end_of_epoch(self, epoch: int) -> None:
        metrics = self.evaluate(self.model)
        if metrics:
            self.ctx.report_metrics(
                metrics, step=self.state.step, epoch=epoch + 1, split="validation"
            )
            score = metrics[self.cfg.score_name]
            if self.state.best_score is None or score > self.state.best_score:
                self.state.best_score, self.state.best_epoch = score, epoch + 1
                self.state.bad_epochs = 0
                self.checkpoints.save_best(self.model)
            else:
                self.state.bad_epochs += 1
            self.state.history.append({"epoch": epoch + 1, **metrics})
        self.state.epoch = epoch + 1
        patience = self.cfg.patience
        self.state.stopped_early = bool(patience and self.state.bad_epochs >= patience)
        self._checkpoint()

    def run(self) -> LoopState:
        """Train the remaining epochs (stopping early when validation stops improving)."""
        self.optimizer.zero_grad(set_to_none=True)
        while self.state.epoch < self.cfg.epochs and not self.state.stopped_early:
            epoch = self.state.epoch
            self._epoch(epoch)
            self._end_of_epoch(epoch)
            if self.state.stopped_early:
                self.ctx.log(
                    f"early stopping after epoch {epoch + 1}: no validation gain "
                    f"for {self.cfg.patience} epochs (best epoch {self.state.best_epoch})"
                )
        return self.state
