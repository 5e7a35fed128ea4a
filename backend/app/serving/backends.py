"""Where generation runs: the local serving worker process, or a vLLM server when configured."""

from collections.abc import AsyncGenerator
from typing import Any, Protocol

from app.core.config import Settings
from app.serving.client import ServingClient


class Generator(Protocol):
    """What the /v1 routes need of a generation backend."""

    def generate(
        self, model: dict[str, Any], messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        """Replies for one generation: deltas, then `done`."""
        ...

    async def aclose(self) -> None:
        """Release the backend's process or connections."""
        ...


def serving_client(settings: Settings) -> Generator:
    """The vLLM forwarder when SERVING_VLLM_BASE_URL is set, else the serving worker."""
    if settings.serving_vllm_base_url:
        from app.serving.vllm import VllmClient

        return VllmClient(settings)
    return ServingClient(settings)
