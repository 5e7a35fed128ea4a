"""TF-IDF text classification with default settings on any language mix, and trainer failures
reported to the person as a short message while the traceback stays in the log."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import skops.io as sio

from app.trainers.text.tfidf_linear import MODEL_FILE, VOCABULARY_FILE, TfidfLinearTrainer
from app.trainers.text.tokens import word_tokens
from tests.text.builders import is_pure_chinese
from tests.text.conftest import BACKEND_DIR, TextRun

ZH = {"text": "review", "label": "sentiment"}
MIXED = {"text": "text", "label": "label"}


def test_word_tokens_segment_chinese_and_keep_other_scripts_whole() -> None:
    assert word_tokens("这个手机质量很好，物流也快") == [
        "这个",
        "手机",
        "质量",
        "很",
        "好",
        "物流",
        "也",
        "快",
    ]
    assert word_tokens("the iPhone 15 is great, x") == ["the", "iPhone", "15", "is", "great"]
    assert word_tokens("华为Mate60手机 très bien Привет мир 한국어 문장") == [
        "华为",
        "Mate60",
        "手机",
        "très",
        "bien",
        "Привет",
        "мир",
        "한국어",
        "문장",
    ]
    assert word_tokens("！！？…… :) - x") == []


def test_jieba_loads_its_shipped_dictionary_quietly(tmp_path: Path) -> None:
    """A fresh process with an empty temp folder builds jieba's dictionary from the package
    (no download), prints nothing, and leaves jieba's cache for the next process."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(BACKEND_DIR)}
    code = "from app.trainers.text.tokens import word_tokens; print(word_tokens('南京市长江大桥'))"
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "['南京市', '长江大桥']"
        assert done.stderr == ""
        assert (tmp_path / "jieba.cache").is_file()


def _vocabulary(run: TextRun) -> dict[str, list[str]]:
    text = (run.work / "output" / VOCABULARY_FILE).read_text(encoding="utf-8")
    vocabulary: dict[str, list[str]] = json.loads(text)
    return vocabulary


def test_pure_chinese_with_default_settings(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    frame = pd.read_parquet(text_data["pure"])
    assert all(is_pure_chinese(t) for t in frame["review"])
    run = run_text("tfidf_linear", text_data["pure"], ZH, {})
    assert run.returncode == 0, run.of("error") or run.stderr[-2000:]
    assert run.result["metrics"]["accuracy"] >= 0.6
    words = _vocabulary(run)["word"]
    assert {"质量", "不错"} <= set(words)
    assert any(" " in w and is_pure_chinese(w) for w in words)  # word bigrams
    model = run.work / "output" / MODEL_FILE
    assert sio.get_untrusted_types(file=model) == ["app.trainers.text.tokens.word_tokens"]
    predictor = TfidfLinearTrainer.load_predictor(run.work / "output", {})
    texts = frame["review"].tolist()
    predicted = [p["label"] for p in predictor.predict(texts)]
    fitted = sum(p == y for p, y in zip(predicted, frame["sentiment"], strict=True))
    assert fitted / len(texts) >= 0.9
    again = TfidfLinearTrainer.load_predictor(run.work / "output", {}).predict(texts[:5])
    assert again == predictor.predict(texts[:5])


def test_mixed_languages_with_default_settings(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    run = run_text("tfidf_linear", text_data["mixed"], MIXED, {})
    assert run.returncode == 0, run.of("error") or run.stderr[-2000:]
    assert run.result["metrics"]["macro_f1"] >= 0.6
    words = set(_vocabulary(run)["word"])
    assert {"质量", "government", "the government"} <= words
    predictor = TfidfLinearTrainer.load_predictor(run.work / "output", {})
    out = predictor.predict(["The striker scored twice in the cup final", "质量很好，非常满意"])
    assert out[0]["label"] == "sports"
    assert out[1]["label"] in ("pos", "neg")


def test_texts_without_words_train_on_characters(
    run_text: Callable[..., TextRun], tmp_path: Path
) -> None:
    smileys = [":)", "^_^", "(^o^)", ":-)", "😀", "👍"]
    frowns = [":(", ";_;", "(>_<)", ":-(", "😞", "👎"]
    rows = [(a + b, "happy") for a in smileys for b in smileys]
    rows += [(a + b, "sad") for a in frowns for b in frowns]
    path = tmp_path / "symbols.parquet"
    pd.DataFrame(rows, columns=["text", "label"]).to_parquet(path)
    run = run_text("tfidf_linear", path, MIXED, {})
    assert run.returncode == 0, run.of("error") or run.stderr[-2000:]
    assert "No words in the training texts" in run.logs()
    assert set(_vocabulary(run)) == {"char"}
    predictor = TfidfLinearTrainer.load_predictor(run.work / "output", {})
    assert predictor.predict(["^_^:)"])[0]["label"] == "happy"


def test_min_df_pruning_everything_is_a_clear_error(
    run_text: Callable[..., TextRun], text_data: dict[str, Path]
) -> None:
    run = run_text("tfidf_linear", text_data["pure"], ZH, {"min_df": 100_000})
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "empty_vocabulary", error
    assert "min_df=100000 of the 160 training rows" in error["message"]


def test_unexpected_failure_is_a_short_message_and_a_logged_traceback(
    run_text: Callable[..., TextRun], tmp_path: Path
) -> None:
    missing = tmp_path / "server" / "storage" / "gone.parquet"
    run = run_text("tfidf_linear", missing, ZH, {})
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "trainer_crashed"
    message = error["message"]
    assert message.startswith("Training failed with an unexpected error (FileNotFoundError")
    assert "gone.parquet" in message and "The job log has the details." in message
    assert str(tmp_path) not in message and "Traceback" not in message and "\n" not in message
    assert "Traceback (most recent call last)" in run.stderr
    assert str(missing) in run.stderr


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"word_ngram_max": 9}, "word_ngram_max: Input should be less than or equal to 3"),
        ({"max_iterz": 5}, "max_iterz: Extra inputs are not permitted"),
    ],
)
def test_invalid_params_name_the_field(
    run_text: Callable[..., TextRun],
    text_data: dict[str, Path],
    params: dict[str, int],
    expected: str,
) -> None:
    run = run_text("tfidf_linear", text_data["pure"], ZH, params)
    assert run.returncode == 1
    error = run.of("error")[0]
    assert error["code"] == "bad_params" and expected in error["message"]
