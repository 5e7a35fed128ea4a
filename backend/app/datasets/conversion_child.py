"""Convert one stored upload in a child process (`python -m app.datasets.conversion_child SPEC`).

SPEC is a JSON file {source, filename, sheet, output_dir, memory_mb}. The child limits its
address space to `memory_mb` (RLIMIT_AS), writes the canonical file into output_dir, and ends
with one JSON line on stdout: `{"type": "result", ...}` (what `Ingested` holds) or, for input a
person must fix, `{"type": "error", status, code, message, details}`. Running here keeps the
conversion's memory and any crash out of the API and worker processes: the conversion job
runs it, and so does an upload converted inside the request whose expansion is unknown
(XLSX, Parquet: `ingest_isolated`).
"""

import dataclasses
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import AppError, UnprocessableInput

if TYPE_CHECKING:
    from app.datasets.ingest import Ingested

BACKEND_DIR = Path(__file__).resolve().parents[2]
SPEC_NAME = "conversion.json"
# Files whose size once decompressed cannot be known before reading them: zip (XLSX), Parquet.
UNKNOWN_EXPANSION_MAGIC = (b"PK\x03\x04", b"PAR1")


def out_of_memory(memory_mb: int) -> AppError:
    """The error of a conversion that needed more memory than its limit."""
    error = AppError(
        f"Converting the file needed more than {memory_mb} MB of memory; split it into smaller "
        "files, or save it as CSV, and upload again.",
        code="conversion_out_of_memory",
    )
    error.status_code = 413
    return error


def main(spec_path: Path) -> int:
    """Convert and report the result or the error; the exit status."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    memory_mb = int(spec.get("memory_mb") or 0)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from app.datasets.ingest import ingest  # its libraries load under the limit too

        ingested = ingest(
            Path(spec["source"]), spec["filename"], Path(spec["output_dir"]), sheet=spec["sheet"]
        )
    except (MemoryError, ImportError):  # a library that cannot map its code is out of memory
        _report_error(out_of_memory(memory_mb))
        return 0
    except AppError as exc:
        _report_error(exc)
        return 0
    result = dataclasses.asdict(ingested)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"type": "result", **result}, ensure_ascii=False, default=str))
    return 0


def _report_error(exc: AppError) -> None:
    message = {"type": "error", "status": exc.status_code, "code": exc.code}
    message.update(message=exc.message, details=exc.details)
    print(json.dumps(message, ensure_ascii=False, default=str))


def expansion_unknown(path: Path) -> bool:
    """Whether the file is compressed in a way its size does not bound (XLSX, Parquet)."""
    with path.open("rb") as handle:
        return handle.read(4) in UNKNOWN_EXPANSION_MAGIC


def ingest_isolated(
    source: Path, filename: str, work_dir: Path, *, sheet: str | None, memory_mb: int
) -> "Ingested":
    """`ingest` in a child process limited to `memory_mb`; its error raised here as it was."""
    from app.datasets.ingest import Ingested

    spec = {
        "source": str(source),
        "filename": filename,
        "sheet": sheet,
        "output_dir": str(work_dir),
        "memory_mb": memory_mb,
    }
    spec_path = work_dir / SPEC_NAME
    spec_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(BACKEND_DIR)}
    done = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "app.datasets.conversion_child", str(spec_path)],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    spec_path.unlink(missing_ok=True)
    lines = done.stdout.strip().splitlines()
    message: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    kind = message.pop("type", None)
    if kind == "result":
        message.pop("peak_rss_mb", None)
        return Ingested(**message)
    if kind == "error":
        error = AppError(message["message"], code=message["code"], details=message["details"])
        error.status_code = int(message["status"])
        raise error
    crashed = UnprocessableInput(
        f"The conversion process stopped unexpectedly (exit status {done.returncode}); the file "
        "may be too large for this server's memory. Split it and upload the parts.",
        code="conversion_crashed",
    )
    raise crashed


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
