"""Child-process entry point: `python -m app.trainers <job.json>` (see app.trainers.base)."""

import os
import re
import sys
import traceback
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from app.trainers.base import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    JobSpec,
    TrainerContext,
    TrainerError,
    TrainingStopped,
    TrainResult,
    write_event,
)
from app.trainers.registry import get_trainer

# An absolute path of two or more parts; the person sees only its last part.
SERVER_PATH = re.compile(r"(?<![\w.~])/(?:[^\s/'\"]+/)+([^\s/'\"]*)")
MAX_DETAIL = 300


def _protocol_stream() -> IO[str]:
    """Keep the original stdout for protocol lines; send stray prints to stderr (the log)."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def crash_message(exc: BaseException) -> str:
    """A short message for an unexpected failure: the error's kind and first line, no paths."""
    lines = str(exc).strip().splitlines()
    first = SERVER_PATH.sub(r"\1", lines[0]) if lines else ""
    if len(first) > MAX_DETAIL:
        first = first[: MAX_DETAIL - 1] + "…"
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return f"Training failed with an unexpected error ({detail}). The job log has the details."


def _params_error(exc: ValidationError) -> TrainerError:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'params'}: {error['msg']}"
        for error in exc.errors()
    )
    return TrainerError(f"Invalid parameters: {problems}.", code="bad_params")


def _train(spec: JobSpec, stream: IO[str]) -> TrainResult:
    trainer_cls = get_trainer(spec.task_type, spec.trainer)
    try:
        params = trainer_cls.Params.model_validate(spec.params)
    except ValidationError as exc:
        raise _params_error(exc) from exc
    ctx = TrainerContext(spec, params, stream=stream)
    return trainer_cls().train(ctx)


def _result_event(result: TrainResult) -> dict[str, Any]:
    return {
        "type": "result",
        "metrics": result.metrics,
        "artifacts": result.artifacts,
        "report": result.report,
        "model_format": result.model_format,
        "info": result.info,
    }


def main(argv: list[str]) -> int:
    """Run one training described by the job file; the exit status tells the outcome.

    Every failure ends with an error line whose message is for the person; the traceback of
    an unexpected one goes to stderr, which is the job's log.
    """
    if len(argv) != 2:
        print("usage: python -m app.trainers <job.json>", file=sys.stderr)
        return 2
    stream = _protocol_stream()
    try:
        spec = JobSpec.model_validate_json(Path(argv[1]).read_text(encoding="utf-8"))
        write_event(stream, _result_event(_train(spec, stream)))
    except TrainingStopped:
        write_event(stream, {"type": "stopped"})
        return EXIT_STOPPED
    except TrainerError as exc:
        write_event(stream, {"type": "error", "code": exc.code, "message": exc.message})
        return EXIT_FAILED
    except Exception as exc:
        traceback.print_exc()
        write_event(
            stream, {"type": "error", "code": "trainer_crashed", "message": crash_message(exc)}
        )
        return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
