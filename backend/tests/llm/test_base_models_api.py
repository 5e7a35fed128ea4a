"""Registering a local Hugging Face folder as a base model through the admin API."""

import shutil
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.db.models import User
from tests.conftest import login


def test_register_local_folder_lists_it_with_metadata(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    settings: Settings,
    llm_storage: Path,
    tmp_path: Path,
) -> None:
    source = tmp_path / "my-chat"
    shutil.copytree(llm_storage / "base" / "tiny-qwen2", source)
    (source / "pytorch_model.bin").write_bytes(b"pickle")
    body = {
        "name": "zh-chat-v1",
        "path": str(source),
        "licence": "Apache-2.0",
        "languages": ["zh", "en"],
        "notes": "内部微调底座",
    }
    created = client.post("/api/v1/base-models", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    model = created.json()
    assert model["ok"] and model["kind"] == "llm" and model["chat_template"] is True
    assert model["languages"] == ["zh", "en"] and model["notes"] == "内部微调底座"
    assert model["context_length"] == 512 and model["parameters"] > 0
    target = Path(settings.model_storage_path) / "base" / body["name"]
    assert not (target / "pytorch_model.bin").exists() and (target / "platform.json").is_file()
    listed = client.get("/api/v1/base-models", headers=admin_headers).json()
    assert body["name"] in {m["name"] for m in listed}
    again = client.post("/api/v1/base-models", json=body, headers=admin_headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "base_model_exists"
    shutil.rmtree(target)


def test_register_refuses_bad_folders_and_non_admins(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    settings: Settings,
    tmp_path: Path,
) -> None:
    relative = client.post(
        "/api/v1/base-models", json={"name": "x1", "path": "models/x"}, headers=admin_headers
    )
    assert relative.status_code == 422
    assert relative.json()["error"]["code"] == "base_model_source_invalid"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text('{"model_type": "llama"}')
    bad = client.post(
        "/api/v1/base-models", json={"name": "x2", "path": str(empty)}, headers=admin_headers
    )
    assert bad.status_code == 422 and "tokenizer" in bad.json()["error"]["message"]
    assert not (Path(settings.model_storage_path) / "base" / "x2").exists()
    unknown = client.post(
        "/api/v1/base-models",
        json={"name": "x3", "path": str(empty), "extra": 1},
        headers=admin_headers,
    )
    assert unknown.status_code == 422
    make_user("plain_member")
    member = client.post(
        "/api/v1/base-models",
        json={"name": "x4", "path": str(empty)},
        headers=login(client, "plain_member"),
    )
    assert member.status_code == 403
