"""A distillation report as Markdown (Chinese headings with English) and as CSV."""

import csv
import io
from typing import Any

from app.db.models import Distillation

MODELS = (("student", "学生 Student"), ("teacher", "教师 Teacher"))


def _number(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _student(distillation: Distillation) -> str:
    """The student's kind and trainer (and base model for an LLM)."""
    student = distillation.student
    if student.get("task_type") == "llm_sft":
        base = student.get("params", {}).get("base_model")
        return f"大模型微调 LLM fine-tune, {student.get('trainer')} on `{base}`"
    return f"文本分类器 text classifier, {student.get('trainer')}"


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: section, metric, model, value, interval, unit."""
    out: list[dict[str, Any]] = []
    for model, _ in MODELS:
        scores = report["quality"][model]
        for metric in ("accuracy", "macro_f1"):
            score = scores[metric] or {}
            out.append(
                {
                    "section": "quality",
                    "metric": metric,
                    "model": model,
                    "value": score.get("value"),
                    "ci_low": score.get("ci_low"),
                    "ci_high": score.get("ci_high"),
                    "unit": f"n={scores['n']}",
                }
            )
    for model, _ in MODELS:
        timing = report["latency"][model]
        for metric in ("p50_ms", "p95_ms"):
            out.append(
                {"section": "latency", "metric": metric, "model": model, "value": timing[metric]}
                | {"ci_low": None, "ci_high": None, "unit": "ms"}
            )
    cost = report["cost"]
    currency = report["currency"]
    for metric, model in (
        ("per_1k_predictions", "teacher"),
        ("per_1k_predictions", "student"),
        ("teacher_labeling_cost", "teacher"),
        ("training_cost", "student"),
        ("one_off_cost", "student"),
    ):
        key = f"{model}_per_1k" if metric == "per_1k_predictions" else metric
        out.append(
            {"section": "cost", "metric": metric, "model": model, "value": cost[key]}
            | {"ci_low": None, "ci_high": None, "unit": currency}
        )
    llm = report.get("llm_answers")
    if llm:
        out.append(
            {"section": "quality", "metric": "unparsed_answers", "model": "student"}
            | {"value": llm["unparsed"], "ci_low": None, "ci_high": None}
            | {"unit": f"n={report['gold_rows']}"}
        )
    out.append(
        {
            "section": "cost",
            "metric": "break_even_predictions",
            "model": "student",
            "value": cost["break_even_predictions"],
            "ci_low": None,
            "ci_high": None,
            "unit": "predictions",
        }
    )
    return out


def to_csv(distillation: Distillation) -> str:
    """The report's figures as CSV (UTF-8, one header row)."""
    buffer = io.StringIO()
    fields = ["section", "metric", "model", "value", "ci_low", "ci_high", "unit"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(distillation.report or {}))
    return buffer.getvalue()


def to_markdown(distillation: Distillation) -> str:
    """The report as a Markdown document."""
    report = distillation.report or {}
    currency = report["currency"]
    cost = report["cost"]
    usage = report["teacher_usage"]
    lines = [
        f"# 蒸馏报告 Distillation report: {distillation.name}",
        "",
        f"- 金标准集 Gold set: {report['gold_rows']} rows "
        f"(`{distillation.gold_text_column}` → `{distillation.gold_label_column}`), "
        f"{report['gold_rows_in_training']} of them also in the training data",
        f"- 学生 Student: {_student(distillation)} "
        f"(model version `{distillation.model_version_id}`)",
        f"- 教师 Teacher: {', '.join(usage['models'])}",
        "",
        "## 质量 Quality (95% bootstrap CI)",
        "",
        "| 模型 Model | n | 准确率 Accuracy | 宏平均 F1 Macro-F1 |",
        "|---|---|---|---|",
    ]
    for model, label in MODELS:
        scores = report["quality"][model]
        cells = []
        for metric in ("accuracy", "macro_f1"):
            score = scores[metric]
            cells.append(
                "—"
                if score is None
                else f"{score['value']:.4f} [{score['ci_low']:.4f}, {score['ci_high']:.4f}]"
            )
        lines.append(f"| {label} | {scores['n']} | {cells[0]} | {cells[1]} |")
    llm = report.get("llm_answers")
    if llm:
        lines += [
            "",
            f"学生的回答按类别名精确匹配（去除首尾空白）；{llm['unparsed']} 条回答不是任何类别，"
            f"记为错误。 Answers are matched to a label exactly (trimmed); {llm['unparsed']} of "
            f"{report['gold_rows']} named no label and count as wrong (greedy, at most "
            f"{llm['max_new_tokens']} new tokens).",
        ]
    lines += [
        "",
        "## 延迟 Latency (ms per prediction)",
        "",
        "| 模型 Model | n | p50 | p95 |",
        "|---|---|---|---|",
    ]
    for model, label in MODELS:
        timing = report["latency"][model]
        lines.append(
            f"| {label} | {timing['n']} | {_number(timing['p50_ms'], 1)} "
            f"| {_number(timing['p95_ms'], 1)} |"
        )
    break_even = cost["break_even_predictions"]
    lines += [
        "",
        f"## 成本 Cost ({currency})",
        "",
        f"| 项目 Item | 值 Value ({currency}) |",
        "|---|---|",
        f"| 教师每千次预测 Teacher per 1,000 predictions | {_number(cost['teacher_per_1k'], 6)} |",
        f"| 学生每千次预测 Student per 1,000 predictions | {_number(cost['student_per_1k'], 6)} |",
        f"| 教师标注成本 Teacher labeling | {_number(cost['teacher_labeling_cost'], 6)} |",
        f"| 学生训练成本 Student training | {_number(cost['training_cost'], 6)} |",
        f"| 一次性成本 One-off cost | {_number(cost['one_off_cost'], 6)} |",
        "| 盈亏平衡预测量 Break-even volume | "
        + ("—" if break_even is None else f"{break_even:,.0f} predictions")
        + " |",
        "",
        f"CPU-hour price {report['cpu_hour_price']} {currency}; student CPU time "
        f"{report['student_cpu_seconds_per_prediction'] * 1000:.3f} ms per prediction; "
        f"training {report['training_seconds']:.1f} s. Teacher: {usage['calls']} calls, "
        f"{usage['input_tokens']} input tokens ({usage['cached_input_tokens']} cached), "
        f"{usage['output_tokens']} output tokens, {usage['cost']} {currency} "
        f"for {usage['predictions']} labeled rows.",
        "",
    ]
    return "\n".join(lines)
