"""Watch a job's child process: protocol lines → events, heartbeats, cancel, kill."""

import functools
import json
import logging
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any, cast

from sqlalchemy import Table, Update, bindparam, update

from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.db.session import Database
from app.engine.config import JobSettings
from app.engine.ending import Claim, kill_group
from app.engine.events import record_events
from app.trainers.base import STOP_FILE_NAME

logger = logging.getLogger("app.engine.supervisor")
POLL_SECONDS = 0.1
TERMINAL_TYPES = frozenset({"result", "error", "stopped"})
LOG_TAIL_LINES = 20
LOG_FILE = "train.log"  # the job's log, appended by every attempt


JOBS = cast(Table, TrainingJob.__table__)


@functools.cache
def _heartbeat(columns: frozenset[str]) -> Update:
    """UPDATE of these columns of a job this worker still runs, returning its status.

    A Core statement built once per set of columns: building it for every batch, and the ORM's
    bulk-update handling, cost more than running it.
    """
    return (
        update(JOBS)
        .where(
            JOBS.c.id == bindparam("job"),
            JOBS.c.worker == bindparam("holder"),
            JOBS.c.status.in_([JobStatus.running, JobStatus.cancelling]),
        )
        .values({name: bindparam(f"new_{name}") for name in sorted(columns)})
        .returning(JOBS.c.status)
    )


@dataclass
class Outcome:
    """How an attempt ended, as seen by the supervisor."""

    kind: str  # "exited" | "lost" | "shutdown"
    exit_code: int | None = None
    terminal: dict[str, Any] | None = None
    cancel_requested: bool = False
    log_tail: list[str] = field(default_factory=list)
    # user + system CPU-seconds of the child and the descendants it waited for (exited only)
    cpu_seconds: float | None = None


def _pump(stream: IO[str], kind: str, out: "queue.Queue[tuple[str, str | None]]") -> None:
    for line in stream:
        out.put((kind, line.rstrip("\n")))
    out.put((kind, None))


