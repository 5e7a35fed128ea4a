"""Prompt templates: Jinja2 in a sandbox, strict about undefined names."""

import math
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from app.core.errors import UnprocessableInput
from app.labeling.tasks import TASK_KINDS

_ENV = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


class TemplateInvalid(UnprocessableInput):
    """The prompt template does not compile or does not render for a row."""

    code = "template_invalid"


class PromptBuilder:
    """Renders one row's messages: the task's system message and the templated prompt."""

    def __init__(self, task: Any, template: str | None, text_columns: list[str]) -> None:
        self.kind = TASK_KINDS[task.kind]
        self.task = task
        self.text_columns = text_columns
        self.system = self.kind.system(task)
        try:
            self.template = _ENV.from_string(template or self.kind.template)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateInvalid(
                f"Template error on line {exc.lineno}: {exc.message}",
                details={"field": "template", "line": exc.lineno},
            ) from exc
        self.context = task.model_dump(mode="json")

    def messages(self, row_index: int, row: dict[str, Any]) -> list[dict[str, str]]:
        """The chat messages for one row (1-based row number in errors)."""
        text = "\n".join(_cell(row.get(c)) for c in self.text_columns)
        try:
            prompt = self.template.render(**self.context, text=text, row=row)
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise TemplateInvalid(
                f"Template cannot be rendered for row {row_index + 1}: {exc}",
                details={"field": "template", "row": row_index + 1},
            ) from exc
        messages = [{"role": "user", "content": prompt}]
        if self.system:
            messages.insert(0, {"role": "system", "content": self.system})
        return messages


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def estimate_tokens(text: str) -> int:
    """Rough token count: one per CJK character, one per 4 other characters."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + math.ceil((len(text) - wide) / 4)


def message_tokens(messages: list[dict[str, str]]) -> int:
    """Estimated prompt tokens of a chat request (4 per message for the framing)."""
    return sum(4 + estimate_tokens(m["content"]) for m in messages)


def message_tokens_bound(messages: list[dict[str, str]]) -> int:
    """An upper bound of prompt tokens: a byte-level tokenizer makes at most one token per UTF-8
    byte (a rare Chinese character can take three), plus a few framing tokens per message and
    for the reply."""
    return 8 + sum(8 + len(m["content"].encode()) for m in messages)
