"""A tiny chat LLM built offline: a BPE tokenizer trained here, a 2-layer Llama, a LoRA adapter.

The layout is what an `llm_sft` model version holds: `adapter/` (peft), `tokenizer/` (with a
chat template) and `llm.json` naming a base model folder under MODEL_STORAGE_PATH/base/; or
`model/` (a merged full model) instead of `adapter/`.
"""

import json
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
# The end-of-turn token comes first, so it has id 0 (see `build_eos_model`).
SPECIAL = ["<|im_end|>", "<|im_start|>", "<pad>"]
CORPUS = [
    "今天天气很好，我们去公园散步吧。",
    "这家餐厅的菜很好吃，服务也很周到，下次还会再来。",
    "质量太差了，用了两天就坏了，非常失望。",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Please answer the question briefly and politely, in one sentence.",
    "物流很快，包装完好，性价比高，推荐购买。",
    "hello world, this is a small test of the serving worker and its tokenizer.",
]
MAX_SEQ_LENGTH = 2048


def build_tokenizer(folder: Path) -> None:
    """A byte-level BPE tokenizer trained on a small mixed Chinese/English corpus."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(CORPUS * 20, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<pad>",
        model_max_length=MAX_SEQ_LENGTH,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(folder))


def build_base_model(folder: Path, *, seed: int = 0) -> Path:
    """A random 2-layer Llama (hidden 64) with the tokenizer, saved as safetensors."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    folder.mkdir(parents=True, exist_ok=True)
    build_tokenizer(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=MAX_SEQ_LENGTH,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(str(folder), safe_serialization=True)
    return folder


def _llm_json(folder: Path, base_model: str | None) -> None:
    info = {
        "base_model": base_model,
        "chat_template_source": "tokenizer",
        "max_seq_length": MAX_SEQ_LENGTH,
        "eos_token": "<|im_end|>",
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
    _llm_json(folder, base_dir.name)
    return _files(folder)


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
    _llm_json(folder, None)
    return _files(folder)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
