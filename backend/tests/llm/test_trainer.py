"""The llm_sft trainer run the way the runner runs it: `python -m app.trainers <job.json>`."""

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from app.trainers.llm.artifacts import LLM_META_FILE
from app.trainers.llm.fit import last_checkpoint
from app.trainers.llm.trainer import LlmSftTrainer
from tests.llm.conftest import BACKEND_DIR, TINY_SFT, LlmRun, trainer_command, write_llm_spec

# Each run starts a child that imports torch, transformers and TRL; on a busy 2-core machine that
# alone takes tens of seconds, so these tests get more than the default timeout.
pytestmark = pytest.mark.timeout(1200)


def test_tiny_llama_trains_evaluates_and_saves_the_contract(
    run_llm: Callable[..., LlmRun],
) -> None:
    run = run_llm(TINY_SFT)
    assert run.returncode == 0, run.stderr[-4000:]
    result = run.result
    output = run.work / "output"
    assert (output / "adapter" / "adapter_model.safetensors").is_file()
    assert (output / "adapter" / "adapter_config.json").is_file()
    tokenizer_config = json.loads((output / "tokenizer" / "tokenizer_config.json").read_text())
    has_template = (
        "chat_template" in tokenizer_config
        or (output / "tokenizer" / "chat_template.jinja").is_file()
    )
    assert has_template
    meta = json.loads((output / LLM_META_FILE).read_text())
    assert meta == {
        "base_model": "tiny-llama",
        "chat_template_source": "tokenizer",
        "max_seq_length": 96,
        "eos_token": "<|im_end|>",
    }
    report = result["report"]
    assert report["format"] == "messages" and report["rows"] == {
        "train": 128,
        "validation": 16,
        "test": 16,
    }
    assert report["device"] == "cpu" and report["precision"] == "fp32"
    metrics = result["metrics"]
    assert metrics["perplexity"] > 1 and metrics["eval_loss"] > 0
    generation = report["generation"]
    assert generation["scoring"] == "exact_match" and generation["prompts"] == 8
    assert 0 <= metrics["accuracy"] <= 1 and "base_accuracy" in metrics
    assert 0 <= generation["stop_check"]["rate"] <= 1
    assert {"prompt", "reference", "tuned", "base"} <= set(generation["samples"][0])
    train_events = [e for e in run.of("metrics") if e["split"] == "train"]
    assert {"loss", "learning_rate", "tokens_per_second", "eta_seconds"} <= set(
        train_events[-1]["metrics"]
    )
    assert any(e["split"] == "validation" for e in run.of("metrics"))
    rates = [e["metrics"]["learning_rate"] for e in train_events]
    assert max(rates) > rates[-1]  # cosine decay after the warmup
    predictor = LlmSftTrainer.load_predictor(output, {"info": result["info"]})
    answers = predictor.predict([{"prompt": "判断这条评论的情感：很好"}])
    assert isinstance(answers[0]["text"], str) and isinstance(answers[0]["finished"], bool)


def test_trained_loss_drops_below_the_start(run_llm: Callable[..., LlmRun]) -> None:
    params = {**TINY_SFT, "base_model": "tiny-qwen2", "eval_every_steps": 0, "eval_samples": 0}
    run = run_llm(params)
    assert run.returncode == 0, run.stderr[-4000:]
    losses = [e["metrics"]["loss"] for e in run.of("metrics") if e["split"] == "train"]
    assert losses[-1] < losses[0] * 0.95  # 2 epochs of a random tiny model: 6.4 → 5.8 seen


def test_bad_rows_refused_naming_the_row(run_llm: Callable[..., LlmRun], tmp_path: Path) -> None:
    import pandas as pd

    bad = tmp_path / "bad.parquet"
    good = json.dumps([{"role": "user", "content": "你好"}, {"role": "assistant", "content": "好"}])
    wrong = json.dumps([{"role": "assistant", "content": "好"}])
    pd.DataFrame({"messages": [good, good, wrong]}).to_parquet(bad)
    run = run_llm(TINY_SFT, dataset=bad)
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "no_assistant_turn" or error["code"] == "wrong_turn_order"
    assert "row 3" in error["message"]


def test_qlora_refused_on_cpu_and_memory_check(run_llm: Callable[..., LlmRun]) -> None:
    run = run_llm({**TINY_SFT, "quantization": "4bit"})
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "qlora_unavailable" and "quantization to 'none'" in error["message"]
    huge = run_llm({**TINY_SFT, "batch_size": 512, "max_seq_length": 32768})
    assert huge.returncode == 1
    error = huge.of("error")[0]
    assert error["code"] == "insufficient_memory"
    assert "batch_size (now 512)" in error["message"] and "GiB" in error["message"]


def _kill_after_first_checkpoint(spec: Path, checkpoints: Path) -> int:
    process = subprocess.Popen(
        trainer_command(spec),
        cwd=BACKEND_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if last_checkpoint(checkpoints) is not None:
                os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
    return process.returncode


def test_kill_mid_epoch_resumes_to_the_same_final_loss(
    run_llm: Callable[..., LlmRun], tmp_path: Path, llm_storage: Path, chat_data: Path
) -> None:
    params = {**TINY_SFT, "eval_samples": 0, "checkpoint_every_steps": 3, "lora_dropout": 0.1}
    whole = run_llm(params, work=tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr[-4000:]
    work = tmp_path / "killed"
    spec = write_llm_spec(work, chat_data, params, llm_storage, {})
    assert _kill_after_first_checkpoint(spec, work / "checkpoints") == -signal.SIGKILL
    killed_at = last_checkpoint(work / "checkpoints")
    assert killed_at is not None and not (work / "output" / LLM_META_FILE).exists()
    resumed = run_llm(params, work=work)
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert resumed.result["report"]["resumed_from"] == killed_at.name
    first_step = min(e["step"] for e in resumed.of("metrics") if e["split"] == "train")
    assert first_step > 1  # mid-epoch: 8 steps per epoch, the first checkpoint at step 3
    for name in ("eval_loss", "final_step_loss"):
        assert resumed.result["metrics"][name] == pytest.approx(
            whole.result["metrics"][name], abs=1e-5
        )
    assert resumed.result["report"]["steps"] == whole.result["report"]["steps"]


def test_stop_flag_and_missing_base_model(run_llm: Callable[..., LlmRun], tmp_path: Path) -> None:
    work = tmp_path / "stopped"
    work.mkdir()
    (work / "STOP").touch()
    stopped = run_llm(TINY_SFT, work=work)
    assert stopped.returncode == 3 and stopped.of("stopped")
    missing = run_llm({**TINY_SFT, "base_model": "nope"})
    assert missing.returncode == 1
    assert missing.of("error")[0]["code"] == "base_model_not_found"
