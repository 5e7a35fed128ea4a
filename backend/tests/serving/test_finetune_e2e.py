"""LLM fine-tuning end to end through a real uvicorn API: upload → llm_sft job → registry → /v1,
then the `merge` job and the adapter / merged downloads.

A chat JSONL is uploaded, `POST /api/v1/jobs` trains a LoRA on a tiny local base in the API's
embedded job engine, the registered version is called with the `openai` SDK by id and by alias
(streamed and not), merged in a background job, and the merged model downloaded as a tar answers
the same greedy tokens as the base with the downloaded adapter.
"""

import io
import json
import tarfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from app.core.config import Settings
from app.db.models import User
from tests.llm.conftest import TINY_SFT
from tests.serving.conftest import create_key, login_headers, personal_project
from tests.tiny_llm import build_tiny_lm, row_texts, sentiment_rows

BASE = "tiny-sentiment"
PROMPT = [{"role": "user", "content": "判断这条评论的情感，只回答“正面”或“负面”：物流很快"}]


@pytest.fixture(scope="module")
def sentiment_base(settings: Settings) -> Path:
    """A tiny Llama whose tokenizer knows the review texts, under MODEL_STORAGE_PATH/base."""
    rows = sentiment_rows(40, seed=5)
    return build_tiny_lm(Path(settings.model_storage_path) / "base" / BASE, row_texts(rows))


def chat_jsonl(per_class: int) -> bytes:
    """Reviews as an OpenAI `messages` JSONL upload."""
    rows = sentiment_rows(per_class, seed=5)
    lines = [json.dumps({"messages": json.loads(r["messages"])}, ensure_ascii=False) for r in rows]
    return "\n".join(lines).encode()


