"""Labeling runs: validate, preview the prompts, estimate tokens and cost, refuse over budget."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import jsonschema
import pandas as pd
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.datasets.service import load_frame, require_ready
from app.db.models import Dataset, LabelingRun, LLMPrice, LLMProvider, User
from app.labeling.prompts import PromptBuilder, message_tokens, message_tokens_bound
from app.labeling.schemas import (
    Estimate,
    LabelingRunCreate,
    PromptPreview,
    TaskSpec,
    TeacherEstimate,
    TeacherRef,
)
from app.labeling.tasks import TASK_KINDS
from app.llm_providers.pricing import MILLION, price_in_force
from app.projects import quotas

PREVIEW_ROWS = 5
_TASK = TypeAdapter[Any](TaskSpec)


class OverBudget(UnprocessableInput):
    """The estimate exceeds the budget."""

    code = "over_budget"


def builder_for(run: LabelingRun) -> PromptBuilder:
    """The prompt builder of a stored run."""
    return PromptBuilder(_TASK.validate_python(run.task), run.template, run.text_columns)


def teacher_price(
    session: Session, teacher: TeacherRef | dict[str, Any], currency: str
) -> tuple[LLMProvider, LLMPrice]:
    """The teacher's provider and the price in force today, in the run's currency."""
    ref = TeacherRef.model_validate(teacher)
    provider = session.get(LLMProvider, ref.provider_id)
    if provider is None:
        raise UnprocessableInput(
            f"Teacher provider {ref.provider_id} does not exist.",
            code="teacher_not_found",
            details={"field": "teachers", "provider_id": str(ref.provider_id)},
        )
    if ref.model not in provider.models:
        raise UnprocessableInput(
            f"{provider.name} does not offer model {ref.model!r}.",
            code="teacher_model_unknown",
            details={"field": "teachers", "model": ref.model},
        )
    price = price_in_force(provider.prices, ref.model, datetime.now(UTC).date())
    if price is None or price.currency != currency:
        found = f"its price is in {price.currency}" if price else "it has no price in force"
        raise UnprocessableInput(
            f"Cannot cost {provider.name}/{ref.model} in {currency}: {found}.",
            code="teacher_price_missing",
            details={"field": "teachers", "model": ref.model},
        )
    return provider, price


def _check_columns(dataset: Dataset, frame_columns: list[str], wanted: list[str]) -> None:
    missing = [c for c in wanted if c not in frame_columns]
    if missing:
        raise UnprocessableInput(
            f"Dataset {dataset.name!r} has no column(s) {', '.join(missing)}.",
            code="unknown_columns",
            details={"field": "text_columns", "columns": missing},
        )


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts, missing values as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def preview_and_estimate(
    session: Session, settings: Settings, dataset: Dataset, data: LabelingRunCreate
) -> tuple[list[PromptPreview], Estimate]:
    """The first rendered prompts and the tokens and cost of the whole run."""
    require_ready(dataset)
    if data.task.kind == "extract":
        try:
            jsonschema.validators.validator_for(data.task.json_schema).check_schema(
                data.task.json_schema
            )
        except jsonschema.SchemaError as exc:
            raise UnprocessableInput(
                f"task.json_schema is not a valid JSON schema: {exc.message}",
                code="invalid_json_schema",
                details={"field": "task.json_schema"},
            ) from exc
    frame = load_frame(settings, dataset)
    _check_columns(dataset, list(frame.columns), data.text_columns)
    builder = PromptBuilder(data.task, data.template, data.text_columns)
    rows = frame_rows(frame)
    prompts = [builder.messages(i, row) for i, row in enumerate(rows)]
    kind = TASK_KINDS[data.task.kind]
    input_tokens = sum(message_tokens(m) for m in prompts)
    output_tokens = kind.output_tokens(data.task, data.params.max_tokens) * len(rows)
    teachers = []
    for teacher in data.teachers:
        _, price = teacher_price(session, teacher, data.currency)
        cost = _upper_cost(price, input_tokens, output_tokens)
        teachers.append(
            TeacherEstimate(
                provider_id=teacher.provider_id,
                model=teacher.model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost=cost,
            )
        )
    estimate = Estimate(
        rows=len(rows),
        input_tokens=input_tokens * len(teachers),
        output_tokens=output_tokens * len(teachers),
        cost=sum((t.cost for t in teachers), Decimal(0)),
        currency=data.currency,
        teachers=teachers,
    )
    previews = [
        PromptPreview(row_index=i, messages=m) for i, m in enumerate(prompts[:PREVIEW_ROWS])
    ]
    return previews, estimate


def _upper_cost(price: LLMPrice, input_tokens: int, output_tokens: int) -> Decimal:
    """Cost of the tokens at full input price (no cache discount)."""
    return (input_tokens * price.input_per_m + output_tokens * price.output_per_m) / MILLION


def ask_cost(session: Session, data: LabelingRunCreate, previews: list[PromptPreview]) -> Decimal:
    """What asking every teacher the previewed prompts costs at most, one attempt each: the
    bound the budget reserves per call (cached answers are free)."""
    input_tokens = sum(message_tokens_bound(p.messages) for p in previews)
    output_tokens = data.params.max_tokens * len(previews)
    return sum(
        (
            _upper_cost(teacher_price(session, t, data.currency)[1], input_tokens, output_tokens)
            for t in data.teachers
        ),
        Decimal(0),
    )


def create_run(
    session: Session,
    settings: Settings,
    dataset: Dataset,
    *,
    data: LabelingRunCreate,
    actor: User | None,
) -> LabelingRun:
    """Store a pending run after the estimate; refuse one whose estimate exceeds the budget."""
    _, estimate = preview_and_estimate(session, settings, dataset, data)
    if estimate.cost > data.budget:
        raise OverBudget(
            f"Estimated cost {estimate.cost:.4f} {data.currency} exceeds the budget "
            f"{data.budget} {data.currency}.",
            details={"estimate": estimate.model_dump(mode="json")},
        )
    quotas.check_teacher_spend(session, settings, dataset.project_id, estimate.cost)
    run = new_run(dataset, data, estimate, actor)
    session.add(run)
    session.flush()
    return run


def new_run(
    dataset: Dataset, data: LabelingRunCreate, estimate: Estimate, actor: User | None
) -> LabelingRun:
    """The run a request describes (not added to any session)."""
    return LabelingRun(
        project_id=dataset.project_id,
        dataset_id=dataset.id,
        name=data.name,
        text_columns=data.text_columns,
        task=data.task.model_dump(mode="json"),
        template=data.template or TASK_KINDS[data.task.kind].template,
        teachers=[t.model_dump(mode="json") for t in data.teachers],
        params=data.params.model_dump(mode="json"),
        budget=data.budget,
        currency=data.currency,
        estimate=estimate.model_dump(mode="json"),
        rows_total=estimate.rows,
        created_by_id=actor.id if actor else None,
        input_tokens=0,
        output_tokens=0,
        cost=Decimal(0),
    )
