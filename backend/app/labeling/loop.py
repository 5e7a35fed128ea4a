"""The labeling loop: rows in parallel, each teacher paced per provider key, within budget.

Every paid answer goes to the cache's writer as soon as it arrives and every finished row as
soon as all its teachers answered; the writer commits whatever waits in one transaction, so a
killed run resumes from the committed rows and takes the cached answers of the others: no
prompt is paid twice.
"""

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from anyio import to_thread

from app.core.config import Settings
from app.db.models import LabelingRun, LabelingStatus
from app.db.session import Database
from app.labeling import store
from app.labeling.prompts import PromptBuilder, message_tokens_bound
from app.labeling.service import builder_for
from app.labeling.tasks import InvalidAnswer
from app.labeling.vote import Vote, decide
from app.labeling.writer import Writer
from app.llm_providers.adapters import Usage
from app.llm_providers.client import ProviderError, ProviderStopped, TeacherClient
from app.llm_providers.pricing import cost_of
from app.llm_providers.service import allowlist

MAX_WORKERS = 64
ROWS_PER_LOOKUP = 4  # per worker: the cache is read for that many rows in one query
Progress = Callable[[dict[str, Any]], None]
StopCheck = Callable[[], bool]


class BudgetReached(Exception):
    """The next call could take the run past its budget."""


@dataclass
class Budget:
    """Spent plus reserved (calls in flight at their estimate) never exceeds the limit."""

    limit: Decimal
    spent: Decimal
    reserved: Decimal = Decimal(0)

    def reserve(self, amount: Decimal) -> None:
        """Hold `amount` for a call, or raise BudgetReached."""
        if self.spent + self.reserved + amount > self.limit:
            raise BudgetReached
        self.reserved += amount

    def settle(self, reserved: Decimal, actual: Decimal) -> None:
        """Replace a reservation by what the call cost."""
        self.reserved -= reserved
        self.spent += actual


@dataclass
class Teacher:
    """One (provider, model) with its client and price."""

    setup: store.TeacherSetup
    client: TeacherClient

    @property
    def name(self) -> str:
        """provider/model."""
        return f"{self.setup.config.name}/{self.setup.model}"


