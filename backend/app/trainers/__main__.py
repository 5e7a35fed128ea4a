"""Child-process entry point: `python -m app.trainers <job.json>` (see app.trainers.base)."""

import os
import sys
import traceback
from pathlib import Path
from typing import IO

from app.trainers.base import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_STOPPED,
    JobSpec,
    TrainerContext,
    TrainerError,
    TrainingStopped,
    write_event,
)
from app.trainers.registry import get_trainer


def _protocol_stream() -> IO[str]:
    """Keep the original stdout for protocol lines; send stray prints to stderr (the log)."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def main(argv: list[str]) -> int:
    """Run one training described by the job file; the exit status tells the outcome."""
    if len(argv) != 2:
        print("usage: python -m app.trainers <job.json>", file=sys.stderr)
        return 2
    stream = _protocol_stream()
    spec = JobSpec.model_validate_json(Path(argv[1]).read_text(encoding="utf-8"))
    try:
        trainer_cls = get_trainer(spec.task_type, spec.trainer)
        params = trainer_cls.Params.model_validate(spec.params)
        ctx = TrainerContext(spec, params, stream=stream)
        result = trainer_cls().train(ctx)
    except TrainingStopped:
        write_event(stream, {"type": "stopped"})
        return EXIT_STOPPED
    except TrainerError as exc:
        write_event(stream, {"type": "error", "code": exc.code, "message": exc.message})
        return EXIT_FAILED
    except Exception as exc:
        traceback.print_exc()
        message = f"{type(exc).__name__}: {exc}"
        write_event(stream, {"type": "error", "code": "trainer_crashed", "message": message})
        return EXIT_FAILED
    write_event(
        stream,
        {
            "type": "result",
            "metrics": result.metrics,
            "artifacts": result.artifacts,
            "report": result.report,
            "model_format": result.model_format,
            "info": result.info,
        },
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
