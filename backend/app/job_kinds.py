"""Every job kind of the platform, wired where a process builds its job engine.

Each kind's handler lives in its domain; add a kind here once its handler exists.
"""

from app.core.config import Settings
from app.datasets.conversion_job import ConvertDatasetHandler
from app.distillation.eval_job import DistillEvalHandler
from app.engine.kinds import JobKinds
from app.labeling.label_job import LabelHandler
from app.model_registry.merge_job import MergeHandler
from app.training.train_job import TrainHandler


def job_kinds(settings: Settings) -> JobKinds:
    """A fresh registry of the platform's kinds (tests may register more on it)."""
    return JobKinds(
        [
            TrainHandler(settings),
            ConvertDatasetHandler(settings),
            DistillEvalHandler(settings),
            LabelHandler(settings),
            MergeHandler(settings),
        ]
    )