@dataclass
class Labeler:
    """One run's loop state."""

    db: Database
    state: store.RunState
    builder: PromptBuilder
    teachers: list[Teacher]
    budget: Budget
    on_progress: Progress | None
    should_stop: StopCheck | None = None
    writer: Writer | None = None  # None: each call is committed before its answer is used
    params: dict[str, Any] = field(default_factory=dict)
    stop: dict[str, str] | None = None
    status: LabelingStatus = LabelingStatus.succeeded
    rows_done: int = 0
    usage: Usage = field(default_factory=Usage)
    started: float = field(default_factory=time.monotonic)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Paid answers not committed yet (a repeated prompt finds them here).
    uncommitted: dict[str, store.CachedAnswer] = field(default_factory=dict)
    # The rows taken next, their prompts, and what the cache held for them when read.
    ready: deque[tuple[int, list[dict[str, str]]]] = field(default_factory=deque)
    feeding: asyncio.Lock = field(default_factory=asyncio.Lock)
    found: dict[str, store.CachedAnswer] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)  # not cached, and not asked for since

    async def run(self, writer: Writer) -> None:
        """Label every row not committed yet, with as many workers as calls may run."""
        self.writer = writer
        todo = iter([i for i in range(len(self.state.rows)) if i not in self.state.done])
        self.rows_done = len(self.state.done)
        workers = max(
            1,
            min(MAX_WORKERS, sum(t.setup.config.concurrency or MAX_WORKERS for t in self.teachers)),
        )
        writing = asyncio.create_task(writer.run())
        try:
            await asyncio.gather(
                *(self._work(todo, workers * ROWS_PER_LOOKUP, writer) for _ in range(workers))
            )
        finally:
            writer.close()
            await writing

    def committed(self, calls: list[store.PaidCall], stored: int) -> None:
        """The writer committed these calls and `stored` rows: count them, report progress."""
        self._forget(calls)
        for _ in range(stored):
            self.rows_done += 1
            self._progress()

    async def _work(self, todo: Iterator[int], chunk: int, writer: Writer) -> None:
        while (taken := await self._take(todo, chunk)) is not None:
            if self.should_stop is not None and self.should_stop():
                self._halt(LabelingStatus.cancelled, "cancelled", "The run was stopped.")
            if self.stop is not None:
                return
            writer.check()
            await self._row(*taken, writer)

    async def _take(
        self, todo: Iterator[int], chunk: int
    ) -> tuple[int, list[dict[str, str]]] | None:
        """The next row and its prompt; the cache is read for `chunk` rows at a time."""
        async with self.feeding:
            if not self.ready:
                taken = [
                    (i, self.builder.messages(i, self.state.rows[i])) for i in islice(todo, chunk)
                ]
                if not taken:
                    return None
                keys = {self._key(t, m)[0] for _, m in taken for t in self.teachers}
                found = await to_thread.run_sync(store.cached_answers, self.db, keys)
                # A key asked for while the cache was read may be paid and committed by now.
                self.found, self.missing = found, keys - found.keys() - self.locks.keys()
                self.ready.extend(taken)
            return self.ready.popleft()

    async def _row(self, index: int, messages: list[dict[str, str]], writer: Writer) -> None:
        # With one teacher its answer and the row are committed together (one write per row);
        # with several, each answer is queued as it arrives so a stop loses none.
        pending: list[store.PaidCall] | None = [] if len(self.teachers) == 1 else None
        results = await self.ask_all(messages, pending)
        votes: list[Vote] = []
        for result in results:
            if isinstance(result, BaseException):
                writer.put(pending or [])
                self._halt_on(result)
                return
            votes.append(result)
        verdict = decide(votes, majority=self.builder.kind.votes)
        row = {
            "run_id": self.state.run.id,
            "row_index": index,
            "output": verdict.output,
            "votes": [v.as_dict() for v in votes],
            "agreement": verdict.agreement,
            "confidence": verdict.confidence,
            "error": verdict.error,
        }
        writer.put(pending or [], row)

    async def ask_all(
        self, messages: list[dict[str, str]], pending: list[store.PaidCall] | None = None
    ) -> list[Vote | BaseException]:
        """Every teacher's vote on one prompt, or what stopped its call.

        Paid calls go to the writer at once, or to `pending` for the caller to put with its row.
        """
        # Every teacher's call is awaited even when another one stops the run: an answer in
        # flight is paid for, so it must reach the cache before the run ends.
        return await asyncio.gather(
            *(self._ask(t, messages, pending) for t in self.teachers), return_exceptions=True
        )

    def _halt_on(self, error: BaseException) -> None:
        """Stop the run for the budget or a provider's refusal; raise anything else."""
        if isinstance(error, BudgetReached):
            self._halt(
                LabelingStatus.stopped_budget,
                "budget_exhausted",
                f"Budget of {self.budget.limit} {self.state.run.currency} reached.",
            )
        elif isinstance(error, ProviderStopped):
            self._halt(LabelingStatus.failed, error.code, error.message)
        else:
            raise error

    def _halt(self, status: LabelingStatus, code: str, message: str) -> None:
        if self.stop is None:
            self.stop = {"code": code, "message": message}
            self.status = status

    def _forget(self, calls: list[store.PaidCall]) -> None:
        """Answers now in the cache table need no copy in memory."""
        for call in calls:
            self.uncommitted.pop(call.key, None)

    async def _ask(
        self, teacher: Teacher, messages: list[dict[str, str]], pending: list[store.PaidCall] | None
    ) -> Vote:
        key, request = self._key(teacher, messages)
        async with self.locks.setdefault(key, asyncio.Lock()):
            answer = self.uncommitted.get(key) or self.found.get(key)
            if answer is None and key not in self.missing:
                answer = await to_thread.run_sync(store.cached_answer, self.db, key)
            if answer is None:
                self.missing.discard(key)
                answer_or_vote = await self._pay(teacher, key, messages, request, pending)
                if isinstance(answer_or_vote, Vote):
                    return answer_or_vote
                answer = answer_or_vote
        try:
            value = self.builder.kind.parse(self.builder.task, answer.content)
        except InvalidAnswer as exc:
            return Vote(teacher.name, error={"code": "invalid_answer", "message": str(exc)})
        return Vote(teacher.name, value, None, answer.mean_logprob)

    def _key(self, teacher: Teacher, messages: list[dict[str, str]]) -> tuple[str, dict[str, Any]]:
        """The answer cache's key for this teacher and prompt, and the request's parameters."""
        request = {**self.params, **self.builder.kind.request(self.builder.task)}
        return store.cache_key(
            teacher.setup.config.id, teacher.setup.model, messages, request
        ), request

    async def _store(
        self,
        call: store.PaidCall,
        answer: store.CachedAnswer | None,
        pending: list[store.PaidCall] | None,
    ) -> None:
        if answer is not None:
            self.uncommitted[call.key] = answer
        if pending is not None:
            pending.append(call)
        elif self.writer is not None:
            self.writer.put([call])
        else:
            await to_thread.run_sync(store.record_calls, self.db, [call])
            self._forget([call])

    async def _pay(
        self,
        teacher: Teacher,
        key: str,
        messages: list[dict[str, str]],
        request: dict[str, Any],
        pending: list[store.PaidCall] | None,
    ) -> store.CachedAnswer | Vote:
        setup = teacher.setup
        tokens_in = message_tokens_bound(messages)
        tokens_out = int(self.params.get("max_tokens", 256))
        reserved = cost_of(setup.price, Usage(tokens_in, 0, tokens_out))
        self.budget.reserve(reserved)
        run_id = self.state.run.id
        try:
            done = await teacher.client.complete(
                model=setup.model,
                messages=messages,
                params=request,
                estimated_tokens=tokens_in + tokens_out,
            )
        except ProviderError as exc:
            cost = cost_of(setup.price, exc.usage)
            self.budget.settle(reserved, cost)
            self.usage = self.usage + exc.usage
            failed = store.PaidCall(run_id, setup, key, exc.usage, 0, cost, exc.code, None)
            await self._store(failed, None, pending)
            if isinstance(exc, ProviderStopped):
                raise
            return Vote(teacher.name, error={"code": exc.code, "message": exc.message})
        cost = cost_of(setup.price, done.usage)
        self.budget.settle(reserved, cost)
        self.usage = self.usage + done.usage
        answer = store.CachedAnswer(done.content, done.mean_logprob)
        content = (done.content, done.finish_reason, done.mean_logprob)
        paid = store.PaidCall(run_id, setup, key, done.usage, done.latency_ms, cost, "ok", content)
        await self._store(paid, answer, pending)
        return answer

    def _progress(self) -> None:
        if self.on_progress is None:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.on_progress(
            {
                "rows_done": self.rows_done,
                "rows_total": len(self.state.rows),
                "rows_per_s": (self.rows_done - len(self.state.done)) / elapsed,
                "input_tokens": self.state.run.input_tokens + self.usage.input_tokens,
                "output_tokens": self.state.run.output_tokens + self.usage.output_tokens,
                "cost": str(self.budget.spent),
                "currency": self.state.run.currency,
            }
        )


