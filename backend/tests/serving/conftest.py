"""A real uvicorn server with its serving worker, tiny chat models registered in projects."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.db.models import ModelVersion
from app.db.session import Database
from app.model_registry import storage
from tests.conftest import PASSWORD, TEST_SECRET
from tests.tiny_llm import build_adapter_version, build_chat_base, build_eos_version

BACKEND_DIR = Path(__file__).resolve().parents[2]
BASE_NAME = "tiny-chat"


@pytest.fixture(scope="session")
def chat_templates(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The base model installed under MODEL_STORAGE_PATH/base, and two version folders to copy."""
    base = build_chat_base(Path(settings.model_storage_path) / "base" / BASE_NAME)
    root = tmp_path_factory.mktemp("llm-versions")
    build_adapter_version(root / "adapter", base)
    build_eos_version(root / "eos", base)
    return {"adapter": root / "adapter", "eos": root / "eos"}


@pytest.fixture
def register_chat_model(
    db: Database, settings: Settings, chat_templates: dict[str, Path], tmp_path: Path
) -> Callable[..., uuid.UUID]:
    """Register an `llm_sft` version in a project (artifacts inventoried and moved in)."""

    def register(
        project_id: uuid.UUID,
        *,
        kind: str = "adapter",
        alias: str | None = None,
        task_type: str = "llm_sft",
    ) -> uuid.UUID:
        staging = tmp_path / uuid.uuid4().hex
        shutil.copytree(chat_templates[kind], staging)
        files = sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())
        artifacts = storage.inventory(staging, files)
        version_id = uuid.uuid4()
        target = storage.version_dir(settings, project_id, version_id)
        with db.session_scope() as session:
            session.add(
                ModelVersion(
                    id=version_id,
                    project_id=project_id,
                    name=f"chat-{version_id.hex[:6]}",
                    version=1,
                    alias=alias,
                    task_type=task_type,
                    trainer="sft",
                    model_format="peft_lora" if kind == "adapter" else "merged",
                    artifacts=artifacts,
                    size_bytes=sum(a["size"] for a in artifacts),
                    artifact_dir=str(target.relative_to(settings.model_storage_path)),
                )
            )
            storage.move_in(staging, target)
        return version_id

    return register


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def api_server(database_url: str, settings: Settings, **env: str) -> Iterator[str]:
    """`uvicorn app.main:app` on loopback with extra settings; its base URL."""
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "SECRET_KEY": TEST_SECRET,
        "JWT_SECRET_KEY": TEST_SECRET,
        "SERVE_FRONTEND": "false",
        "DATA_STORAGE_PATH": str(settings.data_storage_path),
        "MODEL_STORAGE_PATH": str(settings.model_storage_path),
        "LOG_DIR": str(settings.log_dir) + f"-serving-{port}",
        "PYTHONPATH": str(BACKEND_DIR),
        **env,
    }
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*argv, "--port", str(port), "--log-level", "warning"],
        cwd=BACKEND_DIR,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, "the API server exited"
            assert time.monotonic() < deadline, "the API server did not start"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="session")
def server(database_url: str, settings: Settings, chat_templates: dict[str, Path]) -> Iterator[str]:
    """The API with its serving worker: one generation at a time, no queue (for the 429)."""
    limits = {"SERVING_MAX_CONCURRENT": "1", "SERVING_MAX_QUEUED": "0"}
    with api_server(database_url, settings, SERVING_MAX_LOADED_MODELS="2", **limits) as url:
        yield url


def login_headers(base_url: str, username: str) -> dict[str, str]:
    """Sign in on the server and return the Authorization header."""
    response = httpx.post(
        f"{base_url}/api/v1/auth/login", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def personal_project(base_url: str, headers: dict[str, str]) -> uuid.UUID:
    """The caller's personal project."""
    response = httpx.get(f"{base_url}/api/v1/projects", headers=headers)
    assert response.status_code == 200, response.text
    return uuid.UUID(response.json()["items"][0]["id"])


def create_key(base_url: str, headers: dict[str, str], project_id: uuid.UUID) -> str:
    """A new API key of the project."""
    response = httpx.post(
        f"{base_url}/api/v1/projects/{project_id}/api-keys", json={"name": "应用"}, headers=headers
    )
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key