def wait_for(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> Any:
    """Poll until `done` holds (bounded); the last answer."""
    deadline = time.monotonic() + 600
    while not done(latest := fetch()):
        assert time.monotonic() < deadline, latest
        time.sleep(0.5)
    return latest


def train(base_url: str, headers: dict[str, str], project_id: uuid.UUID) -> dict[str, Any]:
    """Upload the JSONL, run the llm_sft job to its end; the job."""
    upload = httpx.post(
        f"{base_url}/api/v1/data/upload?project_id={project_id}",
        headers=headers,
        files={"file": ("reviews.jsonl", chat_jsonl(40), "application/x-ndjson")},
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    body = {
        "project_id": str(project_id),
        "name": "情感微调",
        "task_type": "llm_sft",
        "trainer": "lora_sft",
        "dataset_id": upload.json()["id"],
        "columns": {},
        "params": {**TINY_SFT, "base_model": BASE, "epochs": 1},
    }
    created = httpx.post(f"{base_url}/api/v1/jobs", json=body, headers=headers, timeout=60)
    assert created.status_code == 201, created.text
    url = f"{base_url}/api/v1/jobs/{created.json()['id']}"
    job = wait_for(
        lambda: httpx.get(url, headers=headers, timeout=30).json(),
        lambda j: j["status"] in ("succeeded", "failed", "cancelled"),
    )
    assert job["status"] == "succeeded", job
    return dict(job)


def greedy_tokens(model_dir: Path, adapter_dir: Path | None) -> list[int]:
    """Greedy continuation of the prompt (16 tokens), with the adapter applied unmerged if given."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        model_dir if adapter_dir is None else adapter_dir / "tokenizer"
    )
    model: Any = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if adapter_dir is not None:
        model = PeftModel.from_pretrained(model, adapter_dir / "adapter")
    ids = tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True, return_tensors="pt")
    ids = ids if isinstance(ids, torch.Tensor) else ids["input_ids"]
    with torch.no_grad():
        out = model.eval().generate(
            ids, max_new_tokens=16, min_new_tokens=16, do_sample=False, pad_token_id=0
        )
    return [int(t) for t in out[0, ids.shape[1] :]]


def download(base_url: str, headers: dict[str, str], model_id: str, artifact: str) -> Any:
    """GET the artifact's tar."""
    return httpx.get(
        f"{base_url}/api/v1/models/{model_id}/download",
        params={"artifact": artifact},
        headers=headers,
        timeout=120,
    )


def untar(body: bytes, into: Path) -> Path:
    """Extract a downloaded tar; its one top folder."""
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        archive.extractall(into, filter="data")
    (top,) = list(into.iterdir())
    return top


@pytest.mark.timeout(900)
def test_chat_jsonl_to_job_to_registry_to_v1_and_merge(
    server: str,
    make_user: Callable[..., User],
    sentiment_base: Path,
    tmp_path: Path,
) -> None:
    username = f"ft{uuid.uuid4().hex[:8]}"
    make_user(username)
    headers = login_headers(server, username)
    project_id = personal_project(server, headers)
    job = train(server, headers, project_id)
    model_id = job["model_version_id"]
    assert model_id

    version = httpx.get(f"{server}/api/v1/models/{model_id}", headers=headers).json()
    assert version["task_type"] == "llm_sft" and version["model_format"] == "peft_lora"
    paths = {a["path"] for a in version["artifacts"]}
    assert {"adapter/adapter_model.safetensors", "llm.json", "eval.json"} <= paths
    assert any(p.startswith("tokenizer/") for p in paths)
    generation = version["report"]["generation"]
    assert generation["scoring"] == "exact_match" and "stop_check" in generation
    assert {"accuracy", "stop_rate"} <= set(generation["base"]) <= set(generation["tuned"])
    assert {"prompt", "reference", "base", "tuned"} <= set(generation["samples"][0])
    assert version["merge"] is None

    alias = httpx.patch(
        f"{server}/api/v1/models/{model_id}", json={"alias": "sentiment"}, headers=headers
    )
    assert alias.status_code == 200, alias.text
    key = create_key(server, headers, project_id)
    with openai.OpenAI(api_key=key, base_url=f"{server}/v1", max_retries=0) as client:
        for name in (model_id, "sentiment"):
            answer = client.chat.completions.create(
                model=name,
                messages=PROMPT,
                max_tokens=5,
                temperature=0,  # type: ignore[arg-type]
            )
            assert answer.usage is not None and 1 <= answer.usage.completion_tokens <= 5
            with client.chat.completions.create(
                model=name,
                messages=PROMPT,  # type: ignore[arg-type]
                max_tokens=5,
                temperature=0,
                stream=True,
            ) as stream:
                streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            assert streamed == answer.choices[0].message.content

    assert download(server, headers, model_id, "merged").json()["error"]["code"] == "not_merged"
    adapter = download(server, headers, model_id, "adapter")
    assert adapter.status_code == 200 and adapter.headers["content-type"] == "application/x-tar"
    adapter_dir = untar(adapter.content, tmp_path / "adapter")
    assert (adapter_dir / "adapter" / "adapter_model.safetensors").is_file()

    merge = httpx.post(f"{server}/api/v1/models/{model_id}/merge", headers=headers)
    assert merge.status_code == 202, merge.text
    assert merge.json()["status"] == "queued" and merge.json()["merged"] is False
    merged_state = wait_for(
        lambda: httpx.get(f"{server}/api/v1/models/{model_id}", headers=headers).json()["merge"],
        lambda m: m["status"] in ("succeeded", "failed", "cancelled"),
    )
    assert merged_state["status"] == "succeeded" and merged_state["merged"], merged_state
    assert merged_state["dtype"] == "float32" and merged_state["size_bytes"] > 0
    again = httpx.post(f"{server}/api/v1/models/{model_id}/merge", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_merged"

    merged = download(server, headers, model_id, "merged")
    assert merged.status_code == 200, merged.text
    merged_dir = untar(merged.content, tmp_path / "merged")
    assert (merged_dir / "model.safetensors").is_file()
    assert (
        "chat_template" in (merged_dir / "tokenizer_config.json").read_text()
        or (merged_dir / "chat_template.jinja").is_file()
    )
    assert greedy_tokens(merged_dir, None) == greedy_tokens(sentiment_base, adapter_dir)


def test_merge_is_refused_for_other_projects_and_non_lora_models(
    server: str,
    make_user: Callable[..., User],
    register_chat_model: Callable[..., uuid.UUID],
) -> None:
    owner, stranger = (f"m{uuid.uuid4().hex[:8]}" for _ in range(2))
    make_user(owner)
    make_user(stranger)
    headers = login_headers(server, owner)
    project_id = personal_project(server, headers)
    merged_kind = register_chat_model(project_id, kind="eos")
    lora = register_chat_model(project_id)

    refused = httpx.post(f"{server}/api/v1/models/{merged_kind}/merge", headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_mergeable"
    no_adapter = download(server, headers, str(merged_kind), "adapter")
    assert no_adapter.status_code == 409 and no_adapter.json()["error"]["code"] == "no_adapter"
    other = login_headers(server, stranger)
    assert httpx.post(f"{server}/api/v1/models/{lora}/merge", headers=other).status_code == 404
    assert download(server, other, str(lora), "adapter").status_code == 404
    bad = httpx.get(
        f"{server}/api/v1/models/{lora}/download", params={"artifact": "x"}, headers=headers
    )
    assert bad.status_code == 422
