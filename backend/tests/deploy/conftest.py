"""Chat model fixtures, for the OpenAI-compatible API through nginx."""

from tests.serving.conftest import chat_templates, register_chat_model  # noqa: F401 - fixtures
