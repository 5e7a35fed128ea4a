"""A daemon thread that handles queued ids one at a time (embedded mode's runners)."""

import logging
import queue
import threading
import uuid
from collections.abc import Iterable

from app.core.config import Settings
from app.db.session import Database
from app.jobs.config import JobSettings

STOP_TIMEOUT_SECONDS = 30
logger = logging.getLogger("app.jobs.queue_thread")


class QueueThread:
    """Subclasses say which ids are pending at start and how one id is handled."""

    name = "queue-thread"

    def __init__(self, settings: Settings, db: Database, job_settings: JobSettings) -> None:
        self.settings = settings
        self.db = db
        self.job_settings = job_settings
        self.queue: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.shutdown = threading.Event()
        self.thread: threading.Thread | None = None

    def pending(self) -> Iterable[uuid.UUID]:
        """Ids a previous run left to do, queued at start."""
        return ()

    def handle(self, item_id: uuid.UUID) -> None:
        """Do the work for one id (`self.shutdown` is set when it should stop early)."""
        raise NotImplementedError

    def dispatch(self, item_id: uuid.UUID) -> None:
        """Queue a committed id."""
        self.queue.put(item_id)

    def start(self) -> None:
        """Start the thread and queue what is pending."""
        self.shutdown.clear()
        self.thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self.thread.start()
        for item_id in self.pending():
            self.dispatch(item_id)

    def stop(self) -> None:
        """Ask the work in progress to stop, then end the thread."""
        self.shutdown.set()
        self.queue.put(None)
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        while not self.shutdown.is_set():
            item_id = self.queue.get()
            if item_id is None or self.shutdown.is_set():
                return
            try:
                self.handle(item_id)
            except Exception:
                logger.exception("%s: error handling %s", self.name, item_id)
