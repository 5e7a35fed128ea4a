"""Chat formats → canonical messages; every bad row is named; token lengths with the tokenizer."""

import json
from pathlib import Path

import pandas as pd
import pytest

from app.trainers.llm.chat_data import read_chat_rows
from app.trainers.llm.encode import encode_conversation
from app.trainers.llm.validate import ChatDataInvalid, load_tokenizer, require_valid, validate_chat

USER, BOT = "今天天气怎么样", "晴天，适合出门"


def _messages(*pairs: tuple[str, object]) -> str:
    return json.dumps([{"role": r, "content": c} for r, c in pairs], ensure_ascii=False)


def test_openai_messages_multi_turn_from_jsonl_text() -> None:
    frame = pd.DataFrame(
        {
            "messages": [
                _messages(("system", "你是助手"), ("user", USER), ("assistant", BOT)),
                _messages(("user", "一"), ("assistant", "二"), ("user", "三"), ("assistant", "四")),
            ]
        }
    )
    rows = read_chat_rows(frame)
    assert rows.format == "messages" and not rows.problems
    assert rows.conversations[0][0] == {"role": "system", "content": "你是助手"}
    assert [m["role"] for m in rows.conversations[1]] == ["user", "assistant"] * 2


def test_alpaca_with_input_system_and_history() -> None:
    frame = pd.DataFrame(
        {
            "instruction": ["翻译成英文", "总结"],
            "input": ["你好", None],
            "output": ["Hello", "好"],
            "system": [None, "简洁"],
            "history": [None, json.dumps([["问", "答"]], ensure_ascii=False)],
        }
    )
    rows = read_chat_rows(frame)
    assert rows.format == "alpaca" and not rows.problems
    assert rows.conversations[0] == [
        {"role": "user", "content": "翻译成英文\n\n你好"},
        {"role": "assistant", "content": "Hello"},
    ]
    assert [m["content"] for m in rows.conversations[1]] == ["简洁", "问", "答", "总结", "好"]


def test_sharegpt_roles_mapped() -> None:
    turns = [{"from": "human", "value": USER}, {"from": "gpt", "value": BOT}]
    rows = read_chat_rows(pd.DataFrame({"conversations": [json.dumps(turns, ensure_ascii=False)]}))
    assert rows.format == "sharegpt"
    assert rows.conversations[0] == [
        {"role": "user", "content": USER},
        {"role": "assistant", "content": BOT},
    ]


def test_prompt_response_columns_chosen_in_mapping() -> None:
    frame = pd.DataFrame({"问题": ["一加一", "二加二"], "答案": [2, 4]})
    rows = read_chat_rows(frame, {"prompt": "问题", "response": "答案"})
    assert rows.format == "prompt_response"
    assert rows.conversations[1][1] == {"role": "assistant", "content": "4"}


def test_an_integer_response_column_with_a_gap_stays_integer_text() -> None:
    frame = pd.DataFrame({"评论": ["很好", "很差", "一般"], "星级": [5, None, 3]})
    rows = read_chat_rows(frame, {"prompt": "评论", "response": "星级"})
    assert [c[1]["content"] for c in rows.conversations] == ["5", "3"]
    assert rows.problems[0].row == 2 and rows.problems[0].code == "empty_content"


def test_no_usable_row_is_its_own_error_beside_the_row_problems() -> None:
    frame = pd.DataFrame({"messages": [_messages(("user", USER))] * 2})
    report = validate_chat(frame)
    assert report["errors"][0]["code"] == "no_usable_rows"
    assert [p["row"] for p in report["problems"]] == [1, 2]
    with pytest.raises(ChatDataInvalid) as info:
        require_valid(report)
    assert info.value.code == "no_usable_rows"


