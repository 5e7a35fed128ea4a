"""Upload staging is owned: a folder whose upload process died (kill -9) is removed when the
API starts, a live upload's is kept, whatever their age."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.datasets.staging import OWNER_SUFFIX, owned_staging, sweep_staging
from app.datasets.storage import tmp_root

BACKEND = Path(__file__).resolve().parents[2]
UPLOADER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from app.core.config import Settings
    from app.datasets.staging import owned_staging

    settings = Settings(data_storage_path=Path(sys.argv[1]))
    with owned_staging(settings, sys.argv[2]) as work:
        (work / "upload.bin").write_bytes(b"partial upload")
        print("receiving", flush=True)
        time.sleep(300)
    """
)


@contextmanager
def uploading(settings: Settings, staging_id: str) -> Iterator[subprocess.Popen[str]]:
    """Another process in the middle of an upload into `.tmp/<staging_id>/`."""
    args = [sys.executable, "-c", UPLOADER, str(settings.data_storage_path), staging_id]
    proc = subprocess.Popen(args, cwd=BACKEND, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "receiving\n"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)


def _staged(settings: Settings) -> list[str]:
    return sorted(p.name for p in tmp_root(settings).iterdir())


def test_staging_of_a_killed_upload_is_removed_when_the_api_starts(
    app: FastAPI, settings: Settings
) -> None:
    with uploading(settings, "killed-upload") as proc:
        assert _staged(settings) == ["killed-upload", f"killed-upload{OWNER_SUFFIX}"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert (tmp_root(settings) / "killed-upload" / "upload.bin").exists()  # kill -9: no cleanup
    with TestClient(app):
        assert _staged(settings) == []


def test_a_live_uploads_staging_is_kept_even_when_old(settings: Settings) -> None:
    with uploading(settings, "live-upload") as proc:
        assert sweep_staging(settings) == 0
        assert _staged(settings) == ["live-upload", f"live-upload{OWNER_SUFFIX}"]
        with owned_staging(settings, "this-process") as mine:
            assert sweep_staging(settings) == 0 and mine.is_dir()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert sweep_staging(settings) == 1
    assert _staged(settings) == []


def test_the_age_sweep_stays_as_the_backstop(settings: Settings) -> None:
    foreign = tmp_root(settings) / "no-owner-file"
    foreign.mkdir()
    assert sweep_staging(settings) == 0 and foreign.is_dir()  # written by other code: by age
    long_ago = time.time() - 7 * 3600
    os.utime(foreign, (long_ago, long_ago))
    with owned_staging(settings, "streaming-for-hours") as stuck:
        for path in (stuck, stuck.with_name(stuck.name + OWNER_SUFFIX)):
            os.utime(path, (long_ago, long_ago))
        assert sweep_staging(settings) == 2
        assert not foreign.exists() and not stuck.exists()
