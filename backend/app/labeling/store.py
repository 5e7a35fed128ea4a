"""The loop's database work, each piece one short unit of work (run in a worker thread)."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.service import load_frame
from app.db.models import (
    Dataset,
    LabelingRow,
    LabelingRun,
    LabelingStatus,
    LLMAnswer,
    LLMCall,
    LLMPrice,
)
from app.db.session import Database
from app.labeling.service import frame_rows, teacher_price
from app.llm_providers.adapters import Usage
from app.llm_providers.client import ProviderConfig
from app.llm_providers.service import provider_config

# Written with Core statements: the loop's rows and calls need no ORM unit of work.
CALLS = cast(Table, LLMCall.__table__)
ANSWERS = cast(Table, LLMAnswer.__table__)
ROWS = cast(Table, LabelingRow.__table__)


@dataclass(frozen=True)
class TeacherSetup:
    """A teacher as the loop uses it: provider settings (with key), model, price."""

    config: ProviderConfig
    model: str
    price: LLMPrice


@dataclass(frozen=True)
class RunState:
    """What the loop needs to start or resume a run."""

    run: LabelingRun
    rows: list[dict[str, Any]]
    done: frozenset[int]
    teachers: list[TeacherSetup]


@dataclass(frozen=True)
class CachedAnswer:
    """A stored answer."""

    content: str
    mean_logprob: float | None


def cache_key(
    provider_id: uuid.UUID, model: str, messages: list[dict[str, str]], params: dict[str, Any]
) -> str:
    """SHA-256 of (provider, model, prompt, params): the same question is never paid twice."""
    payload = {"provider": str(provider_id), "model": model, "messages": messages, "params": params}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def teacher_setups(session: Session, settings: Settings, run: LabelingRun) -> list[TeacherSetup]:
    """The run's teachers with their provider settings (key decrypted) and prices in force."""
    setups = []
    for ref in run.teachers:
        provider, price = teacher_price(session, ref, run.currency)
        setups.append(TeacherSetup(provider_config(settings, provider), ref["model"], price))
    return setups


def load_state(db: Database, settings: Settings, run_id: uuid.UUID) -> RunState:
    """Claim the run (running, counters recounted); read its rows, done rows and teachers."""
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        dataset = session.get_one(Dataset, run.dataset_id)
        teachers = teacher_setups(session, settings, run)
        done = frozenset(
            session.scalars(select(LabelingRow.row_index).where(LabelingRow.run_id == run_id))
        )
        recount(session, run)
        run.status = LabelingStatus.running
        run.error = None
        rows = frame_rows(load_frame(settings, dataset))
        session.flush()
        session.expunge_all()
    return RunState(run, rows, done, teachers)


def cached_answer(db: Database, key: str) -> CachedAnswer | None:
    """The stored answer for a key, if any."""
    with db.session_scope() as session:
        row = session.get(LLMAnswer, key)
        return CachedAnswer(row.content, row.mean_logprob) if row else None


def cached_answers(db: Database, keys: set[str]) -> dict[str, CachedAnswer]:
    """The stored answers among these keys."""
    with db.session_scope() as session:
        rows = session.execute(
            select(LLMAnswer.key, LLMAnswer.content, LLMAnswer.mean_logprob).where(
                LLMAnswer.key.in_(keys)
            )
        )
        return {key: CachedAnswer(content, logprob) for key, content, logprob in rows}


@dataclass(frozen=True)
class PaidCall:
    """One paid call to store: its usage and cost, and the answer to cache (None on error)."""

    run_id: uuid.UUID | None
    teacher: TeacherSetup
    key: str
    usage: Usage
    latency_ms: int
    cost: Decimal
    outcome: str
    answer: tuple[str, str | None, float | None] | None


