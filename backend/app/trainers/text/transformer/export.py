"""After training: ONNX export, parity check against PyTorch on the test split, optional INT8."""

from typing import Any

import numpy as np

from app.trainers.base import TrainerContext
from app.trainers.text.data import TextData
from app.trainers.text.metrics import evaluate
from app.trainers.text.transformer.params import TransformerParams
from app.trainers.text.transformer.runtime import (
    ONNX_FILE,
    ONNX_INT8_FILE,
    PARITY_TOLERANCE,
    export_onnx,
    onnx_probabilities,
    onnx_session,
    quantize_int8,
)

SCORE_KEYS = ("accuracy", "macro_f1", "subset_accuracy", "micro_f1")


def _scores(data: TextData, proba: np.ndarray, multi_label: bool) -> dict[str, float]:
    metrics, _ = evaluate(
        data.classes, data.y["test"], proba, data.texts["test"], multi_label=multi_label
    )
    return {k: v for k, v in metrics.items() if k in SCORE_KEYS}


def export_and_check(
    ctx: TrainerContext,
    model: Any,
    rows: list[list[int]],
    torch_proba: np.ndarray,
    data: TextData,
    meta: dict[str, Any],
    *,
    pad_id: int,
    p: TransformerParams,
) -> dict[str, Any]:
    """Export, compare with PyTorch (max |Δp| ≤ 1e-3 → serve ONNX), quantize if asked.

    Updates `meta` (runtime, onnx_file) and returns the record the model card shows.
    """
    path = ctx.output_dir / ONNX_FILE
    export_onnx(model, path)
    args: dict[str, Any] = {
        "pad_id": pad_id,
        "batch_size": p.eval_batch_size,
        "multi_label": p.multi_label,
    }
    proba = onnx_probabilities(onnx_session(path), rows, **args)
    diff = float(np.abs(proba - torch_proba).max()) if len(rows) else 0.0
    passed = diff <= PARITY_TOLERANCE
    record: dict[str, Any] = {
        "onnx_parity": {
            "split": "test",
            "rows": len(rows),
            "max_abs_probability_diff": diff,
            "tolerance": PARITY_TOLERANCE,
            "passed": passed,
        },
        "pytorch_scores": _scores(data, torch_proba, p.multi_label),
    }
    ctx.log(
        f"ONNX parity on {len(rows)} test texts: max |Δp| = {diff:.2e} "
        f"({'ok' if passed else 'FAILED'})"
    )
    if not passed:
        ctx.log("ONNX output differs from PyTorch; serving with PyTorch", level="warning")
        path.unlink()
        return record
    meta.update(runtime="onnx", onnx_file=ONNX_FILE)
    if p.onnx_int8:
        target = ctx.output_dir / ONNX_INT8_FILE
        quantize_int8(path, target)
        int8 = _scores(data, onnx_probabilities(onnx_session(target), rows, **args), p.multi_label)
        change = {k: int8[k] - record["pytorch_scores"][k] for k in int8}
        record["int8"] = {"scores": int8, "change": change, "file": ONNX_INT8_FILE}
        ctx.log(f"INT8 quantized: score change {change}")
        meta["onnx_file"] = ONNX_INT8_FILE
    return record
