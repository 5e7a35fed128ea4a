"""The platform's own /v1 as a teacher: an `openai_compatible` provider with a project API key."""

import time
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient

from app.core.config import Settings
from tests.labeling.test_api import URL
from tests.serving.conftest import (  # noqa: F401 (fixtures)
    chat_templates,
    create_key,
    login_headers,
    personal_project,
    register_chat_model,
    server,
)


def test_platform_v1_answers_a_labeling_run(
    server: str,  # noqa: F811
    client: TestClient,
    admin_headers: dict[str, str],
    register_chat_model: Callable[..., uuid.UUID],  # noqa: F811
    allow_loopback: Settings,
) -> None:
    on_server = login_headers(server, "root_admin")
    project_id = personal_project(server, on_server)
    register_chat_model(project_id, alias="teacher")
    key = create_key(server, on_server, project_id)
    price = {
        "model": "teacher",
        "input_per_m": "0.1",
        "cached_input_per_m": "0.1",
        "output_per_m": "0.1",
        "currency": "CNY",
        "effective_from": "2026-01-01",
    }
    created = client.post(
        "/api/v1/llm-providers",
        json={
            "name": "本平台",
            "kind": "openai_compatible",
            "base_url": f"{server}/v1",
            "api_key": key,
            "models": ["teacher"],
            "prices": [price],
            "concurrency": 1,
        },
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    tested = client.post(f"/api/v1/llm-providers/{provider_id}/test", headers=admin_headers)
    assert tested.status_code == 200 and tested.json()["ok"], tested.text

    csv = "指令\n用一句话介绍北京\n写一个数字\n说你好\n".encode()
    uploaded = client.post(
        f"/api/v1/data/upload?project_id={project_id}",
        files={"file": ("指令.csv", csv)},
        headers=admin_headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    body = {
        "name": "自产数据",
        "dataset_id": uploaded.json()["id"],
        "text_columns": ["指令"],
        "task": {"kind": "generate", "system": "你是助手。"},
        "teachers": [{"provider_id": provider_id, "model": "teacher"}],
        "params": {"max_tokens": 8},
        "budget": "1",
        "currency": "CNY",
    }
    run = client.post(URL, json=body, headers=admin_headers)
    assert run.status_code == 201, run.text
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = client.get(f"{URL}/{run.json()['id']}", headers=admin_headers).json()
        if state["output_dataset_id"] or state["status"] in ("failed", "stopped_budget"):
            break
        time.sleep(0.2)
    assert state["status"] == "succeeded" and state["output_dataset_id"], state
    rows = client.get(f"{URL}/{state['id']}/rows", headers=admin_headers).json()["items"]
    assert len(rows) == 3 and all(r["error"] is None and r["output"] for r in rows), rows
    assert state["output_tokens"] > 0
