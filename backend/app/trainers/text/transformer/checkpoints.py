"""Checkpoints of a fine-tune: weights (safetensors), optimizer/scheduler/RNG, loop position.

Each checkpoint is a folder `step-00000042` under the job's checkpoint dir, written under a
temporary name and renamed when complete, so a kill never leaves a half checkpoint that
looks valid. Only the newest `limit` are kept. The best weights so far (early stopping)
live in `.best/`, apart from the rotation.
"""

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

WEIGHTS = "model.safetensors"
STATE = "training_state.pt"
LOOP = "loop_state.json"
PREFIX = "step-"
BEST = ".best"


@dataclass
class LoopState:
    """Where the loop is: epoch and batch to run next, optimizer steps, early-stopping memory."""

    epoch: int = 0
    batch: int = 0
    step: int = 0
    best_score: float | None = None
    best_epoch: int | None = None
    bad_epochs: int = 0
    stopped_early: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)


class Checkpoints:
    """Save, rotate and restore checkpoints in one folder."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder = folder
        self.limit = limit
        folder.mkdir(parents=True, exist_ok=True)

    def _complete(self) -> list[Path]:
        found = [p for p in self.folder.glob(f"{PREFIX}*") if (p / LOOP).is_file()]
        return sorted(found, key=lambda p: int(p.name[len(PREFIX) :]))

    def latest(self) -> Path | None:
        """The newest complete checkpoint, or None."""
        done = self._complete()
        return done[-1] if done else None

    def save(self, model: Any, training_state: dict[str, Any], state: LoopState) -> Path:
        """Write a checkpoint atomically, then drop the oldest past the limit."""
        import torch
        from safetensors.torch import save_model

        final = self.folder / f"{PREFIX}{state.step:08d}"
        temp = self.folder / f".tmp-{final.name}"
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        save_model(model, str(temp / WEIGHTS))
        torch.save(training_state, temp / STATE)
        (temp / LOOP).write_text(json.dumps(asdict(state)), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        temp.rename(final)
        for old in self._complete()[: -self.limit]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def load(self, path: Path, model: Any) -> tuple[dict[str, Any], LoopState]:
        """Restore weights into `model`; return the training state and the loop state."""
        import torch
        from safetensors.torch import load_model

        load_model(model, str(path / WEIGHTS))
        training_state = torch.load(path / STATE, weights_only=True)
        state = LoopState(**json.loads((path / LOOP).read_text(encoding="utf-8")))
        return training_state, state

    def save_best(self, model: Any) -> None:
        """Keep the current weights as the best so far."""
        from safetensors.torch import save_model

        best = self.folder / BEST
        best.mkdir(exist_ok=True)
        save_model(model, str(best / f".tmp-{WEIGHTS}"))
        (best / f".tmp-{WEIGHTS}").replace(best / WEIGHTS)

    def load_best(self, model: Any) -> bool:
        """Restore the best weights; False when none were saved."""
        from safetensors.torch import load_model

        path = self.folder / BEST / WEIGHTS
        if not path.is_file():
            return False
        load_model(model, str(path))
        return True
