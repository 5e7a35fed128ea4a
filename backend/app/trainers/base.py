"""The trainer contract: pure ML code that runs in a child process.

A trainer is a `Trainer` subclass registered in `app.trainers.registry` as "module:Class".
The runner writes a job spec (`JobSpec`, JSON) and starts `python -m app.trainers <job.json>`.
The child builds a `TrainerContext`, validates `params` with the trainer's `Params` model and
calls `train(ctx)`; it returns a `TrainResult` (metrics, artifact paths relative to
`ctx.output_dir`, a report, the model format).

Rules (so the trainer runs in any worker process and stays testable without the web app):
- no FastAPI, SQLAlchemy or Celery imports here or in any trainer module; heavy libraries
  (lightgbm, torch, sklearn estimators) are imported inside `train()` / `Predictor.__init__`;
- the trainer talks to the parent only through its context: JSON lines on the protocol
  stream (the child's original stdout; stray prints of libraries go to stderr = the job log)
  and a stop-flag file (`ctx.should_stop()`, checked at every step for a cooperative cancel);
- artifacts go under `ctx.output_dir`, checkpoints under `ctx.checkpoint_dir` (kept across
  attempts: `ctx.latest_checkpoint()` resumes a recovered job);
- artifacts load without running arbitrary code (LightGBM text, skops, safetensors, ONNX).

Protocol lines, one JSON object each, `type` first (context lines also carry `ts`, epoch s):
  {"type": "progress", "fraction", "epoch", "step", "total_steps", "message"}
  {"type": "metrics", "metrics": {name: float}, "step", "epoch", "split"}
  {"type": "log", "level", "message"}
  {"type": "result", "metrics", "artifacts", "report", "model_format", "info"}
  {"type": "error", "code", "message"}          (the trainer failed; exit status 1)
  {"type": "stopped"}                             (stopped on request; exit status 3)

Serving: `Trainer.load_predictor(artifact_dir, metadata)` returns a `Predictor` whose
`predict(inputs)` maps a list of row dicts to a list of result dicts; bad rows raise
`PredictionInputError` naming the row and the column. `metadata` is the model version's
{"task_type", "trainer", "columns", "params", "info" (= TrainResult.info), "artifacts":
{relative path: sha256}}; the platform verifies every checksum before calling it.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

STOP_FILE_NAME = "STOP"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_STOPPED = 3

LogLevel = Literal["debug", "info", "warning", "error"]


class ParamLabel(NamedTuple):
    """A param's label in Chinese and English and its help in Chinese (English: the description)."""

    zh: str
    en: str
    help_zh: str


def _localized_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Add each property's `title` (English), `x-label` and `x-help` ({"zh", "en"})."""
    labels: dict[str, ParamLabel] = getattr(model, "labels", {})
    for name, prop in schema.get("properties", {}).items():
        label = labels.get(name)
        if label is None:
            continue
        prop["title"] = label.en
        prop["x-label"] = {"zh": label.zh, "en": label.en}
        prop["x-help"] = {"zh": label.help_zh, "en": prop.get("description", "")}


class TrainerParams(BaseModel):
    """Base of `Params` models: unknown keys rejected; every field has a default + description.

    `labels` names every field in Chinese and English for the console (see `ParamLabel`).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra=_localized_schema)

    labels: ClassVar[dict[str, ParamLabel]] = {}


class JobSpec(BaseModel):
    """What the runner hands the child process (`job.json`)."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    task_type: str
    trainer: str
    work_dir: Path
    output_dir: Path
    checkpoint_dir: Path
    dataset_path: Path
    validation_dataset_path: Path | None = None
    columns: dict[str, Any] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 42
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    progress_interval_s: float = Field(0.5, description="Minimum seconds between progress lines.")
    model_storage_path: Path | None = Field(
        None, description="MODEL_STORAGE_PATH (base models for fine-tuning live in its base/)."
    )

    @classmethod
    def in_work_dir(cls, work_dir: Path, **fields: Any) -> JobSpec:
        """A spec whose output and checkpoint folders are the runner's, inside `work_dir`."""
        return cls(
            work_dir=work_dir,
            output_dir=work_dir / "output",
            checkpoint_dir=work_dir / "checkpoints",
            **fields,
        )

    @property
    def stop_file(self) -> Path:
        """The flag file whose existence asks the trainer to stop."""
        return self.work_dir / STOP_FILE_NAME


class TrainingStopped(Exception):
    """Raised by a trainer (or `ctx.check_stop()`) when a stop was requested."""


