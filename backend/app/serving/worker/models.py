"""Loading LLM versions (base + LoRA adapter, or a merged model) and an LRU of loaded ones."""

import gc
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.model_registry.storage import verify
from app.serving.worker.protocol import ServingError


@dataclass
class LoadedModel:
    """A model ready to generate: weights, tokenizer, stop tokens and context length."""

    model: Any
    tokenizer: Any
    eos_token_ids: list[int]
    max_seq_length: int
    users: int = 0


def _base_dir(base_root: Path, name: object) -> Path:
    """The base model folder named in llm.json; never a path outside the base model store."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ServingError(500, "model_broken", f"llm.json names no valid base model: {name!r}.")
    folder = base_root / name
    if not (folder / "config.json").is_file():
        raise ServingError(
            503, "base_model_missing", f"The base model '{name}' is not installed on this server."
        )
    return folder


def _eos_ids(tokenizer: Any, model: Any, llm: dict[str, Any]) -> list[int]:
    """Token ids that end an answer: llm.json's eos token, the tokenizer's and the model's."""
    ids: set[int] = set()
    for token in (llm.get("eos_token"), tokenizer.eos_token):
        if token:
            token_id = tokenizer.convert_tokens_to_ids(token)
            if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                ids.add(token_id)
    configured = model.generation_config.eos_token_id
    ids.update([configured] if isinstance(configured, int) else configured or [])
    return sorted(ids)


def load_model(spec: dict[str, Any]) -> LoadedModel:
    """Verify the version's files, then load it on the best device with safetensors only."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    root = Path(spec["root"])
    bad = verify(root, spec.get("artifacts") or [])
    if bad:
        raise ServingError(
            500, "model_files_corrupt", f"Model files are missing or changed: {', '.join(bad)}."
        )
    llm = json.loads((root / "llm.json").read_text(encoding="utf-8"))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    merged = root / "model"
    source = (
        merged if merged.is_dir() else _base_dir(Path(spec["base_root"]), llm.get("base_model"))
    )
    tokenizer_dir = root / "tokenizer" if (root / "tokenizer").is_dir() else source
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    model: Any = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, use_safetensors=True)
    if not merged.is_dir():
        from peft import PeftModel

        if not (root / "adapter" / "adapter_model.safetensors").is_file():
            raise ServingError(500, "model_broken", "The adapter has no safetensors weights.")
        # Merged once at load: generation then runs at the base model's speed.
        model = PeftModel.from_pretrained(model, root / "adapter").merge_and_unload()
    model.to(device).eval()
    limit = int(llm.get("max_seq_length") or getattr(model.config, "max_position_embeddings", 2048))
    return LoadedModel(model, tokenizer, _eos_ids(tokenizer, model, llm), limit)


class ModelCache:
    """At most `capacity` loaded models; the least recently used idle one is evicted."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()
        self._loading: set[str] = set()
        self._changed = threading.Condition()

    def acquire(self, spec: dict[str, Any]) -> LoadedModel:
        """The loaded model (loading it once, however many ask at the same time), marked in use."""
        key = spec["id"]
        with self._changed:
            while True:
                if key in self._models:
                    loaded = self._models[key]
                    self._models.move_to_end(key)
                    loaded.users += 1
                    return loaded
                if key not in self._loading and self._make_room():
                    self._loading.add(key)
                    break
                self._changed.wait()
        try:
            loaded = load_model(spec)
        finally:
            with self._changed:
                self._loading.discard(key)
                self._changed.notify_all()
        with self._changed:
            loaded.users = 1
            self._models[key] = loaded
            return loaded

    def release(self, loaded: LoadedModel) -> None:
        """Mark one use as over."""
        with self._changed:
            loaded.users -= 1
            self._changed.notify_all()

    def _make_room(self) -> bool:
        """Evict idle models until one more fits (False when every slot is busy)."""
        while len(self._models) + len(self._loading) >= self.capacity:
            idle = next((k for k, m in self._models.items() if m.users == 0), None)
            if idle is None:
                return False
            del self._models[idle]
            gc.collect()
        return True
