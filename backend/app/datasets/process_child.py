"""Child process: convert one stored upload (`python -m app.datasets.process_child WORK`).

WORK holds `request.json` ({source, filename, sheet}); this writes `result.json` (what
`Ingested` holds) or, for input a person must fix, `error.json` ({code, message, details})
and exits with BAD_INPUT_EXIT. Running here keeps the conversion's memory and any crash out of
the API and worker processes.
"""

import dataclasses
import json
import resource
import sys
from pathlib import Path

from app.core.errors import AppError
from app.datasets.ingest import ingest

BAD_INPUT_EXIT = 3
REQUEST_NAME = "request.json"
RESULT_NAME = "result.json"
ERROR_NAME = "error.json"


def main(work: Path) -> int:
    """Convert, write the result or the error; the exit status."""
    request = json.loads((work / REQUEST_NAME).read_text(encoding="utf-8"))
    try:
        ingested = ingest(
            Path(request["source"]), request["filename"], work, sheet=request.get("sheet")
        )
    except AppError as exc:
        error = {"code": exc.code, "message": exc.message, "details": exc.details}
        (work / ERROR_NAME).write_text(json.dumps(error, ensure_ascii=False), encoding="utf-8")
        return BAD_INPUT_EXIT
    result = dataclasses.asdict(ingested)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (work / RESULT_NAME).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