@dataclass(frozen=True)
class Counts:
    """What stored rows and calls add to a run's counters."""

    rows: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(
            self.rows + other.rows,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost + other.cost,
        )

    @classmethod
    def of_calls(cls, calls: list[PaidCall]) -> "Counts":
        """The tokens and cost of paid calls."""
        return cls(
            0,
            sum(c.usage.input_tokens for c in calls),
            sum(c.usage.output_tokens for c in calls),
            sum((c.cost for c in calls), Decimal(0)),
        )


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _add_calls(session: Session, calls: list[PaidCall]) -> None:
    """Add the calls, and their answers to the cache (an answer cached already is kept)."""
    if not calls:
        return
    session.execute(
        insert(CALLS),
        [
            {
                "provider_id": call.teacher.config.id,
                "run_id": call.run_id,
                "model": call.teacher.model,
                "cache_key": call.key,
                "latency_ms": call.latency_ms,
                "cost": call.cost,
                "currency": call.teacher.price.currency,
                "outcome": call.outcome,
                **call.usage.as_dict(),
            }
            for call in calls
        ],
    )
    answers = [
        {
            "key": call.key,
            "provider_id": call.teacher.config.id,
            "model": call.teacher.model,
            "content": call.answer[0],
            "finish_reason": call.answer[1],
            "mean_logprob": call.answer[2],
            "usage": call.usage.as_dict(),
        }
        for call in sorted(calls, key=lambda paid: paid.key)
        if call.answer is not None
    ]
    if answers:
        upsert = _insert(session)(ANSWERS)
        session.execute(upsert.on_conflict_do_nothing(index_elements=["key"]), answers)


def record_calls(db: Database, calls: list[PaidCall]) -> None:
    """Store paid calls (answers cached) in one commit."""
    with db.session_scope() as session:
        _add_calls(session, calls)


def save_batch(
    db: Database,
    run_id: uuid.UUID,
    calls: list[PaidCall],
    rows: list[dict[str, Any]],
    carried: Counts,
    *,
    count: bool,
) -> tuple[int, Counts]:
    """Commit paid calls and finished rows (column values) in one transaction; the rows stored
    and the counts.

    The counts are `carried` plus what this batch stored; with `count` they are added to the
    run's counters in the same transaction. A row stored already is dropped instead of failing
    the batch: an interrupted attempt's last write can land after the resumed attempt read which
    rows were done.
    """
    with db.session_scope() as session:
        _add_calls(session, calls)
        # Without preserve_rowcount an INSERT's rowcount is -1 on PostgreSQL, so a row dropped
        # as stored already would be counted.
        upsert = (
            _insert(session)(ROWS)
            .on_conflict_do_nothing(index_elements=["run_id", "row_index"])
            .execution_options(preserve_rowcount=True)
        )
        stored = 0
        # Keys are taken in one order (answers by key above, rows by index): two writers on one
        # run (a replaced attempt still finishing) then wait on each other instead of deadlocking.
        for row in sorted(rows, key=lambda row: row["row_index"]):
            # A missing value takes the column's default (SQL NULL, not JSON null).
            values = {key: value for key, value in row.items() if value is not None}
            stored += session.execute(upsert, values).rowcount  # type: ignore[attr-defined]
        counts = carried + Counts.of_calls(calls) + Counts(rows=stored)
        if count and counts != Counts():
            session.execute(
                update(LabelingRun)
                .where(LabelingRun.id == run_id)
                .values(
                    rows_done=LabelingRun.rows_done + counts.rows,
                    input_tokens=LabelingRun.input_tokens + counts.input_tokens,
                    output_tokens=LabelingRun.output_tokens + counts.output_tokens,
                    cost=LabelingRun.cost + counts.cost,
                    updated_at=datetime.now(UTC),
                )
            )
    return stored, counts


def recount(session: Session, run: LabelingRun) -> None:
    """Set the run's counters to what its stored rows and recorded calls say."""
    rows = select(func.count()).select_from(LabelingRow).where(LabelingRow.run_id == run.id)
    rows_done = session.scalar(rows) or 0
    tokens_in, tokens_out, cost = session.execute(
        select(
            func.coalesce(func.sum(LLMCall.input_tokens), 0),
            func.coalesce(func.sum(LLMCall.output_tokens), 0),
            func.coalesce(func.sum(LLMCall.cost), 0),
        ).where(LLMCall.run_id == run.id)
    ).one()
    run.rows_done, run.input_tokens, run.output_tokens = rows_done, int(tokens_in), int(tokens_out)
    run.cost = Decimal(cost)


def finish(
    db: Database, run_id: uuid.UUID, status: LabelingStatus, error: dict[str, str] | None
) -> None:
    """Record how the run ended, with its counters recounted from its rows and calls."""
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        recount(session, run)  # before the status, so one UPDATE writes both
        run.status = status
        run.error = error
