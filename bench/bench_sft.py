"""Benchmark: the llm_sft trainer (TRL SFTTrainer) vs a plain transformers + peft loop.

Same base model, same tokenized conversations (assistant tokens only in the loss), same LoRA
settings, batch, learning-rate schedule and number of optimizer steps, each in a fresh process.
Timed: the training loop only (the trainer's `train_seconds`, i.e. `SFTTrainer.train()`; the
plain loop's steps), so model loading and the evaluation afterwards are not counted.

    .venv/bin/python bench/bench_sft.py [--model SmolLM2-135M-Instruct] [--steps 20] [--pairs 2]

The model comes from MODEL_STORAGE_PATH/base/ (`make base-model`). Target: ratio ≤ 1.05.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bench_training import BACKEND, PY, write_section

BATCH, MAX_LEN, RANK, ALPHA, LR = 8, 128, 8, 16, 3e-4

PLAIN_LOOP = """
import json, sys, time
import pandas as pd, torch
sys.path.insert(0, {backend!r})
from app.trainers.llm.chat_data import read_chat_rows
from app.trainers.llm.encode import encode_conversation
from app.trainers.llm.memory import cpu_threads
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, get_cosine_schedule_with_warmup, set_seed
torch.set_num_threads(cpu_threads())
tokenizer = AutoTokenizer.from_pretrained({base!r})
rows = read_chat_rows(pd.read_parquet({data!r})).conversations
encoded = [encode_conversation(tokenizer, c) for c in rows]
model = AutoModelForCausalLM.from_pretrained({base!r}, dtype=torch.float32)
set_seed(42)
config = LoraConfig(task_type="CAUSAL_LM", r={rank}, lora_alpha={alpha}, lora_dropout=0.05, target_modules="all-linear")
model = get_peft_model(model, config)
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr={lr}, weight_decay=0.0)
schedule = get_cosine_schedule_with_warmup(optimizer, int({steps} * 0.05), {steps})
pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
order = torch.randperm(len(encoded), generator=torch.Generator().manual_seed(42)).tolist()
model.train()
started = time.perf_counter()
for step in range({steps}):
    batch = [encoded[order[(step * {batch} + i) % len(order)]] for i in range({batch})]
    ids = [b["input_ids"][:{max_len}] for b in batch]
    masks = [b["assistant_masks"][:{max_len}] for b in batch]
    width = max(len(x) for x in ids)
    input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
    attention = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids])
    labels = torch.tensor([[t if m else -100 for t, m in zip(x, k)] + [-100] * (width - len(x)) for x, k in zip(ids, masks)])
    loss = model(input_ids=input_ids, attention_mask=attention, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step(); schedule.step(); optimizer.zero_grad()
print(json.dumps({{"seconds": time.perf_counter() - started, "loss": float(loss)}}))
"""


def _data(folder: Path, rows: int) -> Path:
    sys.path.insert(0, str(BACKEND))
    from tests.tiny_llm import sentiment_rows

    path = folder / "chat.parquet"
    pd.DataFrame(sentiment_rows(rows // 2)).to_parquet(path)
    return path


def _trainer(work: Path, data: Path, models: Path, model: str, steps: int) -> float:
    from app.trainers.base import JobSpec

    params = {
        "base_model": model,
        "max_seq_length": MAX_LEN,
        "max_steps": steps,
        "batch_size": BATCH,
        "gradient_accumulation_steps": 1,
        "learning_rate": LR,
        "lora_r": RANK,
        "lora_alpha": ALPHA,
        "checkpoint_every_steps": steps + 1,
        "checkpoint_every_minutes": 600,
        "eval_samples": 0,
    }
    spec = JobSpec.in_work_dir(
        work,
        job_id="bench-sft",
        task_type="llm_sft",
        trainer="lora_sft",
        dataset_path=data,
        params=params,
        split_ratios=(1.0, 0.0, 0.0),
        seed=42,
        model_storage_path=models,
    )
    work.mkdir(parents=True)
    (work / "job.json").write_text(spec.model_dump_json())
    done = subprocess.run(
        [PY, "-m", "app.trainers", str(work / "job.json")],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    result = next((line for line in lines if line.get("type") == "result"), None)
    if result is None:
        raise RuntimeError(f"trainer failed: {done.stdout[-1500:]} {done.stderr[-1500:]}")
    return float(result["report"]["train_seconds"])


def _plain(data: Path, base: Path, steps: int) -> float:
    code = PLAIN_LOOP.format(
        backend=str(BACKEND),
        base=str(base),
        data=str(data),
        rank=RANK,
        alpha=ALPHA,
        lr=LR,
        steps=steps,
        batch=BATCH,
        max_len=MAX_LEN,
    )
    done = subprocess.run([PY, "-c", code], cwd=BACKEND, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    """Alternate trainer and plain runs; write the section of docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="SmolLM2-135M-Instruct")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(BACKEND))
    from app.core.config import get_settings

    models = Path(get_settings().model_storage_path)
    base = models / "base" / args.model
    if not (base / "config.json").is_file():
        sys.exit(f"{base} is not installed: run make base-model")
    root = Path(tempfile.mkdtemp(prefix="bench-sft-"))
    data = _data(root, 200)
    trainer, plain = [], []
    for pair in range(args.pairs):
        trainer.append(_trainer(root / f"run-{pair}", data, models, args.model, args.steps))
        plain.append(_plain(data, base, args.steps))
        print(f"pair {pair + 1}: trainer {trainer[-1]:.1f} s, plain {plain[-1]:.1f} s")
    ratios = [t / p for t, p in zip(trainer, plain, strict=True)]
    body = (
        f"""## LLM fine-tuning: SFT trainer vs a plain transformers + peft loop

`bench/bench_sft.py` ({datetime.now(UTC):%Y-%m-%d}): {args.model}, {args.steps} optimizer steps of
batch {BATCH}, ≤ {MAX_LEN} tokens, LoRA r={RANK} on all linear layers, CPU fp32. Training loop only.

| pair | SFT trainer (s) | plain loop (s) | ratio |
|---|---|---|---|
"""
        + "\n".join(
            f"| {i + 1} | {t:.1f} | {p:.1f} | {t / p:.3f} |"
            for i, (t, p) in enumerate(zip(trainer, plain, strict=True))
        )
        + f"\n\nMedian ratio {statistics.median(ratios):.3f} (target ≤ 1.05).\n"
    )
    write_section("bench_sft", body)
    print(body)


if __name__ == "__main__":
    main()
