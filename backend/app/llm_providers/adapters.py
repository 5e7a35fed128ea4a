"""What differs between providers: base URL preset, key setting, usage fields, content filters."""

from dataclasses import dataclass
from typing import Any

from app.db.models import ProviderKind


@dataclass(frozen=True)
class Usage:
    """Tokens of one answer, normalised: cached input is part of the input."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
        )

    def as_dict(self) -> dict[str, int]:
        """Plain JSON form."""
        return {
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "output_tokens": self.output_tokens,
        }


def _field(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None and getattr(obj, "model_extra", None):
        value = obj.model_extra.get(name)
    return value


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


@dataclass(frozen=True)
class Adapter:
    """One provider family; every one speaks the OpenAI chat completions protocol."""

    kind: ProviderKind
    base_url: str | None
    key_setting: str | None
    filter_markers: tuple[str, ...]

    def usage(self, usage: Any) -> Usage:
        """Usage from `prompt_tokens_details.cached_tokens` (Qwen, Doubao, OpenAI)."""
        details = _field(usage, "prompt_tokens_details")
        return Usage(
            _int(_field(usage, "prompt_tokens")),
            _int(_field(details, "cached_tokens")),
            _int(_field(usage, "completion_tokens")),
        )

    def is_content_filter(self, code: str | None, message: str) -> bool:
        """Whether a 400 is the provider's content moderation refusing the prompt."""
        text = f"{code or ''} {message}".lower()
        return any(marker in text for marker in self.filter_markers)


@dataclass(frozen=True)
class DeepSeekAdapter(Adapter):
    """DeepSeek reports cache hits as `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens`."""

    def usage(self, usage: Any) -> Usage:
        """Input = hits + misses (or `prompt_tokens` when they are absent)."""
        hit = _field(usage, "prompt_cache_hit_tokens")
        miss = _field(usage, "prompt_cache_miss_tokens")
        if hit is None and miss is None:
            return super().usage(usage)
        return Usage(_int(hit) + _int(miss), _int(hit), _int(_field(usage, "completion_tokens")))


_OPENAI_FILTERS = ("content_filter", "content_policy_violation")
ADAPTERS: dict[ProviderKind, Adapter] = {
    ProviderKind.qwen: Adapter(
        ProviderKind.qwen,
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        "qwen_api_key",
        ("data_inspection_failed", "inappropriate content", *_OPENAI_FILTERS),
    ),
    ProviderKind.deepseek: DeepSeekAdapter(
        ProviderKind.deepseek,
        "https://api.deepseek.com",
        "deepseek_api_key",
        ("content exists risk", *_OPENAI_FILTERS),
    ),
    ProviderKind.doubao: Adapter(
        ProviderKind.doubao,
        "https://ark.cn-beijing.volces.com/api/v3",
        "doubao_api_key",
        ("sensitivecontentdetected", "riskdetection", *_OPENAI_FILTERS),
    ),
    ProviderKind.openai_compatible: Adapter(
        ProviderKind.openai_compatible, None, None, _OPENAI_FILTERS
    ),
}
