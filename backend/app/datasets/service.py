"""Dataset lifecycle: read, list, update, delete (uploads: `app.datasets.upload`)."""

import uuid
from collections.abc import Callable

import pandas as pd
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.datasets.storage import canonical_path
from app.db.models import Dataset

# Other domains register here what keeps a dataset from being deleted. Each check gets the
# session and the dataset id and returns a human reason ("used by queued job …") or None.
# The jobs domain appends its check at import time; DELETE answers 409 with the reasons.
DATASET_IN_USE_CHECKS: list[Callable[[Session, uuid.UUID], str | None]] = []


def load_frame(settings: Settings, dataset: Dataset) -> pd.DataFrame:
    """The dataset's rows, read from its canonical Parquet file."""
    return pd.read_parquet(canonical_path(settings, dataset.project_id, dataset.id))


def in_use_reasons(session: Session, dataset_id: uuid.UUID) -> list[str]:
    """Why the dataset cannot be deleted now (empty when it can)."""
    reasons = (check(session, dataset_id) for check in DATASET_IN_USE_CHECKS)
    return [reason for reason in reasons if reason]
