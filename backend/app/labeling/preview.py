"""Preview with the teachers' answers: the first prompts asked for real, before the run exists."""

import asyncio

from sqlalchemy.orm import Session

from app.core.config import Settings
from app.db.models import Dataset, User
from app.db.session import Database
from app.labeling import service, store
from app.labeling.loop import ask_preview
from app.labeling.schemas import LabelingPreview, LabelingRunCreate, PreviewAnswer
from app.labeling.vote import decide


def preview_with_answers(
    session: Session,
    db: Database,
    settings: Settings,
    dataset: Dataset,
    data: LabelingRunCreate,
    actor: User,
) -> LabelingPreview:
    """The preview plus each teacher's parsed answer to its prompts (paid within the budget,
    recorded and cached, so the run that follows takes them from the cache)."""
    prompts, estimate = service.preview_and_estimate(session, settings, dataset, data)
    run = service.new_run(dataset, data, estimate, actor)
    setups = store.teacher_setups(session, settings, run)
    answers = asyncio.run(ask_preview(db, settings, run, setups, [p.messages for p in prompts]))
    majority = service.builder_for(run).kind.votes
    items = []
    for prompt, votes in zip(prompts, answers, strict=True):
        verdict = decide(votes, majority=majority)
        items.append(
            PreviewAnswer(
                row_index=prompt.row_index,
                output=verdict.output,
                votes=[v.as_dict() for v in votes],
                agreement=verdict.agreement,
                confidence=verdict.confidence,
                error=verdict.error,
            )
        )
    return LabelingPreview(
        prompts=prompts,
        estimate=estimate,
        ask_cost=service.ask_cost(session, data, prompts),
        answers=items,
    )