class Supervisor:
    """Runs in the runner's thread until the child exits (or the lease is lost)."""

    def __init__(
        self,
        db: Database,
        job_settings: JobSettings,
        claim: Claim,
        worker: str,
        process: subprocess.Popen[str],
        shutdown: threading.Event | None,
    ) -> None:
        self.db = db
        self.job_settings = job_settings
        self.claim = claim
        self.worker = worker
        self.process = process
        self.shutdown = shutdown or threading.Event()
        self.lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
        self.log_path = claim.work_dir / LOG_FILE
        self.logs_stored = 0
        self.terminal: dict[str, Any] | None = None
        self.cancel_requested = False
        self.kill_at: float | None = None
        self.tail: list[str] = []
        self.cpu_seconds: float | None = None

    def run(self) -> Outcome:
        """Supervise until the child is gone; returns the outcome."""
        open_streams = 2
        for stream, kind in ((self.process.stdout, "out"), (self.process.stderr, "err")):
            assert stream is not None
            threading.Thread(target=_pump, args=(stream, kind, self.lines), daemon=True).start()
        last_beat = 0.0
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"---- attempt {self.claim.attempt} on {self.worker} at {utcnow()} ----\n")
            while open_streams or not self._reap(block=False):
                batch, closed = self._drain(log)
                open_streams -= closed
                now = time.monotonic()
                if batch or now - last_beat >= self.job_settings.heartbeat_seconds:
                    last_beat = now
                    if not self._write(batch):
                        self._kill()
                        return Outcome(kind="lost")
                if self.shutdown.is_set():
                    self._kill()
                    return Outcome(kind="shutdown", log_tail=self.tail)
                if self.kill_at is not None and now >= self.kill_at:
                    self._kill()
                    self.kill_at = None
        self._reap(block=True)
        return Outcome(
            kind="exited",
            exit_code=self.process.returncode,
            terminal=self.terminal,
            cancel_requested=self.cancel_requested,
            log_tail=self.tail,
            cpu_seconds=self.cpu_seconds,
        )

    def _reap(self, *, block: bool) -> bool:
        """Collect the child's exit status and CPU time once it has exited; False while it runs.

        `os.wait4` on the child's pid gives the rusage of that child and of the descendants it
        waited for, so jobs running side by side each get their own figure (the rusage of this
        process's children would mix them). `Popen.poll` would reap the child without it.
        """
        if self.process.returncode is not None:
            return True
        try:
            pid, status, usage = os.wait4(self.process.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: status unknown (as Popen takes it), no CPU
            self.process.returncode = 0
            return True
        if pid == 0:
            return False
        self.process.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_seconds = usage.ru_utime + usage.ru_stime
        return True

    def _drain(self, log: IO[str]) -> tuple[list[tuple[str, dict[str, Any]]], int]:
        """Collect what the child wrote (waiting briefly for the first line)."""
        batch: list[tuple[str, dict[str, Any]]] = []
        closed = 0
        try:
            item = self.lines.get(timeout=POLL_SECONDS)
        except queue.Empty:
            return batch, closed
        while True:
            kind, line = item
            if line is None:
                closed += 1
            elif kind == "err":
                self._log_line(log, line, batch)
            else:
                self._protocol_line(log, line, batch)
            try:
                item = self.lines.get_nowait()
            except queue.Empty:
                return batch, closed

    def _log_line(self, log: IO[str], line: str, batch: list[tuple[str, dict[str, Any]]]) -> None:
        log.write(line + "\n")
        self.tail = [*self.tail[-(LOG_TAIL_LINES - 1) :], line]
        if self.logs_stored < self.job_settings.log_event_cap:
            self.logs_stored += 1
            batch.append(("log", {"level": "info", "message": line[:2000], "stream": "stderr"}))

    def _protocol_line(
        self, log: IO[str], line: str, batch: list[tuple[str, dict[str, Any]]]
    ) -> None:
        try:
            message = json.loads(line)
            kind = message.pop("type")
        except (ValueError, KeyError, AttributeError, TypeError):
            self._log_line(log, line, batch)
            return
        if kind in TERMINAL_TYPES:
            self.terminal = {"type": kind, **message}
        elif kind == "log":
            log.write(f"[{message.get('level', 'info')}] {message.get('message', '')}\n")
            self.tail = [*self.tail[-(LOG_TAIL_LINES - 1) :], str(message.get("message", ""))]
            if self.logs_stored < self.job_settings.log_event_cap:
                self.logs_stored += 1
                batch.append(("log", message))
        elif kind in ("progress", "metrics"):
            batch.append((kind, message))

    def _write(self, batch: list[tuple[str, dict[str, Any]]]) -> bool:
        """Store the batch + heartbeat in one transaction; False when the job is no longer ours."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        for kind, data in batch:
            if kind == "progress":
                values.update(
                    progress=data.get("fraction") or 0.0,
                    epoch=data.get("epoch"),
                    step=data.get("step"),
                    total_steps=data.get("total_steps"),
                )
                if data.get("message"):
                    values["message"] = str(data["message"])[:500]
        job_id = self.claim.job_id
        params = {f"new_{name}": value for name, value in values.items()}
        with self.db.session_scope() as session:
            status = (
                session.connection()
                .execute(
                    _heartbeat(frozenset(values)), {"job": job_id, "holder": self.worker, **params}
                )
                .scalar()
            )
            if status is None:
                return False
            record_events(session, job_id, batch)
        if status == JobStatus.cancelling and not self.cancel_requested:
            self._request_stop()
        return True

    def _request_stop(self) -> None:
        """Cooperative stop via the flag file; a kill after the grace period."""
        self.cancel_requested = True
        (self.claim.work_dir / STOP_FILE_NAME).touch()
        self.kill_at = time.monotonic() + self.job_settings.cancel_grace_seconds

    def _kill(self) -> None:
        kill_group(self.process)
