"""Task types in one place: trainers, column roles, validation rules, card sections, predict input.

Everything the platform does differently per task type is looked up here; no other module
branches on a task type's name. The datasets domain runs the named validation rules, the
model registry renders the named model-card sections, the API serves `describe_task_types()`
(`GET /api/v1/task-types`) and the console builds the job wizard, the validation panel and the
predict panel from it.

Add a task type (e.g. `llm_sft`): a `TaskType` member and one `TaskTypeSpec` in `TASK_TYPES`
(trainers as "module:Class", imported lazily; column roles; the validation rules and card
sections it needs, adding a rule or section to its domain's table when none fits; the predict
input; zh/en labels).

Trainer params are labelled for the console in both languages: each `Params` model lists
`labels = {field: ParamLabel(zh, en, help_zh)}`; the field's `description` is the English help.
The params JSON schema then carries, per property, `title` (English label), `x-label`
`{"zh", "en"}` and `x-help` `{"zh", "en"}` (see `TrainerParams`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

# What a column holds, as the dataset profile infers it.
ColumnKind = Literal["text", "categorical", "numeric", "boolean", "datetime"]


class TaskType(StrEnum):
    """What a model learns to do."""

    tabular_classification = "tabular_classification"
    tabular_regression = "tabular_regression"
    text_classification = "text_classification"
    llm_sft = "llm_sft"


class LocalizedText(BaseModel):
    """The same text in Chinese and English."""

    zh: str
    en: str


class ColumnRole(BaseModel):
    """One key of a job's `columns` mapping: what the column is for and what it may hold."""

    name: str = Field(description="Key in the job's `columns` mapping.")
    label: LocalizedText
    help: LocalizedText
    required: bool = Field(description="False: may be null or left out.")
    multiple: bool = Field(description="True: a list of column names; False: one name.")
    dtypes: list[ColumnKind] = Field(
        description="Column kinds this role accepts (inferred types); empty: any kind."
    )
    all_others_when_empty: bool = Field(
        False, description="Left empty, the role takes every column not used by another role."
    )
    predicts: bool = Field(False, description="The column the model learns to predict.")


class PredictInput(BaseModel):
    """The shape of one row of `POST /models/{id}/predict`'s `inputs`."""

    row: Literal["object"] = Field(
        "object", description="Each row is an object of column name → value."
    )
    columns_from: list[str] = Field(description="Roles whose columns each row must carry.")
    plain_text: bool = Field(False, description="A row may also be a plain string (the text).")


@dataclass(frozen=True)
class TaskTypeSpec:
    """Everything the platform knows about one task type."""

    label: LocalizedText
    description: LocalizedText
    trainers: dict[str, str]  # name → "module:Class"; the first is the default
    roles: tuple[ColumnRole, ...]
    validation_rules: tuple[str, ...]  # run in order by the datasets domain's rule table
    card_sections: tuple[str, ...]  # rendered in order by the model registry's card
    predict_input: PredictInput
    # "module:function" validating the whole table, for rows that are conversations rather than
    # inputs and a label; `validation_rules` are not run then
    validator: str | None = None

    @property
    def target_role(self) -> ColumnRole:
        """The role of the column the model predicts."""
        return next(role for role in self.roles if role.predicts)

    @property
    def input_roles(self) -> tuple[ColumnRole, ...]:
        """The roles of the columns the model reads."""
        return tuple(role for role in self.roles if not role.predicts)


def _text(zh: str, en: str) -> LocalizedText:
    return LocalizedText(zh=zh, en=en)


def _features_role() -> ColumnRole:
    return ColumnRole(
        name="features",
        label=_text("特征列", "Feature columns"),
        help=_text(
            "模型读取的列；留空则使用除目标列外的所有列。",
            "Columns the model reads; empty: all but the target.",
        ),
        required=False,
        multiple=True,
        dtypes=[],
        all_others_when_empty=True,
    )


def _target_role(help_zh: str, help_en: str, dtypes: list[ColumnKind]) -> ColumnRole:
    return ColumnRole(
        name="target",
        label=_text("目标列", "Target column"),
        help=_text(help_zh, help_en),
        required=True,
        multiple=False,
        dtypes=dtypes,
        predicts=True,
    )


_TABULAR_INPUT = PredictInput(columns_from=["features"])
_TABULAR_CARD = ("overview", "metrics", "how_to_call", "provenance")

