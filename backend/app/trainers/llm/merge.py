"""Merge a LoRA version into its base model (`python -m app.trainers.llm.merge SPEC`).

SPEC is a JSON file {version_dir, base_dir, output_dir}. The child loads the base in fp32, applies
the version's `adapter/`, folds it into the weights (peft `merge_and_unload`) and saves a
self-contained Hugging Face folder in output_dir: safetensors in the base's own dtype, config,
generation config, and the version's tokenizer with its chat template. It ends with one JSON line:
`{"type": "result", "files", "dtype", "seconds"}` or `{"type": "error", "code", "message"}`.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any


def _emit(message: dict[str, Any]) -> None:
    print(json.dumps(message, ensure_ascii=False), flush=True)


def _progress(fraction: float, message: str) -> None:
    _emit({"type": "progress", "fraction": fraction, "message": message})


def merge(version_dir: Path, base_dir: Path, output_dir: Path) -> dict[str, Any]:
    """Write the merged model folder; what it holds."""
    import torch
    from peft import PeftModel
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    stored = getattr(AutoConfig.from_pretrained(base_dir), "dtype", None) or torch.float32
    dtype = getattr(torch, stored) if isinstance(stored, str) else stored
    _progress(0.1, "loading the base model")
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, use_safetensors=True)
    _progress(0.4, "merging the adapter")
    merged = PeftModel.from_pretrained(base, version_dir / "adapter").merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(version_dir / "tokenizer")
    merged.generation_config.eos_token_id = tokenizer.eos_token_id
    if tokenizer.pad_token_id is not None:
        merged.generation_config.pad_token_id = tokenizer.pad_token_id
    _progress(0.7, "saving safetensors")
    output_dir.mkdir(parents=True, exist_ok=True)
    merged.to(dtype).save_pretrained(output_dir, safe_serialization=True)
    tokenizer.save_pretrained(output_dir)
    files = sorted(str(p.relative_to(output_dir)) for p in output_dir.rglob("*") if p.is_file())
    return {
        "files": files,
        "dtype": str(dtype).removeprefix("torch."),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(spec_path: Path) -> int:
    """Run the merge and report the result or the error; the exit status."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    version_dir, base_dir = Path(spec["version_dir"]), Path(spec["base_dir"])
    if not (version_dir / "adapter" / "adapter_model.safetensors").is_file():
        _emit({"type": "error", "code": "adapter_missing", "message": "The adapter is missing."})
        return 0
    if not (base_dir / "config.json").is_file():
        message = f"The base model {base_dir.name!r} is not installed on this server."
        _emit({"type": "error", "code": "base_model_missing", "message": message})
        return 0
    result = merge(version_dir, base_dir, Path(spec["output_dir"]))
    _emit({"type": "result", **result})
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
