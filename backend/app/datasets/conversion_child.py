"""Child process: convert one stored upload (`python -m app.datasets.conversion_child SPEC`).

SPEC is a JSON file {source, filename, sheet, output_dir}. The canonical file is written into
output_dir; one JSON line on stdout ends the run: `{"type": "result", ...}` (what `Ingested`
holds) or, for input a person must fix, `{"type": "error", code, message, details}`.
Running here keeps the conversion's memory and any crash out of the API and worker processes.
"""

import dataclasses
import json
import resource
import sys
from pathlib import Path

from app.core.errors import AppError
from app.datasets.ingest import ingest


def main(spec_path: Path) -> int:
    """Convert and report the result or the error; the exit status."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    try:
        ingested = ingest(
            Path(spec["source"]), spec["filename"], Path(spec["output_dir"]), sheet=spec["sheet"]
        )
    except AppError as exc:
        message = {"type": "error", "code": exc.code, "message": exc.message}
        print(json.dumps({**message, "details": exc.details}, ensure_ascii=False, default=str))
        return 0
    result = dataclasses.asdict(ingested)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"type": "result", **result}, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
