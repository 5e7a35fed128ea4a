"""Run one labeling run in a child process (`python -m app.labeling.label_child SPEC`).

SPEC is a JSON file {run_id, stop_file}; the settings (database, secret key, storage, allowed
hosts) come from the environment. Progress goes to stdout as `progress` lines (at most one a
second, and the last); the end is one line: `result` (every row labeled), `error` with the
run's code (budget reached, a provider's refusal, unreadable key …) or `stopped`.
"""

import asyncio
import json
import logging
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.core.errors import AppError
from app.db.models import LabelingRun, LabelingStatus
from app.db.session import Database
from app.labeling import store
from app.labeling.loop import run_labeling

PROGRESS_EVERY_SECONDS = 1.0


class ProgressLines:
    """Writes the loop's progress as protocol lines, throttled."""

    def __init__(self) -> None:
        self.last_sent = 0.0
        self.latest: dict[str, Any] | None = None

    def __call__(self, progress: dict[str, Any]) -> None:
        """Keep the newest progress; write it when the last line is old enough."""
        self.latest = progress
        if time.monotonic() - self.last_sent >= PROGRESS_EVERY_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Write the newest progress, if not written yet."""
        if self.latest is None:
            return
        p = self.latest
        total = max(int(p["rows_total"]), 1)
        message = (
            f"{p['rows_done']}/{p['rows_total']} rows · {p['rows_per_s']:.1f} rows/s · "
            f"{p['cost']} {p['currency']}"
        )
        emit({"type": "progress", "fraction": p["rows_done"] / total, "message": message, **p})
        self.latest = None
        self.last_sent = time.monotonic()


def emit(message: dict[str, Any]) -> None:
    """One protocol line on stdout."""
    print(json.dumps(message, ensure_ascii=False, default=str), flush=True)


def main(spec_path: Path) -> int:
    """Run the loop to its end and report it; the exit status."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    run_id = uuid.UUID(spec["run_id"])
    stop_file = Path(spec["stop_file"])
    settings = Settings()
    db = Database(settings.sqlalchemy_url)
    progress = ProgressLines()
    try:
        status = asyncio.run(
            run_labeling(db, settings, run_id, on_progress=progress, should_stop=stop_file.exists)
        )
    except AppError as exc:  # before the loop started: the key, the dataset's files …
        store.finish(db, run_id, LabelingStatus.failed, {"code": exc.code, "message": exc.message})
        emit({"type": "error", "code": exc.code, "message": exc.message})
        return 0
    finally:
        progress.flush()
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        summary = {
            "rows_done": run.rows_done,
            "rows_total": run.rows_total,
            "input_tokens": run.input_tokens,
            "output_tokens": run.output_tokens,
            "cost": str(run.cost),
            "currency": run.currency,
        }
        error = run.error or {}
    if status == LabelingStatus.succeeded:
        emit({"type": "result", **summary})
    elif status == LabelingStatus.cancelled:
        emit({"type": "stopped", **summary})
    else:
        emit({"type": "error", "code": error.get("code"), "message": error.get("message")})
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
