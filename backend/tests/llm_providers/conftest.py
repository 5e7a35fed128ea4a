"""Fixtures: the local teacher server and the allowlist that lets the platform reach it."""

from collections.abc import Iterator

import pytest

from app.core.config import Settings
from tests.llm_providers.teacher_server import TeacherServer


@pytest.fixture
def teacher() -> Iterator[TeacherServer]:
    """A fresh OpenAI-compatible teacher on 127.0.0.1."""
    server = TeacherServer().start()
    yield server
    server.stop()


@pytest.fixture
def allow_loopback(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """LLM_PROVIDER_ALLOWED_HOSTS=127.0.0.1 for this test."""
    monkeypatch.setattr(settings, "llm_provider_allowed_hosts", "127.0.0.1")
    return settings
