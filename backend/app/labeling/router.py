"""Labeling runs: preview and estimate, create (pending until a job runs it), read."""

from fastapi import APIRouter, status

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.labeling import service
from app.labeling.dependencies import CurrentRun, TargetDataset
from app.labeling.schemas import LabelingPreview, LabelingRunCreate, LabelingRunRead

router = APIRouter(prefix="/labeling-runs", tags=["labeling"])


@router.post("/preview", operation_id="preview_labeling_run")
def preview_run(
    data: LabelingRunCreate, dataset: TargetDataset, session: SessionDep, settings: SettingsDep
) -> LabelingPreview:
    """The first 5 rendered prompts and the token and cost estimate; nothing is stored."""
    prompts, estimate = service.preview_and_estimate(session, settings, dataset, data)
    return LabelingPreview(prompts=prompts, estimate=estimate)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_labeling_run")
def create_run(
    data: LabelingRunCreate,
    dataset: TargetDataset,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> LabelingRunRead:
    """Store a pending run; 422 `over_budget` when the estimate exceeds the budget."""
    run = service.create_run(session, settings, dataset, data=data, actor=user)
    return LabelingRunRead.model_validate(run)


@router.get("/{run_id}", operation_id="get_labeling_run")
def get_run(run: CurrentRun) -> LabelingRunRead:
    """One run with its progress, tokens and cost."""
    return LabelingRunRead.model_validate(run)
