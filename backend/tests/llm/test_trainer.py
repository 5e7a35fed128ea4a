"""The llm_sft trainer run the way the runner runs it: `python -m app.trainers <job.json>`."""

import json
from collections.abc import Callable
from pathlib import Path

from app.trainers.llm.artifacts import LLM_META_FILE
from app.trainers.llm.trainer import LlmSftTrainer
from tests.llm.conftest import TINY_SFT, LlmRun


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
    run = run_llm({**TINY_SFT, "base_model": "tiny-qwen2", "epochs": 3, "eval_samples": 0})
    assert run.returncode == 0, run.stderr[-4000:]
    losses = [e["metrics"]["loss"] for e in run.of("metrics") if e["split"] == "train"]
    assert losses[-1] < losses[0] * 0.8


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