TASK_TYPES: dict[TaskType, TaskTypeSpec] = {
    TaskType.tabular_classification: TaskTypeSpec(
        label=_text("表格分类", "Tabular classification"),
        description=_text("根据表格中的列预测类别。", "Predict a category from a table's columns."),
        trainers={
            "lightgbm": "app.trainers.tabular.lightgbm:LightGBMClassifierTrainer",
            "hist_gradient_boosting": "app.trainers.tabular.sklearn:HistGBClassifierTrainer",
            "linear": "app.trainers.tabular.sklearn:LinearClassifierTrainer",
        },
        roles=(
            _target_role("要预测的类别列。", "The category to predict.", []),
            _features_role(),
        ),
        validation_rules=("missing_label", "classes", "duplicates", "conflicting_labels"),
        card_sections=_TABULAR_CARD,
        predict_input=_TABULAR_INPUT,
    ),
    TaskType.tabular_regression: TaskTypeSpec(
        label=_text("表格回归", "Tabular regression"),
        description=_text("根据表格中的列预测数值。", "Predict a number from a table's columns."),
        trainers={
            "lightgbm": "app.trainers.tabular.lightgbm:LightGBMRegressorTrainer",
            "hist_gradient_boosting": "app.trainers.tabular.sklearn:HistGBRegressorTrainer",
            "linear": "app.trainers.tabular.sklearn:LinearRegressorTrainer",
        },
        roles=(
            # text columns are accepted when their values read as numbers (checked by a rule)
            _target_role(
                "要预测的数值列。",
                "The number to predict.",
                ["numeric", "boolean", "text", "categorical"],
            ),
            _features_role(),
        ),
        validation_rules=("missing_label", "numeric_target", "duplicates"),
        card_sections=_TABULAR_CARD,
        predict_input=_TABULAR_INPUT,
    ),
    TaskType.text_classification: TaskTypeSpec(
        label=_text("文本分类", "Text classification"),
        description=_text("根据一段文本预测类别。", "Predict a category from a piece of text."),
        trainers={
            "tfidf_linear": "app.trainers.text.tfidf_linear:TfidfLinearTrainer",
            "transformer": "app.trainers.text.transformer:TransformerTrainer",
        },
        roles=(
            ColumnRole(
                name="text",
                label=_text("文本列", "Text column"),
                help=_text("模型读取的文本。", "The text the model reads."),
                required=True,
                multiple=False,
                dtypes=["text", "categorical"],
            ),
            ColumnRole(
                name="label",
                label=_text("标签列", "Label column"),
                help=_text("要预测的类别。", "The category to predict."),
                required=True,
                multiple=False,
                dtypes=[],
                predicts=True,
            ),
        ),
        validation_rules=(
            "missing_label",
            "empty_text",
            "classes",
            "duplicates",
            "conflicting_labels",
        ),
        card_sections=("overview", "metrics", "onnx_export", "how_to_call", "provenance"),
        predict_input=PredictInput(columns_from=["text"], plain_text=True),
    ),
    TaskType.llm_sft: TaskTypeSpec(
        label=_text("大模型微调（LoRA）", "LLM fine-tuning (LoRA)"),
        description=_text(
            "用对话或指令数据微调小型大语言模型。",
            "Fine-tune a small language model on chat or instruction data.",
        ),
        trainers={"lora_sft": "app.trainers.llm:LlmSftTrainer"},
        roles=(
            ColumnRole(
                name="prompt",
                label=_text("提示列", "Prompt column"),
                help=_text(
                    "表格数据中用户的提问；对话格式（messages、alpaca、sharegpt）留空即可自动识别。",
                    "The user's turn in a table; leave empty for chat formats "
                    "(messages, alpaca, sharegpt), which are detected.",
                ),
                required=False,
                multiple=False,
                dtypes=["text", "categorical"],
            ),
            ColumnRole(
                name="response",
                label=_text("回答列", "Response column"),
                help=_text(
                    "表格数据中期望的回答；对话格式留空即可。",
                    "The expected answer in a table; leave empty for chat formats.",
                ),
                required=False,
                multiple=False,
                dtypes=["text", "categorical"],
                predicts=True,
            ),
            ColumnRole(
                name="system",
                label=_text("系统提示列", "System prompt column"),
                help=_text("可选：每行的系统提示。", "Optional: a system prompt per row."),
                required=False,
                multiple=False,
                dtypes=["text", "categorical"],
            ),
        ),
        validation_rules=(),
        card_sections=("overview", "metrics", "provenance"),
        predict_input=PredictInput(columns_from=["prompt"]),
        validator="app.datasets.chat_validation:validate_chat_task",
    ),
}


class UnknownTaskTypeError(LookupError):
    """The task type is not registered."""


def task_spec(task_type: str) -> TaskTypeSpec:
    """The registered spec of a task type."""
    spec = TASK_TYPES.get(task_type)  # type: ignore[call-overload]
    if spec is None:
        names = ", ".join(TASK_TYPES)
        raise UnknownTaskTypeError(f"unknown task type {task_type!r}; expected one of: {names}")
    return spec