@pytest.mark.parametrize(
    ("cell", "code", "text"),
    [
        (_messages(("robot", USER), ("assistant", BOT)), "unknown_role", "role 'robot'"),
        (_messages(("assistant", BOT), ("user", USER)), "wrong_turn_order", "turn 1 is assistant"),
        (
            _messages(("user", USER), ("user", USER), ("assistant", BOT)),
            "wrong_turn_order",
            "turn 2",
        ),
        (_messages(("user", USER), ("assistant", "  ")), "empty_content", "message 2"),
        (_messages(("user", USER)), "no_assistant_turn", "no assistant turn"),
        (_messages(("user", USER), ("assistant", ["列表"])), "non_string_content", "list"),
        (
            _messages(("user", USER), ("assistant", BOT), ("system", "晚")),
            "wrong_turn_order",
            "system",
        ),
        ('[{"role": "user", "content": "缺', "invalid_json", "not valid JSON"),
    ],
)
def test_each_bad_row_is_named(cell: str, code: str, text: str) -> None:
    good = _messages(("user", USER), ("assistant", BOT))
    frame = pd.DataFrame({"messages": [good, good, cell]})
    report = validate_chat(frame)
    assert not report["ok"] and report["rows_usable"] == 2
    assert report["problems"] == [
        {"row": 3, "code": code, "message": report["problems"][0]["message"]}
    ]
    assert (
        report["problems"][0]["message"].startswith("row 3: ")
        and text in report["problems"][0]["message"]
    )
    with pytest.raises(ChatDataInvalid) as info:
        require_valid(report)
    assert info.value.code == code and "row 3" in info.value.message


def test_unknown_layout_and_bad_mapping_are_errors() -> None:
    report = validate_chat(pd.DataFrame({"评论": ["好"]}))
    assert not report["ok"] and report["errors"][0]["code"] == "chat_format_unknown"
    assert "评论" in report["errors"][0]["message"]
    report = validate_chat(pd.DataFrame({"q": ["a"]}), {"prompt": "q", "response": "missing"})
    assert (
        report["errors"][0]["code"] == "bad_columns" and "missing" in report["errors"][0]["message"]
    )


def test_alpaca_and_sharegpt_bad_rows() -> None:
    alpaca = pd.DataFrame({"instruction": ["写诗", ""], "output": ["春风", "秋月"]})
    report = validate_chat(alpaca)
    assert report["problems"][0]["row"] == 2 and report["problems"][0]["code"] == "empty_content"
    turns = [{"from": "alien", "value": "嗨"}, {"from": "gpt", "value": "好"}]
    sharegpt = pd.DataFrame({"conversations": [json.dumps(turns, ensure_ascii=False)]})
    assert validate_chat(sharegpt)["problems"][0]["code"] == "unknown_role"


def test_token_lengths_and_truncation(llm_storage: Path) -> None:
    tokenizer = load_tokenizer(llm_storage / "base" / "tiny-llama")
    long_answer = "非常好" * 200
    frame = pd.DataFrame(
        {
            "messages": [_messages(("user", USER), ("assistant", BOT))] * 3
            + [_messages(("user", USER), ("assistant", long_answer))]
        }
    )
    report = validate_chat(frame, tokenizer=tokenizer, max_seq_length=64)
    tokens = report["tokens"]
    assert report["ok"] and tokens["rows"] == 4 and tokens["truncated_rows"] == 1
    assert tokens["min"] < 64 < tokens["max"]


def test_assistant_mask_covers_only_assistant_turns(llm_storage: Path) -> None:
    tokenizer = load_tokenizer(llm_storage / "base" / "tiny-qwen2")
    conversation = [
        {"role": "system", "content": "简洁"},
        {"role": "user", "content": USER},
        {"role": "assistant", "content": BOT},
        {"role": "user", "content": "明天"},
        {"role": "assistant", "content": "下雨"},
    ]
    encoded = encode_conversation(tokenizer, conversation)
    ids, mask = encoded["input_ids"], encoded["assistant_masks"]
    learned = tokenizer.decode([i for i, m in zip(ids, mask, strict=True) if m])
    assert learned.replace("\n", "") == f"{BOT}<|im_end|>下雨<|im_end|>"
    assert USER not in learned and "简洁" not in learned
