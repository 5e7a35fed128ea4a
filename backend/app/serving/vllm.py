"""Generation forwarded to a vLLM server (GPU hosts) through the `openai` client.

vLLM serves the platform's models under their version ids (the base model with each adapter
as a LoRA module named by its version id). Keys, project isolation, the in-flight bound and
per-key counts stay here; the replies take the same shape as the serving worker's.
"""

from collections.abc import AsyncGenerator
from typing import Any

import openai

from app.core.config import Settings
from app.serving.client import GenerationFailed, Slots, server_busy

UPSTREAM_TIMEOUT_SECONDS = 300.0


class VllmClient:
    """Streams chat completions from the vLLM server named by SERVING_VLLM_BASE_URL."""

    def __init__(self, settings: Settings) -> None:
        self.slots = Slots(settings.serving_max_concurrent + settings.serving_max_queued)
        self.client = openai.AsyncOpenAI(
            base_url=settings.serving_vllm_base_url,
            api_key=settings.serving_vllm_api_key or "none",
            max_retries=0,
            timeout=UPSTREAM_TIMEOUT_SECONDS,
        )

    async def generate(
        self, model: dict[str, Any], messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        """Replies for one generation: deltas, then `done` (errors raise)."""
        self.slots.take()
        try:
            async for reply in self._relay(model, messages, params):
                yield reply
        finally:
            self.slots.give_back()

    async def _relay(
        self, model: dict[str, Any], messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        try:
            stream = await self.client.chat.completions.create(  # type: ignore[call-overload]
                model=model["id"],
                messages=messages,
                max_tokens=params["max_tokens"],
                temperature=params["temperature"],
                top_p=params["top_p"],
                stop=params["stop"],
                seed=params["seed"],
                stream=True,
                stream_options={"include_usage": True},
            )
            finish = "stop"
            async with stream:
                async for chunk in stream:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield {"type": "delta", "text": choice.delta.content}
                        finish = choice.finish_reason or finish
                    if chunk.usage is not None:
                        yield {
                            "type": "done",
                            "finish_reason": finish,
                            "prompt_tokens": chunk.usage.prompt_tokens,
                            "completion_tokens": chunk.usage.completion_tokens,
                        }
                        return
        except openai.RateLimitError as exc:
            raise server_busy() from exc
        except openai.APIStatusError as exc:
            raise GenerationFailed(
                502, "upstream_error", f"The GPU model server answered {exc.status_code}."
            ) from exc
        except openai.APIError as exc:
            raise GenerationFailed(
                502, "upstream_unavailable", "The GPU model server cannot be reached."
            ) from exc
        raise GenerationFailed(502, "upstream_error", "The GPU model server sent no usage.")

    async def aclose(self) -> None:
        """Close the upstream connections."""
        await self.client.close()
