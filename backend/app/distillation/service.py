"""Distillation use cases (services never commit; the request's unit of work does)."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.audit.service import record
from app.core.config import Settings
from app.core.errors import Conflict, NotFound, UnprocessableInput
from app.datasets import service as datasets_service
from app.db.models import Dataset, Distillation, LabelingRun, LabelingStatus, User
from app.db.pagination import SortOrder, Window, keyset_paginate
from app.distillation import llm_student
from app.distillation.schemas import STUDENT_TRAINERS, DistillationCreate
from app.engine.context import JobEngine
from app.labeling.output import OUTPUT_COLUMN, write_output
from app.projects.access import scope_to_visible
from app.training import service as training_service
from app.training.schemas import JobCreate

DISTILLATION_ORDER = SortOrder("created_at", Distillation.created_at, Distillation.id)


def _check_run(settings: Settings, run: LabelingRun, student: str) -> None:
    """A succeeded classify run over one text column, priced in the CPU-hour currency."""
    if run.status != LabelingStatus.succeeded:
        raise Conflict(
            f"labeling_run_id: the run is {run.status.value}; only a succeeded run can be "
            "distilled.",
            code="labeling_run_not_succeeded",
        )
    if run.task.get("kind") != "classify":
        raise UnprocessableInput(
            f"labeling_run_id: the run's task is {run.task.get('kind')}; {student} "
            "student needs a classify run.",
            code="labeling_run_not_classify",
        )
    if len(run.text_columns) != 1:
        raise UnprocessableInput(
            "labeling_run_id: the run labeled several text columns "
            f"({', '.join(run.text_columns)}); {student} student reads one.",
            code="labeling_run_text_columns",
        )
    if run.currency != settings.student_cpu_hour_currency:
        raise UnprocessableInput(
            f"labeling_run_id: the run is priced in {run.currency}, the CPU-hour price in "
            f"{settings.student_cpu_hour_currency}; costs could not be compared.",
            code="currency_mismatch",
        )


def _gold(
    session: Session, settings: Settings, project_id: uuid.UUID, data: DistillationCreate
) -> Dataset:
    """The gold set, in the run's project, with both named columns."""
    gold = session.get(Dataset, data.gold_dataset_id)
    if gold is None or gold.project_id != project_id:
        raise NotFound(
            "gold_dataset_id: dataset not found in the labeling run's project.",
            code="dataset_not_found",
        )
    datasets_service.require_ready(gold)
    names = {column["name"] for column in gold.columns}
    for field in ("gold_text_column", "gold_label_column"):
        column = getattr(data, field)
        if column not in names:
            raise UnprocessableInput(
                f"{field}: the gold set has no column '{column}'.",
                code="gold_column_missing",
                details={"field": field, "column": column},
            )
    return gold


def _labeled_dataset(session: Session, engine: JobEngine, run: LabelingRun) -> Dataset:
    """The run's output dataset, written now when the run has none yet."""
    if run.output_dataset_id is None:
        write_output(engine.db, engine.settings, run.id)
        session.refresh(run)
    dataset = session.get(Dataset, run.output_dataset_id)
    if dataset is None:
        raise Conflict("The labeling run's output dataset was deleted.", code="output_deleted")
    return dataset


def _label_column(dataset: Dataset) -> str:
    """The teacher's answer column (prefixed when the labeled data had one of that name)."""
    names = {column["name"] for column in dataset.columns}
    plain = OUTPUT_COLUMN["classify"]
    return f"teacher_{plain}" if f"teacher_{plain}" in names else plain


def create_distillation(
    session: Session,
    engine: JobEngine,
    run: LabelingRun,
    *,
    data: DistillationCreate,
    actor: User,
    ip: str,
) -> Distillation:
    """Check the inputs, submit the student's train job, store the distillation."""
    settings = engine.settings
    student = data.student
    llm = student.task_type == "llm_sft"
    _check_run(settings, run, "an LLM" if llm else "a text classifier")
    gold = _gold(session, settings, run.project_id, data)
    trainer = student.trainer or STUDENT_TRAINERS[student.task_type]
    if llm:
        llm_student.check_params(settings, trainer, student.params)
    labeled = _labeled_dataset(session, engine, run)
    teacher_columns = {"text": run.text_columns[0], "label": _label_column(labeled)}
    taught = (
        llm_student.training_data(session, settings, run, labeled, teacher_columns, actor.id)
        if llm
        else llm_student.StudentData(labeled, teacher_columns)
    )
    try:
        job = training_service.create_job(
            session,
            engine,
            data=JobCreate(
                project_id=run.project_id,
                name=f"{data.name} · student"[:200],
                task_type=student.task_type,
                trainer=trainer,
                dataset_id=taught.dataset.id,
                columns=taught.columns,
                params=student.params,
                seed=student.seed,
            ),
            actor=actor,
            ip=ip,
        )
    except BaseException:
        if taught.dataset is not labeled:
            llm_student.discard_files(settings, taught.dataset)
        raise
    distillation = Distillation(
        project_id=run.project_id,
        name=data.name,
        labeling_run_id=run.id,
        training_dataset_id=labeled.id,
        gold_dataset_id=gold.id,
        gold_text_column=data.gold_text_column,
        gold_label_column=data.gold_label_column,
        student={
            **student.model_dump(mode="json"),
            "trainer": job.trainer,
            "params": job.params,
            **taught.stored,
        },
        train_job_id=job.id,
        created_by_id=actor.id,
    )
    session.add(distillation)
    session.flush()
    record(
        session,
        action="distillation.create",
        actor=actor,
        object_type="distillation",
        object_id=distillation.id,
        project_id=run.project_id,
        ip=ip,
        details={"name": data.name, "labeling_run": str(run.id), "train_job": str(job.id)},
    )
    return distillation


def list_distillations(
    session: Session,
    *,
    user: User,
    project_id: uuid.UUID | None,
    limit: int,
    offset: int,
    cursor: str | None,
) -> Window:
    """Distillations visible to the caller, newest first."""
    everything = select(Distillation).options(defer(Distillation.report))
    query = scope_to_visible(session, user, everything, Distillation.project_id, project_id)
    return keyset_paginate(
        session, query, order=DISTILLATION_ORDER, limit=limit, offset=offset, cursor=cursor
    )
