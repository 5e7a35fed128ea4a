"""A tar stream of stored files, read in chunks: a merged model of gigabytes never sits in memory.

`tarfile` writes each member whole into its file object, so the stream is built from its parts:
the member header (`TarInfo.tobuf`), the file's bytes, padding to the 512-byte block, and the two
zero blocks that end an archive.
"""

import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

from app.model_registry.storage import CHUNK

BLOCK = tarfile.BLOCKSIZE


def tar_stream(root: Path, paths: list[str], prefix: str) -> Iterator[bytes]:
    """The files `root/<path>` as an uncompressed tar, each named `<prefix>/<path>`."""
    now = int(time.time())
    for rel in paths:
        path = root / rel
        size = path.stat().st_size
        info = tarfile.TarInfo(f"{prefix}/{rel}")
        info.size, info.mtime, info.mode = size, now, 0o644
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
        if size % BLOCK:
            yield b"\0" * (BLOCK - size % BLOCK)
    yield b"\0" * (2 * BLOCK)
