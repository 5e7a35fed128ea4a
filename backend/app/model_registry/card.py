"""The downloadable model package: artifacts + metadata.json + a bilingual model card."""

import io
import json
import zipfile
from pathlib import Path

from app.core.config import Settings
from app.db.models import ModelVersion
from app.model_registry.schemas import ModelVersionRead

TASK_NAMES = {
    "tabular_classification": ("表格分类", "tabular classification"),
    "tabular_regression": ("表格回归", "tabular regression"),
    "text_classification": ("文本分类", "text classification"),
}


def _metrics_table(metrics: dict) -> str:
    rows = [
        f"| {name} | {value:.4f} |" if isinstance(value, int | float) else f"| {name} | {value} |"
        for name, value in metrics.items()
    ]
    return "\n".join(["| 指标 Metric | 值 Value |", "|---|---|", *rows])


def _export_lines(export: dict) -> list[str]:
    """The ONNX parity check (and INT8 change) of an exported text model."""
    parity = export.get("onnx_parity")
    if not parity:
        return []
    verdict = "通过 passed" if parity["passed"] else "未通过 failed (served with PyTorch)"
    lines = [
        "## ONNX 导出校验 / ONNX export check",
        f"- ONNX Runtime vs PyTorch on {parity['rows']} {parity['split']} texts: max |Δp| = "
        f"{parity['max_abs_probability_diff']:.2e} (tolerance {parity['tolerance']}) — {verdict}",
    ]
    if "int8" in export:
        change = ", ".join(f"{k} {v:+.4f}" for k, v in export["int8"]["change"].items())
        lines.append(f"- INT8 dynamic quantization (served): score change {change}")
    return [*lines, ""]


def model_card(version: ModelVersion) -> str:
    """README.md in Chinese and English: what it predicts, data, metrics, how to call it."""
    zh, en = TASK_NAMES.get(version.task_type, (version.task_type, version.task_type))
    target = version.columns.get("target") or version.columns.get("label") or "?"
    inputs = version.info.get("input_columns") or [version.columns.get("text", "?")]
    classes = version.info.get("classes") or []
    example = json.dumps({"inputs": [dict.fromkeys(inputs[:5], "…")]}, ensure_ascii=False)
    lines = [
        f"# {version.name} v{version.version}",
        "",
        "## 概述",
        f"- 任务：{zh}；预测列：`{target}`" + (f"；类别：{classes}" if classes else ""),
        f"- 训练器：{version.trainer}（格式 {version.model_format}）",
        f"- 训练数据：数据集 {version.dataset_id}（sha256 {version.dataset_sha256}），"
        f"划分随机种子 {version.split_seed}",
        f"- 输入列：{', '.join(map(str, inputs))}",
        "",
        "## Overview",
        f"- Task: {en}; predicts `{target}`" + (f"; classes: {classes}" if classes else ""),
        f"- Trainer: {version.trainer} (format {version.model_format})",
        f"- Trained on dataset {version.dataset_id} (sha256 {version.dataset_sha256}), "
        f"split seed {version.split_seed}",
        f"- Input columns: {', '.join(map(str, inputs))}",
        "",
        "## 测试集指标 / Held-out test metrics",
        _metrics_table(version.metrics),
        "",
        *_export_lines(version.info.get("export") or {}),
        "## 调用方式 / How to call it",
        "```",
        f"POST /api/v1/models/{version.id}/predict",
        "Authorization: Bearer <token>",
        example,
        "```",
        "",
        f"库版本 Library versions: {json.dumps(version.library_versions)}",
        f"参数 Params: {json.dumps(version.params, ensure_ascii=False)}",
        "",
    ]
    return "\n".join(lines)


def package(settings: Settings, version: ModelVersion) -> bytes:
    """A zip of the artifacts, `metadata.json` and `README.md`."""
    root = Path(settings.model_storage_path) / version.artifact_dir
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in version.artifacts:
            archive.write(root / entry["path"], entry["path"])
        metadata = ModelVersionRead.model_validate(version).model_dump(mode="json")
        archive.writestr("metadata.json", json.dumps(metadata, ensure_ascii=False, indent=2))
        archive.writestr("README.md", model_card(version))
    return buffer.getvalue()
