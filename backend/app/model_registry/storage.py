"""Artifact files of model versions: MODEL_STORAGE_PATH/<project>/<model version id>/."""

import hashlib
import shutil
import uuid
from pathlib import Path
from typing import Any

from app.core.config import Settings

CHUNK = 1024 * 1024


def version_dir(settings: Settings, project_id: uuid.UUID, version_id: uuid.UUID) -> Path:
    """The folder holding one model version's artifacts."""
    return Path(settings.model_storage_path) / str(project_id) / str(version_id)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def inventory(root: Path, relative_paths: list[str]) -> list[dict[str, Any]]:
    """Path, size and sha256 of each artifact; every path must stay inside `root`."""
    entries = []
    base = root.resolve()
    for rel in relative_paths:
        path = (root / rel).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            raise ValueError(f"artifact {rel!r} is not a file inside the output folder")
        entries.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_file(path)})
    return entries


def move_in(staging: Path, target: Path) -> None:
    """Move the staged output folder into place (same disk: a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging), str(target))


def verify(root: Path, artifacts: list[dict[str, Any]]) -> list[str]:
    """Artifacts whose file is missing or whose checksum differs."""
    bad = []
    for entry in artifacts:
        path = root / entry["path"]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            bad.append(entry["path"])
    return bad


def remove(settings: Settings, project_id: uuid.UUID, version_id: uuid.UUID) -> None:
    """Delete a version's folder (no error when it is already gone)."""
    shutil.rmtree(version_dir(settings, project_id, version_id), ignore_errors=True)
