"""What the image builds rely on, checked without a Docker engine."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm not installed")
def test_frontend_lockfile_allows_npm_ci(tmp_path: Path) -> None:
    """frontend/Dockerfile runs `npm ci`: it refuses a lock file out of sync with package.json."""
    for name in ("package.json", "package-lock.json"):
        shutil.copy(REPO / "frontend" / name, tmp_path / name)
    result = subprocess.run(
        ["npm", "ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_backend_image_gets_only_what_it_needs() -> None:
    ignore = set((REPO / "backend" / ".dockerignore").read_text().splitlines())
    included = {"requirements.txt"} | {
        line.split()[1]
        for line in (REPO / "backend" / "requirements.txt").read_text().splitlines()
        if line.startswith("-r ")
    }
    assert {"*", "!alembic.ini", "!app/"} | {f"!{name}" for name in included} <= ignore
    dockerfile = (REPO / "backend" / "Dockerfile").read_text()
    copy_line = "COPY " + " ".join(sorted(included, key=len)) + " /tmp/"
    for copied in (copy_line, "alembic.ini", "COPY --chown=app:app app ./app"):
        assert copied in dockerfile
    assert (REPO / "backend" / "alembic.ini").is_file() and (REPO / "backend" / "app").is_dir()
