"""Group commit for the labeling loop: whatever waits when the database is free goes in one
transaction, so concurrent rows never queue behind each other's commits.

Paid calls are put here as soon as they are answered and rows as soon as they are voted; the
writer commits them in the order they came. The run's counters ride along in a commit at most
once every COUNT_EVERY_SECONDS (a row per commit would make every commit wait on that one
counters row); the loop recounts them from the stored rows and calls when a run starts or ends.
"""

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread

from app.db.session import Database
from app.labeling import store

COUNT_EVERY_SECONDS = 1.0
Committed = Callable[[list[store.PaidCall], int], None]


@dataclass
class Writer:
    """Commits what the loop puts, batch by batch, until closed and drained."""

    db: Database
    run_id: uuid.UUID
    on_commit: Committed
    calls: list[store.PaidCall] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # column values
    error: BaseException | None = None
    carried: store.Counts = field(default_factory=store.Counts)
    counted_at: float = field(default_factory=time.monotonic)
    closed: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, calls: list[store.PaidCall], row: dict[str, Any] | None = None) -> None:
        """Queue calls (and the row they answered) for the next commit."""
        self.check()
        self.calls.extend(calls)
        if row is not None:
            self.rows.append(row)
        self.wake.set()

    def check(self) -> None:
        """Raise what made a commit fail, if one did."""
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Commit what waits, then end."""
        self.closed = True
        self.wake.set()

    async def run(self) -> None:
        """Commit batches until closed with nothing left."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.calls or self.rows:
                await self._commit()
            elif self.closed:
                return

    async def _commit(self) -> None:
        calls, rows = self.calls, self.rows
        self.calls, self.rows = [], []
        self.wake.set()  # come back for what arrives during this commit, or to end
        count = time.monotonic() - self.counted_at >= COUNT_EVERY_SECONDS
        try:
            stored, counts = await to_thread.run_sync(
                lambda: store.save_batch(
                    self.db, self.run_id, calls, rows, self.carried, count=count
                )
            )
        except BaseException as exc:
            self.error = exc
            raise
        if count:
            self.carried, self.counted_at = store.Counts(), time.monotonic()
        else:
            self.carried = counts
        self.on_commit(calls, stored)
