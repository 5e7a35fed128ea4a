"""What a fine-tuned chat model version holds, and how it is loaded back.

The output folder: `adapter/` (peft LoRA adapter, safetensors), `tokenizer/` (with its chat
template) and `llm.json` = {"base_model": folder name under MODEL_STORAGE_PATH/base/,
"chat_template_source": "tokenizer", "max_seq_length", "eos_token"}. The base model is not
copied: it is referenced by name and must stay installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ADAPTER_DIR = "adapter"
TOKENIZER_DIR = "tokenizer"
LLM_META_FILE = "llm.json"
EVAL_FILE = "eval.json"


def save_artifacts(
    output: Path, model: Any, tokenizer: Any, base_model: str, max_seq_length: int
) -> dict[str, Any]:
    """Write adapter, tokenizer and llm.json under `output`; return llm.json's content."""
    model.save_pretrained(str(output / ADAPTER_DIR), safe_serialization=True)
    tokenizer.save_pretrained(str(output / TOKENIZER_DIR))
    meta = {
        "base_model": base_model,
        "chat_template_source": "tokenizer",
        "max_seq_length": max_seq_length,
        "eos_token": tokenizer.eos_token,
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2)
    (output / LLM_META_FILE).write_text(text, encoding="utf-8")
    return meta


def read_meta(artifact_dir: Path) -> dict[str, Any]:
    """llm.json of a model version."""
    meta: dict[str, Any] = json.loads((artifact_dir / LLM_META_FILE).read_text(encoding="utf-8"))
    return meta


def load_tuned(artifact_dir: Path, base_folder: Path) -> tuple[Any, Any]:
    """The base model with the saved adapter applied (CPU, fp32, eval mode) and the tokenizer."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(artifact_dir / TOKENIZER_DIR))
    base = AutoModelForCausalLM.from_pretrained(
        str(base_folder), dtype=torch.float32, local_files_only=True, use_safetensors=True
    )
    model = PeftModel.from_pretrained(base, str(artifact_dir / ADAPTER_DIR))
    return model.eval(), tokenizer
