"""Register a local Hugging Face folder as a base model: checked, copied, described.

Only config, tokenizer and safetensors files are copied (pickled weights never are); the copy
is made in a hidden staging folder and renamed into place, so a failure leaves nothing behind.
"""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from app.base_models.schemas import BaseModelRead, BaseModelRegister
from app.core.config import Settings
from app.core.errors import Conflict, UnprocessableInput
from app.trainers.text.transformer.base_model import (
    PLATFORM_FILE,
    base_root,
    has_chat_template,
    inspect_base_model,
)

COPIED_SUFFIXES = (".json", ".safetensors", ".txt", ".model", ".jinja", ".tiktoken", ".py.txt")
CAUSAL_SUFFIX = "ForCausalLM"


def _source_folder(raw: str) -> Path:
    path = Path(raw)
    if not path.is_absolute() or not path.is_dir():
        raise UnprocessableInput(
            f"'{raw}' is not an absolute path of a folder on the server.",
            code="base_model_source_invalid",
        )
    info = inspect_base_model(path)
    if not info.ok:
        raise UnprocessableInput(
            f"'{raw}' is not a usable model folder: {'; '.join(info.problems)}.",
            code="base_model_invalid",
        )
    return path


def _copy(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for file in sorted(source.iterdir()):
        if file.is_file() and file.name != PLATFORM_FILE and file.suffix in COPIED_SUFFIXES:
            shutil.copy2(file, target / file.name)


def _describe(folder: Path, body: BaseModelRegister, source: Path) -> None:
    info = inspect_base_model(folder)
    meta = {
        "name": body.name,
        "kind": "llm" if any(a.endswith(CAUSAL_SUFFIX) for a in info.architectures) else "encoder",
        "parameters": info.parameters,
        "size_bytes": info.size_bytes,
        "licence": body.licence,
        "languages": body.languages,
        "chat_template": has_chat_template(folder),
        "context_length": info.max_position_embeddings,
        "source": f"local folder {source}",
        "notes": body.notes,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2)
    (folder / PLATFORM_FILE).write_text(text, encoding="utf-8")


def register_folder(settings: Settings, body: BaseModelRegister) -> BaseModelRead:
    """Copy a checked local folder to base/<name> with a platform.json; 409 if the name is taken."""
    root = base_root(Path(settings.model_storage_path))
    target = root / body.name
    if target.exists():
        raise Conflict(f"Base model '{body.name}' already exists.", code="base_model_exists")
    source = _source_folder(body.path)
    staging = root / f".tmp-{body.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _copy(source, staging)
        _describe(staging, body, source)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BaseModelRead(**inspect_base_model(target).as_dict())
