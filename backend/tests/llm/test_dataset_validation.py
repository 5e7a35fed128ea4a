"""Chat datasets through the datasets domain: the validation report names every bad row."""

import json

import pandas as pd
from fastapi.testclient import TestClient

from app.datasets.validation import validate_for_task
from tests.datasets.conftest import Team, team, upload  # noqa: F401 - fixture

GOOD = [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好"}]


def test_validate_for_task_reports_bad_rows_by_code() -> None:
    frame = pd.DataFrame(
        {
            "messages": [
                json.dumps(GOOD, ensure_ascii=False),
                json.dumps([{"role": "机器人", "content": "嗨"}], ensure_ascii=False),
                json.dumps(GOOD[:1], ensure_ascii=False),
            ]
        }
    )
    report = validate_for_task(frame, "llm_sft", {})
    assert not report.ok and report.rows_usable == 1 and report.rows_dropped == 2
    by_code = {e.code: e for e in report.errors}
    assert by_code["unknown_role"].rows == [2] and by_code["unknown_role"].message.startswith(
        "row 2"
    )
    assert by_code["no_assistant_turn"].rows == [3]
    assert report.chat is not None and report.chat["format"] == "messages"


def test_validate_endpoint_on_an_uploaded_jsonl(
    client: TestClient,
    team: Team,  # noqa: F811
) -> None:
    lines = [
        {"instruction": "把句子翻译成英文", "input": "我爱北京", "output": "I love Beijing"},
        {"instruction": "总结", "output": ""},
    ]
    content = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    dataset = upload(client, team.editor, team.project_id, "chat.jsonl", content).json()
    url = f"/api/v1/datasets/{dataset['id']}/validate"
    report = client.post(url, json={"task_type": "llm_sft", "columns": {}}, headers=team.viewer)
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["ok"] is False and body["chat"]["format"] == "alpaca"
    assert body["errors"][0]["code"] == "empty_content" and body["errors"][0]["rows"] == [2]
