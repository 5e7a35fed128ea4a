"""Local base models: folders under MODEL_STORAGE_PATH/base/<name>/ (nothing is downloaded).

A usable folder has `config.json` (with `model_type`), a tokenizer (`tokenizer.json`, or
`vocab.txt` / `sentencepiece.bpe.model` / `spiece.model`), and safetensors weights
(`model.safetensors` or shards listed in `model.safetensors.index.json`). Pickled
`pytorch_model.bin` weights are refused: loading them can run arbitrary code. An optional
`platform.json` sidecar describes the model for people (licence, languages, source, notes).
"""

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.trainers.base import TrainerError

BASE_DIR_NAME = "base"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model")
PLATFORM_FILE = "platform.json"
PLATFORM_TEXT_FIELDS = ("kind", "licence", "source", "notes")


@dataclass
class BaseModelInfo:
    """What a base-model folder holds and what is wrong with it."""

    name: str
    path: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    model_type: str | None = None
    architectures: list[str] = field(default_factory=list)
    hidden_size: int | None = None
    num_layers: int | None = None
    vocab_size: int | None = None
    max_position_embeddings: int | None = None
    parameters: int | None = None
    size_bytes: int = 0
    kind: str | None = None
    licence: str | None = None
    languages: list[str] = field(default_factory=list)
    chat_template: bool = False
    context_length: int | None = None
    source: str | None = None
    notes: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def base_root(model_storage_path: Path) -> Path:
    """The folder holding the base models."""
    return Path(model_storage_path) / BASE_DIR_NAME


def _config(folder: Path, info: BaseModelInfo) -> None:
    path = folder / "config.json"
    if not path.is_file():
        info.problems.append("config.json is missing")
        return
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        info.problems.append(f"config.json is not valid JSON: {exc}")
        return
    if not isinstance(config, dict) or not config.get("model_type"):
        info.problems.append("config.json has no model_type")
        return
    info.model_type = str(config["model_type"])
    info.architectures = [str(a) for a in config.get("architectures") or []]
    info.hidden_size = config.get("hidden_size") or config.get("dim")
    info.num_layers = config.get("num_hidden_layers") or config.get("n_layers")
    info.vocab_size = config.get("vocab_size")
    info.max_position_embeddings = config.get("max_position_embeddings")


def _weights(folder: Path, info: BaseModelInfo) -> None:
    files = sorted(folder.glob("*.safetensors"))
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (ValueError, KeyError, TypeError) as exc:
            info.problems.append(f"model.safetensors.index.json is invalid: {exc}")
            return
        missing = sorted(s for s in shards if not (folder / s).is_file())
        if missing:
            info.problems.append(f"safetensors shards are missing: {', '.join(missing)}")
    elif not files:
        pickled = (folder / "pytorch_model.bin").is_file()
        info.problems.append(
            "model.safetensors is missing"
            + (" (pytorch_model.bin is a pickle and is not loaded; convert it)" if pickled else "")
        )
        return
    try:
        info.parameters = _count_parameters(files)
    except Exception as exc:  # a truncated or foreign file
        info.problems.append(f"safetensors weights cannot be read: {exc}")


def _count_parameters(files: list[Path]) -> int:
    from safetensors import safe_open

    total = 0
    for file in files:
        with safe_open(str(file), framework="numpy") as handle:
            for key in handle.keys():  # noqa: SIM118 - safe_open is not a mapping
                shape = handle.get_slice(key).get_shape()
                count = 1
                for dim in shape:
                    count *= int(dim)
                total += count
    return total


def has_chat_template(folder: Path) -> bool:
    """True when the tokenizer files carry a chat template."""
    if (folder / "chat_template.jinja").is_file() or (folder / "chat_template.json").is_file():
        return True
    try:
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    return isinstance(config, dict) and bool(config.get("chat_template"))


def _platform(folder: Path, info: BaseModelInfo) -> None:
    """Fill the descriptive fields from platform.json (a broken sidecar is a problem)."""
    info.chat_template = has_chat_template(folder)
    info.context_length = info.max_position_embeddings
    path = folder / PLATFORM_FILE
    if not path.is_file():
        return
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        info.problems.append(f"{PLATFORM_FILE} is not valid JSON: {exc}")
        return
    if not isinstance(meta, dict):
        info.problems.append(f"{PLATFORM_FILE} is not an object")
        return
    for name in PLATFORM_TEXT_FIELDS:
        if isinstance(meta.get(name), str):
            setattr(info, name, meta[name])
    languages = meta.get("languages")
    if isinstance(languages, list):
        info.languages = [str(language) for language in languages]
    if isinstance(meta.get("context_length"), int):
        info.context_length = meta["context_length"]


def inspect_base_model(folder: Path) -> BaseModelInfo:
    """Check a base-model folder: config, tokenizer and safetensors weights."""
    info = BaseModelInfo(name=folder.name, path=str(folder))
    if not folder.is_dir():
        info.problems.append("folder does not exist")
        return info
    _config(folder, info)
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        info.problems.append(f"tokenizer files are missing (one of {', '.join(TOKENIZER_FILES)})")
    _weights(folder, info)
    _platform(folder, info)
    info.size_bytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    info.ok = not info.problems
    return info


def list_base_models(model_storage_path: Path) -> list[BaseModelInfo]:
    """Every folder under base/, inspected, by name."""
    root = base_root(model_storage_path)
    if not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [inspect_base_model(p) for p in folders]


def resolve_base_model(model_storage_path: Path | None, name: str) -> Path:
    """The folder of a usable base model, or a TrainerError saying what is wrong."""
    if not NAME_PATTERN.match(name):
        raise TrainerError(f"Invalid base model name {name!r}.", code="base_model_invalid")
    if model_storage_path is None:
        raise TrainerError("MODEL_STORAGE_PATH is not known here.", code="base_model_not_found")
    folder = base_root(model_storage_path) / name
    if not folder.is_dir():
        available = [m.name for m in list_base_models(model_storage_path)]
        raise TrainerError(
            f"Base model '{name}' not found in the base-model folder (MODEL_STORAGE_PATH/"
            f"{BASE_DIR_NAME}); "
            f"available: {', '.join(available) or 'none'}.",
            code="base_model_not_found",
        )
    info = inspect_base_model(folder)
    if not info.ok:
        raise TrainerError(
            f"Base model '{name}' is unusable: {'; '.join(info.problems)}.",
            code="base_model_invalid",
        )
    return folder
