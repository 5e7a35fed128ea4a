"""Upload staging folders, owned by the live upload that writes them.

An upload holds an exclusive `flock` on `.tmp/<id>.owner` (its process written inside) for as
long as it runs; the kernel drops the lock when the process dies, even by kill -9. A sweep
removes each folder whose owner file is no longer locked. Folders without an owner file
(written by other code) and anything older than STAGING_MAX_AGE_SECONDS go by age alone.
"""

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.config import Settings
from app.datasets.storage import tmp_root

OWNER_SUFFIX = ".owner"
STAGING_MAX_AGE_SECONDS = 6 * 3600  # an upload still streaming after this is abandoned
# This process, as written in its owner files: a pid alone may be reused after a restart.
INSTANCE = uuid.uuid4().hex


@contextmanager
def owned_staging(settings: Settings, staging_id: str) -> Iterator[Path]:
    """A fresh staging folder locked to this upload; removed with its owner file at the end."""
    root = tmp_root(settings)
    owner = root / f"{staging_id}{OWNER_SUFFIX}"
    work = root / staging_id
    fd = os.open(owner, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, json.dumps({"pid": os.getpid(), "instance": INSTANCE}).encode())
        work.mkdir()
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        owner.unlink(missing_ok=True)
        os.close(fd)


def _mine(record: bytes) -> bool:
    """The owner file was written by this very process (its lock then says nothing on NFS)."""
    try:
        owner = json.loads(record)
    except ValueError:
        return False
    return bool(owner.get("instance") == INSTANCE and owner.get("pid") == os.getpid())


def _remove_if_unowned(owner: Path) -> bool:
    """Remove a staging folder and its owner file when no live process holds the lock."""
    try:
        fd = os.open(owner, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        record = os.read(fd, 4096)
        if not record or _mine(record):  # still being created, or one of ours
            return False
        shutil.rmtree(owner.with_name(owner.name.removesuffix(OWNER_SUFFIX)), ignore_errors=True)
        owner.unlink(missing_ok=True)
        return True
    finally:
        os.close(fd)


def sweep_staging(settings: Settings, max_age: float = STAGING_MAX_AGE_SECONDS) -> int:
    """Delete staging no live upload owns, then anything older than `max_age` seconds."""
    root = tmp_root(settings)
    removed = sum(_remove_if_unowned(owner) for owner in root.glob(f"*{OWNER_SUFFIX}"))
    cutoff = time.time() - max_age
    for entry in root.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
                removed += entry.suffix != OWNER_SUFFIX
        except FileNotFoundError:
            continue
    return removed
