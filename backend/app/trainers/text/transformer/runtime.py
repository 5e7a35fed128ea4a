"""Probabilities from a PyTorch model or an ONNX Runtime session; ONNX export, parity, INT8."""

from pathlib import Path
from typing import Any

import numpy as np

from app.trainers.text.transformer.encode import batches

ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model.int8.onnx"
PARITY_TOLERANCE = 1e-3
OPSET = 17


def to_probabilities(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Sigmoid (multi-label) or softmax of logits, in float64."""
    logits = logits.astype(np.float64)
    if multi_label:
        return 1.0 / (1.0 + np.exp(-logits))
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def torch_probabilities(
    model: Any, rows: list[list[int]], *, pad_id: int, batch_size: int, multi_label: bool
) -> np.ndarray:
    """Probabilities of a PyTorch model over tokenized rows (eval mode, no grad)."""
    import torch

    device = next(model.parameters()).device
    model.eval()
    out = []
    with torch.inference_mode():
        for ids, mask in batches(rows, batch_size, pad_id):
            logits = model(
                input_ids=torch.as_tensor(ids, device=device),
                attention_mask=torch.as_tensor(mask, device=device),
            ).logits
            out.append(logits.float().cpu().numpy())
    return to_probabilities(np.concatenate(out), multi_label)


def onnx_session(path: Path) -> Any:
    """A CPU ONNX Runtime session."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def onnx_probabilities(
    session: Any, rows: list[list[int]], *, pad_id: int, batch_size: int, multi_label: bool
) -> np.ndarray:
    """Probabilities of an ONNX Runtime session over tokenized rows."""
    out = [
        session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
        for ids, mask in batches(rows, batch_size, pad_id)
    ]
    return to_probabilities(np.concatenate(out), multi_label)


def export_onnx(model: Any, path: Path) -> None:
    """Export (input_ids, attention_mask) → logits with dynamic batch and sequence axes."""
    import warnings

    import torch

    model = model.to("cpu").eval()
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LogitsOnly(model),
            (ids, mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _logits_module() -> Any:
    import torch

    class LogitsOnly(torch.nn.Module):
        """Wraps a sequence classifier so the graph has one tensor output."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly


def _LogitsOnly(model: Any) -> Any:
    return _logits_module()(model)


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic INT8 quantization of the ONNX model's weights (MatMul/Gemm)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
