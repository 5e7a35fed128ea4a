"""Both text trainers run the way the runner runs them: `python -m app.trainers <job.json>`."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.trainers.text.tfidf_linear import TfidfLinearTrainer
from app.trainers.text.transformer import TransformerTrainer
from app.trainers.text.transformer.predictor import TransformerPredictor
from tests.text.conftest import BACKEND_DIR, TINY_PARAMS, TextRun, trainer_command, write_spec

ZH = {"text": "review", "label": "sentiment"}
EN = {"text": "text", "label": "category"}


def test_tfidf_linear_on_chinese_and_english(
    run_text: Callable[..., TextRun], text_data: dict[str, Path], tmp_path: Path
) -> None:
    zh = run_text("tfidf_linear", text_data["zh"], ZH, {}, work=tmp_path / "zh")
    assert zh.returncode == 0, zh.stderr[-2000:]
    assert zh.result["metrics"]["accuracy"] >= 0.6
    report = zh.result["report"]
    assert report["rows"] == {"train": 160, "validation": 20, "test": 20}
    assert {c["label"] for c in report["per_class"]} == {"neg", "pos"}
    confidences = [m["confidence"] for m in report["mistakes"]]
    assert confidences == sorted(confidences, reverse=True)
    en = run_text(
        "tfidf_linear", text_data["en"], EN, {"classifier": "linear_svm"}, work=tmp_path / "en"
    )
    assert en.returncode == 0, en.stderr[-2000:]
    assert en.result["metrics"]["macro_f1"] >= 0.7
    predictor = TfidfLinearTrainer.load_predictor(tmp_path / "en" / "output", {})
    out = predictor.predict(["The striker scored twice in the cup final", {"text": "Shares fell"}])
    assert out[0]["label"] == "sports"
    assert sum(out[1]["probabilities"].values()) == pytest.approx(1.0)


def test_tfidf_multi_label(run_text: Callable[..., TextRun], text_data: dict[str, Path]) -> None:
    params = {"multi_label": True}
    run = run_text("tfidf_linear", text_data["multi"], {"text": "text", "label": "tags"}, params)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.result["info"]["classes"] == sorted(
        ["business", "entertainment", "politics", "sports", "tech", "uk"]
    )
    assert {"micro_f1", "subset_accuracy", "hamming_loss"} <= set(run.result["metrics"])
    predictor = TfidfLinearTrainer.load_predictor(run.work / "output", {})
    assert isinstance(predictor.predict(["Election results"])[0]["labels"], list)


def test_transformer_multi_label_with_onnx(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    params = {**TINY_PARAMS, "multi_label": True, "epochs": 1}
    run = run_text("transformer", text_data["multi"], {"text": "text", "label": "tags"}, params)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.result["info"]["classes"] == sorted(
        ["business", "entertainment", "politics", "sports", "tech", "uk"]
    )
    assert {"micro_f1", "subset_accuracy", "hamming_loss"} <= set(run.result["metrics"])
    assert run.result["info"]["export"]["onnx_parity"]["passed"]
    predictor = TransformerTrainer.load_predictor(run.work / "output", {})
    out = predictor.predict(["Election results in the UK"])[0]
    assert isinstance(out["labels"], list)
    assert set(out["probabilities"]) == set(run.result["info"]["classes"])


def test_transformer_exports_onnx_with_parity_and_int8(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    params = {**TINY_PARAMS, "onnx_int8": True, "checkpoint_limit": 2}
    run = run_text("transformer", text_data["zh"], ZH, params)
    assert run.returncode == 0, run.stderr[-3000:]
    result = run.result
    parity = result["info"]["export"]["onnx_parity"]
    assert parity["passed"] and parity["max_abs_probability_diff"] <= 1e-3 and parity["rows"] == 20
    assert "accuracy" in result["info"]["export"]["int8"]["change"]
    assert result["model_format"] == "onnx" and result["info"]["runtime"] == "onnx"
    assert {"model.onnx", "model.int8.onnx", "model/model.safetensors", "text_meta.json"} <= set(
        result["artifacts"]
    )
    assert len(list((run.work / "checkpoints").glob("step-*"))) == 2
    assert [e["epoch"] for e in result["report"]["epochs"]] == [1, 2]
    assert any(m["split"] == "train" and "loss" in m["metrics"] for m in run.of("metrics"))
    texts = pd.read_parquet(text_data["zh"])["review"].tolist()[:40]
    output = run.work / "output"
    int8 = TransformerTrainer.load_predictor(output, {})
    onnx = TransformerPredictor(output, {}, runtime="onnx")
    torch = TransformerPredictor(output, {}, runtime="pytorch")
    onnx.meta["onnx_file"] = "model.onnx"
    onnx.session = __import__(
        "app.trainers.text.transformer.runtime", fromlist=["onnx_session"]
    ).onnx_session(output / "model.onnx")
    a, b = onnx.probabilities(texts), torch.probabilities(texts)
    assert np.abs(a - b).max() <= 1e-3
    assert int8.predict([texts[0]])[0]["label"] in ("neg", "pos")


def test_transformer_lora_class_weights_accumulation(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    params = {
        **TINY_PARAMS,
        "method": "lora",
        "lora_r": 4,
        "lora_target_modules": ["query", "value"],
        "class_weight": "balanced",
        "gradient_accumulation_steps": 2,
        "export_onnx": False,
        "epochs": 1,
    }
    run = run_text("transformer", text_data["en"], EN, params)
    assert run.returncode == 0, run.stderr[-3000:]
    info = run.result["info"]
    assert info["method"] == "lora" and info["runtime"] == "pytorch"
    assert info["optimizer_steps"] == 5  # 160 rows / 16 = 10 batches, 2 per step
    predictor = TransformerTrainer.load_predictor(run.work / "output", {})
    assert set(predictor.predict(["Parliament votes"])[0]["probabilities"]) == {
        "business",
        "entertainment",
        "politics",
        "sports",
        "tech",
    }


def _kill_after_first_checkpoint(spec: Path, checkpoints: Path) -> int:
    process = subprocess.Popen(
        trainer_command(spec),
        cwd=BACKEND_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if any(checkpoints.glob("step-*")):
                os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
    return process.returncode


def test_resume_after_kill_matches_uninterrupted_run(
    run_text: Callable[..., TextRun],
    text_data: dict[str, Path],
    tmp_path: Path,
    model_storage: Path,
) -> None:
    params = {**TINY_PARAMS, "epochs": 3, "checkpoint_every_steps": 3, "export_onnx": False}
    whole = run_text("transformer", text_data["zh"], ZH, params, work=tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr[-3000:]
    work = tmp_path / "killed"
    spec = write_spec(work, "transformer", text_data["zh"], ZH, params, model_storage)
    assert _kill_after_first_checkpoint(spec, work / "checkpoints") == -signal.SIGKILL
    assert not (work / "output" / "text_meta.json").exists()
    resumed = run_text("transformer", text_data["zh"], ZH, params, work=work)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert resumed.result["info"]["resumed"] is True
    assert "resumed from step-" in resumed.logs()
    assert resumed.result["metrics"] == pytest.approx(whole.result["metrics"], abs=1e-6)
    assert resumed.result["info"]["optimizer_steps"] == whole.result["info"]["optimizer_steps"]


def test_stop_flag_and_missing_base_model(
    run_text: Callable[..., TextRun], text_data: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "stopped"
    work.mkdir()
    (work / "STOP").touch()
    stopped = run_text("transformer", text_data["zh"], ZH, TINY_PARAMS, work=work)
    assert stopped.returncode == 3 and stopped.of("stopped")
    missing = run_text("transformer", text_data["zh"], ZH, {**TINY_PARAMS, "base_model": "nope"})
    assert missing.returncode == 1
    assert missing.of("error")[0]["code"] == "base_model_not_found"
