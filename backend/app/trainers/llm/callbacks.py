"""Trainer callbacks: live events (loss, LR, tokens/s, ETA), the stop flag, timed checkpoints.

Built inside `train()` (they subclass transformers' `TrainerCallback`, a heavy import).
"""

from __future__ import annotations

import math
import time
from typing import Any

from app.trainers.base import TrainerContext


def make_callbacks(ctx: TrainerContext, checkpoint_every_s: float) -> list[Any]:
    """The callbacks a fine-tuning run reports and checkpoints through."""
    from transformers import TrainerCallback

    class Events(TrainerCallback):
        """Metrics and progress lines; a stop request ends the run at the next step."""

        def __init__(self) -> None:
            self.started = time.monotonic()
            self.first_step: int | None = None
            self.last_log = (time.monotonic(), 0)

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if self.first_step is None:
                self.first_step = state.global_step - 1
            ctx.check_stop()
            total = state.max_steps or 1
            ctx.report_progress(
                state.global_step / total,
                epoch=int(state.epoch or 0),
                step=state.global_step,
                total_steps=total,
            )

        def eta_seconds(self, state: Any) -> float | None:
            done = state.global_step - (self.first_step or 0)
            if done <= 0:
                return None
            per_step = (time.monotonic() - self.started) / done
            return per_step * max(state.max_steps - state.global_step, 0)

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            logs = logs or {}
            step, epoch = state.global_step, int(state.epoch or 0)
            if "eval_loss" in logs:
                loss = float(logs["eval_loss"])
                metrics = {"loss": loss, "perplexity": math.exp(min(loss, 50.0))}
                ctx.report_metrics(metrics, step=step, epoch=epoch, split="validation")
            if "loss" not in logs:
                return
            now, seen = time.monotonic(), int(getattr(state, "num_input_tokens_seen", 0) or 0)
            last_time, last_seen = self.last_log
            self.last_log = (now, seen)
            metrics = {
                "loss": float(logs["loss"]),
                "learning_rate": float(logs.get("learning_rate", 0.0)),
                "grad_norm": float(logs.get("grad_norm", float("nan"))),
                "tokens_per_second": (seen - last_seen) / max(now - last_time, 1e-9),
            }
            eta = self.eta_seconds(state)
            if eta is not None:
                metrics["eta_seconds"] = eta
            ctx.report_metrics(metrics, step=step, epoch=epoch, split="train")

    class TimedCheckpoints(TrainerCallback):
        """Save when `checkpoint_every_s` passed since the last save, whatever the step."""

        def __init__(self) -> None:
            self.last_save = time.monotonic()

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if time.monotonic() - self.last_save >= checkpoint_every_s:
                control.should_save = True

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.last_save = time.monotonic()

    return [Events(), TimedCheckpoints()]
