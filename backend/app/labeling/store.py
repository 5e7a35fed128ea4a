"""The loop's database work, each piece one short unit of work (run in a worker thread)."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
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
    """Claim the run (status running) and read its rows, finished rows and teachers."""
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        dataset = session.get_one(Dataset, run.dataset_id)
        teachers = teacher_setups(session, settings, run)
        done = frozenset(
            session.scalars(select(LabelingRow.row_index).where(LabelingRow.run_id == run_id))
        )
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


def _add_call(session: Session, call: PaidCall) -> None:
    """Add the call, its tokens and cost to the run, and its answer to the cache."""
    teacher = call.teacher
    session.add(
        LLMCall(
            provider_id=teacher.config.id,
            run_id=call.run_id,
            model=teacher.model,
            cache_key=call.key,
            latency_ms=call.latency_ms,
            cost=call.cost,
            currency=teacher.price.currency,
            outcome=call.outcome,
            **call.usage.as_dict(),
        )
    )
    if call.run_id is not None:
        session.execute(
            update(LabelingRun)
            .where(LabelingRun.id == call.run_id)
            .values(
                input_tokens=LabelingRun.input_tokens + call.usage.input_tokens,
                output_tokens=LabelingRun.output_tokens + call.usage.output_tokens,
                cost=LabelingRun.cost + call.cost,
            )
        )
    if call.answer is not None and session.get(LLMAnswer, call.key) is None:
        content, finish, logprob = call.answer
        session.add(
            LLMAnswer(
                key=call.key,
                provider_id=teacher.config.id,
                model=teacher.model,
                content=content,
                finish_reason=finish,
                mean_logprob=logprob,
                usage=call.usage.as_dict(),
            )
        )


def record_calls(db: Database, calls: list[PaidCall]) -> None:
    """Store paid calls (answers cached) in one commit."""
    with db.session_scope() as session:
        for call in calls:
            _add_call(session, call)


def save_row(
    db: Database, run_id: uuid.UUID, row: LabelingRow, calls: list[PaidCall] | None = None
) -> None:
    """Commit one finished row and count it, once, with the calls that answered it when given.

    An interrupted attempt's last write can land after the resumed attempt read which rows were
    done; the resumed attempt's copy of that row is then dropped instead of failing the run.
    """
    values = {c.key: getattr(row, c.key) for c in LabelingRow.__table__.columns}
    values = {key: value for key, value in values.items() if value is not None}
    with db.session_scope() as session:
        for call in calls or []:
            _add_call(session, call)
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stored = session.execute(
            insert(LabelingRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["run_id", "row_index"])
        )
        if stored.rowcount:  # type: ignore[attr-defined]
            session.execute(
                update(LabelingRun)
                .where(LabelingRun.id == run_id)
                .values(rows_done=LabelingRun.rows_done + 1, updated_at=datetime.now(UTC))
            )


def finish(
    db: Database, run_id: uuid.UUID, status: LabelingStatus, error: dict[str, str] | None
) -> None:
    """Record how the run ended."""
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        run.status = status
        run.error = error
