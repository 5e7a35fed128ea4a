"""Benchmark: the llm_sft trainer (TRL SFTTrainer) vs a plain transformers + peft loop.

Same base model, same tokenized conversations (assistant tokens only in the loss), same LoRA
settings, batch, learning-rate schedule and number of optimizer steps, each in a fresh process.
Timed: the training loop only (the trainer's `train_seconds`, i.e. `SFTTrainer.train()`; the
plain loop's steps), so model loading and the evaluation afterwards are not counted. The order
inside a pair alternates (trainer first, then plain first) and the ratio is the median of the
pairs'. Also reported: each process's peak RSS (`ru_maxrss` from `wait4`).

    .venv/bin/python bench/bench_sft.py [--model SmolLM2-135M-Instruct] [--steps 20] [--pairs 2]

The model comes from MODEL_STORAGE_PATH/base/ (`make base-model`). Target: ratio ≤ 1.05.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from bench_training import BACKEND, PY, write_section

BATCH, MAX_LEN, RANK, ALPHA, LR = 8, 128, 8, 16, 3e-4


class Run(NamedTuple):
    """Wall and CPU seconds of one training loop."""

    wall: float
    cpu: float


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
started, cpu_started = time.perf_counter(), time.process_time()
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
print(json.dumps({{"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started, "loss": float(loss)}}))
"""


def _data(folder: Path, rows: int) -> Path:
    sys.path.insert(0, str(BACKEND))
    from tests.tiny_llm import sentiment_rows

    path = folder / "chat.parquet"
    pd.DataFrame(sentiment_rows(rows // 2)).to_parquet(path)
    return path


def _one_core() -> None:
    """Pin a child to one core: its CPU time is then its work, not other processes' (shared host)."""
    os.sched_setaffinity(0, {0})


def _run(command: list[str], folder: Path) -> tuple[int, str, str, int]:
    """Run a child in BACKEND: exit status, stdout, stderr and its peak RSS in bytes."""
    out, err = folder / "stdout", folder / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        child = subprocess.Popen(
            command, cwd=BACKEND, stdout=stdout, stderr=stderr, preexec_fn=_one_core
        )
        _pid, status, usage = os.wait4(child.pid, 0)
    rss = usage.ru_maxrss * 1024
    return os.waitstatus_to_exitcode(status), out.read_text(), err.read_text(), rss


def _trainer(work: Path, data: Path, models: Path, model: str, steps: int) -> tuple[Run, int]:
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
    _code, stdout, stderr, rss = _run([PY, "-m", "app.trainers", str(work / "job.json")], work)
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    result = next((line for line in lines if line.get("type") == "result"), None)
    if result is None:
        raise RuntimeError(f"trainer failed: {stdout[-1500:]} {stderr[-1500:]}")
    report = result["report"]
    return Run(report["train_seconds"], report["train_cpu_seconds"]), rss


def _plain(folder: Path, data: Path, base: Path, steps: int) -> tuple[Run, int]:
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
    folder.mkdir(parents=True)
    code, stdout, stderr, rss = _run([PY, "-c", code], folder)
    if code != 0:
        raise RuntimeError(f"plain loop failed: {stderr[-1500:]}")
    timing = json.loads(stdout.strip().splitlines()[-1])
    return Run(timing["seconds"], timing["cpu_seconds"]), rss


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
    trainer, plain, trainer_rss, plain_rss = [], [], [], []
    for pair in range(args.pairs):
        runs = [
            partial(_trainer, root / f"run-{pair}", data, models, args.model, args.steps),
            partial(_plain, root / f"plain-{pair}", data, base, args.steps),
        ]
        first, second = runs if pair % 2 == 0 else runs[::-1]
        done = [first(), second()]
        (t, t_rss), (p, p_rss) = done if pair % 2 == 0 else done[::-1]
        trainer.append(t)
        plain.append(p)
        trainer_rss.append(t_rss)
        plain_rss.append(p_rss)
        print(f"pair {pair + 1}: trainer {t}, plain {p}", flush=True)
    wall = [t.wall / p.wall for t, p in zip(trainer, plain, strict=True)]
    cpu = [t.cpu / p.cpu for t, p in zip(trainer, plain, strict=True)]
    mib = 2**20
    body = (
        f"""## LLM fine-tuning: SFT trainer vs a plain transformers + peft loop

`bench/bench_sft.py` ({datetime.now(UTC):%Y-%m-%d}): {args.model}, {args.steps} optimizer steps of
batch {BATCH}, ≤ {MAX_LEN} tokens, LoRA r={RANK} on all linear layers, CPU fp32. Training loop only;
the order inside a pair alternates; each process is pinned to one core, so its CPU time is its own
work even when other processes share the host (the wall time is not).

| pair | trainer wall (s) | plain wall (s) | wall ratio | trainer CPU (s) | plain CPU (s) | CPU ratio |
|---|---|---|---|---|---|---|
"""
        + "\n".join(
            f"| {i + 1} | {t.wall:.1f} | {p.wall:.1f} | {t.wall / p.wall:.3f} "
            f"| {t.cpu:.1f} | {p.cpu:.1f} | {t.cpu / p.cpu:.3f} |"
            for i, (t, p) in enumerate(zip(trainer, plain, strict=True))
        )
        + f"\n\nMedian ratio: wall {statistics.median(wall):.3f}, CPU {statistics.median(cpu):.3f} "
        "(target ≤ 1.05). Peak RSS of the "
        f"whole process (median): trainer {statistics.median(trainer_rss) / mib:.0f} MiB, "
        f"plain loop {statistics.median(plain_rss) / mib:.0f} MiB.\n"
    )
    write_section("bench_sft", body)
    print(body)


if __name__ == "__main__":
    main()
