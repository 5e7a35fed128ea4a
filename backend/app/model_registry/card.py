"""The downloadable model package: artifacts + metadata.json + a bilingual model card.

The card's sections come from the task type's registry entry (`card_sections`), each
rendered by its function in `SECTIONS`.
"""

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from app.core.config import Settings
from app.db.models import ModelVersion
from app.model_registry.schemas import ModelVersionRead
from app.trainers.task_types import TaskTypeSpec, task_spec


def _metrics_table(metrics: dict) -> str:
    rows = [
        f"| {name} | {value:.4f} |" if isinstance(value, int | float) else f"| {name} | {value} |"
        for name, value in metrics.items()
    ]
    return "\n".join(["| 指标 Metric | 值 Value |", "|---|---|", *rows])


def _input_columns(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    """The columns the model reads: as trained, else as mapped."""
    recorded = version.info.get("input_columns")
    if recorded:
        return [str(name) for name in recorded]
    names: list[str] = []
    for role in spec.input_roles:
        value = version.columns.get(role.name)
        names += [str(v) for v in (value if isinstance(value, list) else [value]) if v]
    return names


def _overview(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    """What it predicts, from which columns, trained on which data (Chinese, then English)."""
    target = version.columns.get(spec.target_role.name) or "?"
    inputs = ", ".join(_input_columns(version, spec))
    classes = version.info.get("classes") or []
    return [
        "## 概述",
        f"- 任务：{spec.label.zh}；预测列：`{target}`" + (f"；类别：{classes}" if classes else ""),
        f"- 训练器：{version.trainer}（格式 {version.model_format}）",
        f"- 训练数据：数据集 {version.dataset_id}（sha256 {version.dataset_sha256}），"
        f"划分随机种子 {version.split_seed}",
        f"- 输入列：{inputs}",
        "",
        "## Overview",
        f"- Task: {spec.label.en.lower()}; predicts `{target}`"
        + (f"; classes: {classes}" if classes else ""),
        f"- Trainer: {version.trainer} (format {version.model_format})",
        f"- Trained on dataset {version.dataset_id} (sha256 {version.dataset_sha256}), "
        f"split seed {version.split_seed}",
        f"- Input columns: {inputs}",
        "",
    ]


def _metrics(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    return ["## 测试集指标 / Held-out test metrics", _metrics_table(version.metrics), ""]


def _onnx_export(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    """The ONNX parity check (and INT8 change) of an exported model; nothing when not exported."""
    export = version.info.get("export") or {}
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


def _how_to_call(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    """The predict request with one example row of the task's predict input."""
    row = dict.fromkeys(_input_columns(version, spec)[:5], "…")
    lines = [
        "## 调用方式 / How to call it",
        "```",
        f"POST /api/v1/models/{version.id}/predict",
        "Authorization: Bearer <token>",
        json.dumps({"inputs": [row]}, ensure_ascii=False),
        "```",
    ]
    if spec.predict_input.plain_text:
        lines.append('文本也可直接作为字符串 / rows may also be plain strings: {"inputs": ["…"]}')
    return [*lines, ""]


def _provenance(version: ModelVersion, spec: TaskTypeSpec) -> list[str]:
    return [
        f"库版本 Library versions: {json.dumps(version.library_versions)}",
        f"参数 Params: {json.dumps(version.params, ensure_ascii=False)}",
        "",
    ]


Section = Callable[[ModelVersion, TaskTypeSpec], list[str]]

# The sections a task type's registry entry can name, rendered in the order it lists them.
SECTIONS: dict[str, Section] = {
    "overview": _overview,
    "metrics": _metrics,
    "onnx_export": _onnx_export,
    "how_to_call": _how_to_call,
    "provenance": _provenance,
}


def model_card(version: ModelVersion) -> str:
    """README.md in Chinese and English, with the sections the task type lists."""
    spec = task_spec(version.task_type)
    lines = [f"# {version.name} v{version.version}", ""]
    for section in spec.card_sections:
        lines += SECTIONS[section](version, spec)
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