def _clients(settings: Settings, setups: list[store.TeacherSetup], timeout: float) -> list[Teacher]:
    """One client per provider (its pacing is per key), shared by that provider's models."""
    allow = allowlist(settings)
    clients: dict[Any, TeacherClient] = {}
    for setup in setups:
        if setup.config.id not in clients:
            clients[setup.config.id] = TeacherClient(setup.config, allow, timeout=timeout)
    return [Teacher(s, clients[s.config.id]) for s in setups]


async def _close(teachers: list[Teacher]) -> None:
    for client in {id(t.client): t.client for t in teachers}.values():
        await client.aclose()


def request_params(params: dict[str, Any]) -> dict[str, Any]:
    """A run's sampling parameters as sent (and as keyed in the answer cache)."""
    sent = dict(params)
    if not sent.get("logprobs"):
        sent.pop("logprobs", None)
    return sent


async def ask_preview(
    db: Database,
    settings: Settings,
    run: LabelingRun,
    setups: list[store.TeacherSetup],
    prompts: list[list[dict[str, str]]],
    *,
    timeout: float = 60.0,
) -> list[list[Vote]]:
    """Each teacher's answer to each prompt of an unsaved run: paid within its budget,
    recorded as calls and cached under the keys the run will use, so it pays them once."""
    teachers = _clients(settings, setups, timeout)
    labeler = Labeler(
        db=db,
        state=store.RunState(run, [], frozenset(), setups),
        builder=builder_for(run),
        teachers=teachers,
        budget=Budget(limit=run.budget, spent=Decimal(0)),
        on_progress=None,
        params=request_params(run.params),
    )
    answers: list[list[Vote]] = []
    try:
        for messages in prompts:
            results = await labeler.ask_all(messages)
            answers.append([_preview_vote(t, r) for t, r in zip(teachers, results, strict=True)])
    finally:
        await _close(teachers)
    return answers


def _preview_vote(teacher: Teacher, result: Vote | BaseException) -> Vote:
    if isinstance(result, Vote):
        return result
    if isinstance(result, BudgetReached):
        error = {"code": "budget_exhausted", "message": "The budget does not cover this call."}
        return Vote(teacher.name, error=error)
    if isinstance(result, ProviderError):
        return Vote(teacher.name, error={"code": result.code, "message": result.message})
    raise result


async def run_labeling(
    db: Database,
    settings: Settings,
    run_id: uuid.UUID,
    *,
    on_progress: Progress | None = None,
    should_stop: StopCheck | None = None,
    timeout: float = 60.0,
) -> LabelingStatus:
    """Run (or resume) a run to the end, the budget, a provider's refusal or `should_stop`.

    A stop lets the rows in flight finish (their answers are paid for), then ends `cancelled`.
    """
    state = await to_thread.run_sync(store.load_state, db, settings, run_id)
    teachers = _clients(settings, state.teachers, timeout)
    labeler = Labeler(
        db=db,
        state=state,
        builder=builder_for(state.run),
        teachers=teachers,
        budget=Budget(limit=state.run.budget, spent=state.run.cost),
        on_progress=on_progress,
        should_stop=should_stop,
        params=request_params(state.run.params),
    )
    try:
        await labeler.run(Writer(db, run_id, labeler.committed))
    except BaseException:
        labeler.status = LabelingStatus.failed
        labeler.stop = {"code": "interrupted", "message": "The run was interrupted; resume it."}
        raise
    finally:
        await _close(teachers)
        status = labeler.status
        await to_thread.run_sync(store.finish, db, run_id, status, labeler.stop)
    return status
