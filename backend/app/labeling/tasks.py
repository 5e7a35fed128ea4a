"""The task kinds: default prompt, request parameters and answer parsing for each.

The default prompts are Chinese, like the data they are mostly written for; the JSON keys stay
English.
"""

import json
from dataclasses import dataclass
from typing import Any

import jsonschema

from app.labeling.schemas import ClassifyTask, ExtractTask, GenerateTask

JSON_OBJECT = {"type": "json_object"}


class InvalidAnswer(ValueError):
    """The teacher answered, but not in the form the task asks."""


def _json(content: str) -> Any:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"answer is not JSON: {exc.msg}") from exc


@dataclass(frozen=True)
class TaskKind:
    """Behaviour shared by every task of one kind."""

    template: str
    votes: bool

    def system(self, task: Any) -> str:
        """The system message (the same for every row, so providers can cache it)."""
        raise NotImplementedError

    def request(self, task: Any) -> dict[str, Any]:
        """Extra request parameters (JSON mode)."""
        return {"response_format": JSON_OBJECT}

    def parse(self, task: Any, content: str) -> Any:
        """The answer's value, or InvalidAnswer."""
        raise NotImplementedError

    def output_tokens(self, task: Any, max_tokens: int) -> int:
        """Output tokens to expect per answer (for the estimate)."""
        return max_tokens


class Classify(TaskKind):
    """One label from the set, answered as {"label": …}."""

    def system(self, task: ClassifyTask) -> str:
        """Ask for JSON with one label."""
        names = "、".join(json.dumps(label.name, ensure_ascii=False) for label in task.labels)
        return (
            "你是一名严谨的数据标注员。"
            f'只回答一个 JSON 对象 {{"label": <{names} 之一>}}，不要写其他内容。'
        )

    def parse(self, task: ClassifyTask, content: str) -> Any:
        """The label, which must be one of the set."""
        value = _json(content)
        label = value.get("label") if isinstance(value, dict) else None
        if label not in {spec.name for spec in task.labels}:
            raise InvalidAnswer(f"label {label!r} is not one of the label set")
        return label

    def output_tokens(self, task: ClassifyTask, max_tokens: int) -> int:
        """The JSON wrapper plus the longest label."""
        return min(max_tokens, 8 + max(len(spec.name) for spec in task.labels) * 2)


class Extract(TaskKind):
    """A JSON object that validates against the task's JSON schema."""

    def system(self, task: ExtractTask) -> str:
        """Ask for JSON following the schema."""
        schema = json.dumps(task.json_schema, ensure_ascii=False)
        return f"按下面的 JSON Schema 抽取字段，只回答一个符合它的 JSON 对象：{schema}"

    def parse(self, task: ExtractTask, content: str) -> Any:
        """The object, validated against the schema."""
        value = _json(content)
        try:
            jsonschema.validate(value, task.json_schema)
        except jsonschema.ValidationError as exc:
            raise InvalidAnswer(f"answer does not follow the schema: {exc.message}") from exc
        return value


class Generate(TaskKind):
    """Free text: the response to an instruction."""

    def system(self, task: GenerateTask) -> str:
        """The task's own system prompt."""
        return task.system

    def request(self, task: Any) -> dict[str, Any]:
        """Plain text."""
        return {}

    def parse(self, task: GenerateTask, content: str) -> Any:
        """The text as written."""
        return content.strip()


CLASSIFY_TEMPLATE = """将下面的文本归入一个类别。
类别：
{% for label in labels %}- {{ label.name }}{{ "：" ~ label.description if label.description }}
{% endfor %}{% if examples %}示例：
{% for example in examples %}文本：{{ example.text }}
答案：{"label": "{{ example.label }}"}
{% endfor %}{% endif %}以 JSON 回答。
文本：{{ text }}"""
EXTRACT_TEMPLATE = "从下面的文本中抽取信息，以 JSON 回答。\n文本：{{ text }}"
GENERATE_TEMPLATE = "{{ text }}"

TASK_KINDS: dict[str, TaskKind] = {
    "classify": Classify(CLASSIFY_TEMPLATE, votes=True),
    "extract": Extract(EXTRACT_TEMPLATE, votes=True),
    "generate": Generate(GENERATE_TEMPLATE, votes=False),
}
