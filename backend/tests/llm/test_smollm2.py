"""The real base: SmolLM2-135M-Instruct fine-tuned on CPU on Chinese review sentiment.

Needs the model installed by `make base-model` in MODEL_STORAGE_PATH (or the folder named by
LLM_MODEL_STORAGE_PATH); skipped with that reason otherwise. Slow: a few minutes on 2 cores.
"""

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from app.core.config import get_settings
from app.trainers.text.transformer.base_model import inspect_base_model
from tests.llm.conftest import LlmRun
from tests.tiny_llm import sentiment_rows

SMOL = "SmolLM2-135M-Instruct"


@pytest.fixture(scope="module")
def smol_storage() -> Path:
    """The MODEL_STORAGE_PATH that holds base/SmolLM2-135M-Instruct."""
    root = Path(os.environ.get("LLM_MODEL_STORAGE_PATH") or get_settings().model_storage_path)
    info = inspect_base_model(root / "base" / SMOL)
    if not info.ok:
        pytest.skip(f"{SMOL} is not installed under {root}/base (run make base-model)")
    return root


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_smollm2_learns_chinese_sentiment_better_than_base(
    run_llm: Callable[..., LlmRun], smol_storage: Path, tmp_path: Path
) -> None:
    data = tmp_path / "reviews.parquet"
    pd.DataFrame(sentiment_rows(150, seed=3)).to_parquet(data)
    params = {
        "base_model": SMOL,
        "max_seq_length": 128,
        "epochs": 1,
        "batch_size": 8,
        "gradient_accumulation_steps": 1,
        "learning_rate": 3e-4,
        "lora_r": 8,
        "lora_alpha": 16,
        "eval_every_steps": 0,
        "checkpoint_every_steps": 100,
        "eval_samples": 30,
        "eval_max_new_tokens": 8,
    }
    run = run_llm(params, dataset=data, storage=smol_storage, timeout=3500)
    assert run.returncode == 0, run.stderr[-4000:]
    metrics = run.result["metrics"]
    generation = run.result["report"]["generation"]
    assert generation["scoring"] == "exact_match"
    assert metrics["accuracy"] >= metrics["base_accuracy"] + 0.2, generation
    assert metrics["stop_rate"] >= 0.95, generation["samples"]
