"""Chat preview, memory estimate and the LLM base-model list, as the wizard calls them."""

import json
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.trainers.llm.memory import ModelShape, estimate_memory
from app.trainers.llm.params import SFTParams
from app.trainers.llm.validate import load_tokenizer
from tests.datasets.conftest import Team, upload
from tests.serving.conftest import BASE_NAME

SHORT = [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好"}]
LONG = [
    {"role": "system", "content": "你是客服助手。"},
    {"role": "user", "content": "这家餐厅的菜很好吃，服务也很周到，下次还会再来。" * 3},
    {"role": "assistant", "content": "物流很快，包装完好，性价比高，推荐购买。" * 3},
]


def _chat_dataset(client: TestClient, team: Team) -> str:
    rows = [SHORT, LONG, SHORT, [SHORT[0]]]
    content = "\n".join(json.dumps({"messages": r}, ensure_ascii=False) for r in rows).encode()
    response = upload(client, team.editor, team.project_id, "chat.jsonl", content)
    assert response.status_code == 201, response.text
    dataset_id: str = response.json()["id"]
    return dataset_id


def test_llm_base_models_are_listed_for_any_member(
    client: TestClient, team: Team, chat_templates: dict[str, Path]
) -> None:
    response = client.get("/api/v1/finetune/base-models", headers=team.viewer)
    assert response.status_code == 200, response.text
    found = {m["name"]: m for m in response.json()}
    assert found[BASE_NAME]["chat_template"] is True and found[BASE_NAME]["ok"] is True
    assert found[BASE_NAME]["parameters"] > 0
    assert client.get("/api/v1/finetune/base-models").status_code == 401


def test_chat_preview_renders_rows_and_counts_truncation(
    client: TestClient, team: Team, settings: Settings, chat_templates: dict[str, Path]
) -> None:
    dataset_id = _chat_dataset(client, team)
    body = {"dataset_id": dataset_id, "base_model": BASE_NAME, "max_seq_length": 32, "rows": 2}
    response = client.post("/api/v1/finetune/chat-preview", json=body, headers=team.viewer)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["format"] == "messages"
    assert preview["rows_total"] == 4 and preview["rows_usable"] == 3
    assert preview["problems"][0]["row"] == 4
    assert [r["row"] for r in preview["rendered"]] == [1, 2]
    tokenizer = load_tokenizer(Path(settings.model_storage_path) / "base" / BASE_NAME)
    expected = tokenizer.apply_chat_template(LONG, tokenize=False)
    second = preview["rendered"][1]
    assert second["text"] == expected and "<|im_start|>system" in second["text"]
    assert second["tokens"] == len(tokenizer(expected, add_special_tokens=False)["input_ids"])
    assert second["truncated"] is True and preview["rendered"][0]["truncated"] is False
    assert preview["rows_measured"] == 3 and preview["tokens"]["truncated_rows"] == 1


def test_chat_preview_of_a_wide_gbk_table_with_chosen_columns(
    client: TestClient, team: Team, chat_templates: dict[str, Path]
) -> None:
    """A 60-column CSV saved as GBK, Chinese only: the chosen pair renders, bad rows are named."""
    header = [f"字段{i}" for i in range(60)]
    header[37], header[52] = "顾客问题", "客服回答"
    pairs = [
        ("快递几天能到", "一般三天内送达"),
        ("可以开发票吗", ""),
        ("怎么退货", "七天内可无理由退货"),
    ]
    lines = [",".join(header)]
    for question, answer in pairs:
        cells = ["无"] * 60
        cells[37], cells[52] = question, answer
        lines.append(",".join(cells))
    content = ("\r\n".join(lines) + "\r\n").encode("gbk")
    dataset = upload(client, team.editor, team.project_id, "客服.csv", content)
    assert dataset.status_code == 201, dataset.text
    body = {
        "dataset_id": dataset.json()["id"],
        "base_model": BASE_NAME,
        "columns": {"prompt": "顾客问题", "response": "客服回答"},
        "rows": 5,
    }
    response = client.post("/api/v1/finetune/chat-preview", json=body, headers=team.viewer)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["format"] == "prompt_response" and preview["rows_usable"] == 2
    assert [p["row"] for p in preview["problems"]] == [2]
    assert "客服回答" in preview["problems"][0]["message"]
    texts = [r["text"] for r in preview["rendered"]]
    assert "快递几天能到" in texts[0] and "一般三天内送达" in texts[0]
    assert "七天内可无理由退货" in texts[1] and "无" not in texts[1].replace("无理由", "")
    bad = {**body, "columns": {"prompt": "顾客问题", "response": "字段60"}}
    missing = client.post("/api/v1/finetune/chat-preview", json=bad, headers=team.viewer)
    assert missing.json()["errors"][0]["code"] == "bad_columns"
    assert "字段60" in missing.json()["errors"][0]["message"]


def test_chat_preview_refuses_other_projects_unknown_models_and_says_when_not_chat(
    client: TestClient, team: Team, chat_templates: dict[str, Path]
) -> None:
    dataset_id = _chat_dataset(client, team)
    body = {"dataset_id": dataset_id, "base_model": BASE_NAME}
    url = "/api/v1/finetune/chat-preview"
    outsider = client.post(url, json=body, headers=team.outsider)
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "dataset_not_found"
    missing = client.post(url, json={**body, "base_model": "nope"}, headers=team.viewer)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "base_model_not_found"
    table = upload(client, team.editor, team.project_id, "t.csv", b"a,b\n1,2\n3,4\n").json()
    plain = client.post(url, json={**body, "dataset_id": table["id"]}, headers=team.viewer)
    assert plain.status_code == 200, plain.text
    assert plain.json()["format"] is None
    assert plain.json()["errors"][0]["code"] == "chat_format_unknown"


def test_memory_estimate_fits_or_names_what_to_lower(
    client: TestClient, team: Team, settings: Settings, chat_templates: dict[str, Path]
) -> None:
    url = "/api/v1/finetune/memory-estimate"
    small = {"batch_size": 2, "max_seq_length": 64, "lora_r": 4}
    response = client.post(
        url, json={"base_model": BASE_NAME, "params": small}, headers=team.viewer
    )
    assert response.status_code == 200, response.text
    body = response.json()
    folder = Path(settings.model_storage_path) / "base" / BASE_NAME
    parameters = client.get("/api/v1/finetune/base-models", headers=team.viewer).json()[0]
    shape = ModelShape.from_folder(folder, parameters["parameters"])
    params = SFTParams(base_model=BASE_NAME, **small)  # type: ignore[arg-type]
    assert body["needed"] == estimate_memory(shape, params).total
    assert body["fits"] is True and body["lower"] == [] and body["available"] > 0
    huge = {"batch_size": 512, "max_seq_length": 32768}
    response = client.post(url, json={"base_model": BASE_NAME, "params": huge}, headers=team.viewer)
    body = response.json()
    assert body["fits"] is False and body["needed"] > body["available"]
    assert body["lower"][:3] == ["batch_size", "max_seq_length", "gradient_checkpointing"]
    bad = client.post(
        url, json={"base_model": BASE_NAME, "params": {"lora_r": 0}}, headers=team.viewer
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_params"