class TrainerError(Exception):
    """A failure the person can understand and fix (bad column, one class only, …)."""

    def __init__(self, message: str, *, code: str = "trainer_error") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PredictionInputError(ValueError):
    """A prediction input row is missing a column or has a value of the wrong type."""

    def __init__(self, message: str, *, row: int, column: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column
        self.message = message


@dataclass
class TrainResult:
    """What `train()` returns."""

    metrics: dict[str, float]
    artifacts: list[str]
    model_format: str
    report: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def write_event(stream: IO[str], event: dict[str, Any]) -> None:
    """Write one protocol line and flush it."""
    stream.write(json.dumps(event, ensure_ascii=False, default=str, allow_nan=False) + "\n")
    stream.flush()


def _clean_number(value: float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class TrainerContext:
    """The trainer's only window on the platform: paths, inputs, and the report channel."""

    def __init__(self, spec: JobSpec, params: TrainerParams, stream: IO[str] | None = None):
        self.spec = spec
        self.job_id = spec.job_id
        self.work_dir = spec.work_dir
        self.output_dir = spec.output_dir
        self.checkpoint_dir = spec.checkpoint_dir
        self.dataset_path = spec.dataset_path
        self.validation_dataset_path = spec.validation_dataset_path
        self.columns = spec.columns
        self.params = params
        self.seed = spec.seed
        self.split_ratios = spec.split_ratios
        self.model_storage_path = spec.model_storage_path
        self._stream = stream if stream is not None else sys.stdout
        self._lock = threading.Lock()
        self._last_progress = 0.0
        for folder in (self.output_dir, self.checkpoint_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def emit(self, event: dict[str, Any]) -> None:
        """Write one protocol line (thread-safe), stamped with the wall-clock time `ts`."""
        with self._lock:
            write_event(self._stream, {**event, "ts": time.time()})

    def report_progress(
        self,
        fraction: float,
        *,
        epoch: int | None = None,
        step: int | None = None,
        total_steps: int | None = None,
        message: str | None = None,
    ) -> None:
        """Report progress 0–1; throttled, except the first, the last and messages."""
        now = time.monotonic()
        fraction = min(max(float(fraction), 0.0), 1.0)
        throttled = now - self._last_progress < self.spec.progress_interval_s
        if throttled and fraction < 1.0 and message is None:
            return
        self._last_progress = now
        self.emit(
            {
                "type": "progress",
                "fraction": fraction,
                "epoch": epoch,
                "step": step,
                "total_steps": total_steps,
                "message": message,
            }
        )

    def report_metrics(
        self,
        metrics: dict[str, float],
        *,
        step: int | None = None,
        epoch: int | None = None,
        split: str = "train",
    ) -> None:
        """Report named scalar metrics (loss, accuracy, throughput…) at a step/epoch."""
        clean = {name: _clean_number(value) for name, value in metrics.items()}
        self.emit(
            {"type": "metrics", "metrics": clean, "step": step, "epoch": epoch, "split": split}
        )

    def log(self, message: str, level: LogLevel = "info") -> None:
        """Write a line to the job's log."""
        self.emit({"type": "log", "level": level, "message": message})

    def should_stop(self) -> bool:
        """True once the platform asked this job to stop (cooperative cancel)."""
        return self.spec.stop_file.exists()

    def check_stop(self) -> None:
        """Raise `TrainingStopped` if a stop was requested."""
        if self.should_stop():
            raise TrainingStopped

    def latest_checkpoint(self) -> Path | None:
        """The newest entry of `checkpoint_dir` (by name, then time), or None."""
        entries = [p for p in self.checkpoint_dir.iterdir() if not p.name.startswith(".")]
        if not entries:
            return None
        return max(entries, key=lambda p: (p.stat().st_mtime_ns, p.name))


class Predictor(ABC):
    """A loaded model that serves predictions; must be safe for concurrent `predict` calls."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        self.artifact_dir = artifact_dir
        self.metadata = metadata

    @abstractmethod
    def predict(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One result per input row: {"label", "probabilities"} or {"value"}."""

    def predict_json(self, body: bytes, max_rows: int) -> list[dict[str, Any]] | None:
        """`predict` on a predict request body (`{"inputs": [...]}`) read by the predictor itself.

        None when this predictor has no reader of its own or the body does not fit it (wrong
        shape or types, more than `max_rows` rows): the caller then parses the body generically
        and calls `predict`, which names what is wrong.
        """
        return None

    def input_columns(self) -> list[str]:
        """Names of the columns a row must carry."""
        return list(self.metadata.get("input_columns", []))


class Trainer(ABC):
    """A training algorithm for one task type."""

    task_type: ClassVar[str]
    name: ClassVar[str]
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Params: ClassVar[type[TrainerParams]] = TrainerParams
    requires: ClassVar[tuple[str, ...]] = ()
    supports_checkpoints: ClassVar[bool] = False

    @abstractmethod
    def train(self, ctx: TrainerContext) -> TrainResult:
        """Train on `ctx.dataset_path`, write artifacts under `ctx.output_dir`, return metrics."""

    @classmethod
    def check_params(cls, params: TrainerParams, *, model_storage_path: Path) -> None:
        """Check what params refer to (e.g. a base model) before queueing; raise TrainerError."""
        return None  # most trainers have nothing to check

    @classmethod
    def needs_gpu(cls, params: TrainerParams) -> bool:
        """Whether these params ask for a CUDA device (counted against the GPU quota)."""
        return False  # most trainers run wherever they are put

    @classmethod
    @abstractmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        """Load the artifacts of a finished run (verifying checksums) for serving."""
