"""Stream a multipart upload to disk: size cap, sha256 while writing, never all in memory.

Starlette's own form parser spools files without a size limit, so the body is parsed here,
chunk by chunk, with python-multipart's push parser. File bytes are buffered up to FLUSH_BYTES;
each buffer is written by the upload's writer thread and hashed by its hasher thread (each in
order, the two side by side) while the next buffers arrive. The event loop waits only when
BUFFERS_IN_FLIGHT buffers are not yet both written and hashed, so it never blocks on disk and
at most that many buffers (plus the one filling) are in memory. The file is fsynced before the
dataset row is committed. Crossing the cap stops reading at once with 413.
"""

import asyncio
import hashlib
import os
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.core.errors import PayloadTooLarge, UnprocessableInput

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FLUSH_BYTES = 1024 * 1024
BUFFERS_IN_FLIGHT = 4
MAX_FIELD_BYTES = 16 * 1024
FORM_OVERHEAD_BYTES = 256 * 1024
FILE_FIELD = "file"
TEXT_FIELDS = ("project_id", "name", "description", "sheet", "parent_id")


class _Sink:
    """The temporary file the upload's bytes go to, hashed as they are written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.handle = path.open("wb")

    def write(self, chunks: list[bytes]) -> None:
        """Append the chunks to the file (the writer thread)."""
        for chunk in chunks:
            self.handle.write(chunk)
            self.size += len(chunk)

    def hash(self, chunks: list[bytes]) -> None:
        """Feed the chunks to the sha256 (the hasher thread)."""
        for chunk in chunks:
            self.sha256.update(chunk)

    def close(self, *, sync: bool) -> None:
        if sync:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        self.handle.close()


@dataclass
class Received:
    """The uploaded file (on disk) and the form's text fields."""

    filename: str = ""
    size: int = 0
    sha256: str = ""
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _State:
    """What the parser callbacks have seen so far."""

    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    part_name: str | None = None
    part_filename: str | None = None
    field_value: bytearray = field(default_factory=bytearray)
    file_started: bool = False
    file_name: str = ""
    file_done: bool = False
    file_bytes: int = 0
    pending: list[bytes] = field(default_factory=list)
    pending_bytes: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def display_filename(raw: str) -> str:
    """The client's file name without any directory part, for display only."""
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip()
    return name[:255] or "upload"


def _callbacks(state: _State) -> "MultipartCallbacks":
    def on_part_begin() -> None:
        state.part_name, state.part_filename = None, None
        state.field_value.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state.header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state.header_value.extend(data[start:end])

    def on_header_end() -> None:
        if bytes(state.header_name).lower() == b"content-disposition":
            _, params = parse_options_header(bytes(state.header_value))
            state.part_name = params.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in params:
                state.part_filename = params[b"filename"].decode("utf-8", "replace")
        state.header_name.clear()
        state.header_value.clear()

    def on_headers_finished() -> None:
        if state.part_name == FILE_FIELD:
            if state.file_started:
                state.errors.append("Send exactly one file (the 'file' field appears twice).")
            state.file_started = True
            state.file_name = state.part_filename or ""
        elif state.part_name not in TEXT_FIELDS:
            state.errors.append(f"Unknown form field '{state.part_name}'.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state.part_name == FILE_FIELD:
            state.pending.append(data[start:end])
            state.pending_bytes += end - start
            state.file_bytes += end - start
        elif len(state.field_value) + end - start > MAX_FIELD_BYTES:
            state.errors.append(f"Form field '{state.part_name}' is too long.")
        else:
            state.field_value.extend(data[start:end])

    def on_part_end() -> None:
        if state.part_name == FILE_FIELD:
            state.file_done = True
        elif state.part_name in TEXT_FIELDS:
            state.fields[state.part_name] = state.field_value.decode("utf-8", "replace").strip()

    return {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }


def _parse(parser: MultipartParser, chunk: bytes | None) -> None:
    """Feed a chunk (None: the end of the body); a malformed body is 422."""
    try:
        if chunk is None:
            parser.finalize()
        else:
            parser.write(chunk)
    except MultipartParseError as exc:
        raise UnprocessableInput(f"Malformed multipart body: {exc}", code="bad_form") from exc


def _boundary(request: Request) -> bytes:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise UnprocessableInput(
            "Upload the file as multipart/form-data with a 'file' field.", code="not_multipart"
        )
    return params[b"boundary"]


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than the upload limit of {limit} bytes "
        f"({limit / 1024 / 1024:.0f} MB).",
        details={"limit_bytes": limit},
    )


async def receive_upload(
    request: Request,
    target: Path,
    *,
    max_bytes: int,
    before_file: Callable[[dict[str, str]], Awaitable[None]],
) -> Received:
    """Stream the body's `file` part into `target`; `before_file` runs before any byte is stored."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise _too_large(max_bytes)
    state = _State()
    parser = MultipartParser(_boundary(request), _callbacks(state))
    sink: _Sink | None = None
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-writer")
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hasher")
    in_flight: deque[asyncio.Future[tuple[None, None]]] = deque()
    loop = asyncio.get_running_loop()
    try:
        async for chunk in request.stream():
            _parse(parser, chunk)
            if state.errors:
                raise UnprocessableInput(state.errors[0], code="bad_form")
            if state.file_bytes > max_bytes:
                raise _too_large(max_bytes)
            if state.file_started and sink is None:
                await before_file(state.fields)
                sink = _Sink(target)
            if sink is not None and (state.pending_bytes >= FLUSH_BYTES or state.file_done):
                chunks, state.pending, state.pending_bytes = state.pending, [], 0
                in_flight.append(
                    asyncio.gather(
                        loop.run_in_executor(writer, sink.write, chunks),
                        loop.run_in_executor(hasher, sink.hash, chunks),
                    )
                )
                if len(in_flight) >= BUFFERS_IN_FLIGHT:
                    await in_flight.popleft()
        _parse(parser, None)
        while in_flight:
            await in_flight.popleft()
        if sink is not None:
            await run_in_threadpool(sink.close, sync=True)
    finally:
        # after a failure a buffer may still be in a thread: let it finish before closing
        writer.shutdown(wait=True, cancel_futures=True)
        hasher.shutdown(wait=True, cancel_futures=True)
        if sink is not None and not sink.handle.closed:
            sink.close(sync=False)
    if sink is None or not state.file_done:
        raise UnprocessableInput("The form has no complete 'file' field.", code="no_file")
    return Received(
        filename=display_filename(state.file_name),
        size=sink.size,
        sha256=sink.sha256.hexdigest(),
        fields=state.fields,
    )
