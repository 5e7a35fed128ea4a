"""Every ORM model, imported here so Alembic and the app see one metadata."""

from app.db.models.api_key import ApiKey
from app.db.models.audit import AuditLog
from app.db.models.auth import LoginAttempt, RefreshToken
from app.db.models.dataset import Dataset, DatasetStatus
from app.db.models.distillation import Distillation, DistillationStatus
from app.db.models.job import JobEvent, JobStatus, TrainingJob
from app.db.models.labeling import LabelingRow, LabelingRun, LabelingStatus, ReviewStatus
from app.db.models.llm import LLMAnswer, LLMCall, LLMPrice, LLMProvider, ProviderKind
from app.db.models.model_version import ModelVersion
from app.db.models.project import Project, ProjectMember, ProjectRole
from app.db.models.quota import ProjectQuota
from app.db.models.user import User, UserRole

__all__ = [
    "ApiKey",
    "AuditLog",
    "Dataset",
    "DatasetStatus",
    "Distillation",
    "DistillationStatus",
    "JobEvent",
    "JobStatus",
    "LLMAnswer",
    "LLMCall",
    "LLMPrice",
    "LLMProvider",
    "LabelingRow",
    "LabelingRun",
    "LabelingStatus",
    "LoginAttempt",
    "ModelVersion",
    "Project",
    "ProjectMember",
    "ProjectQuota",
    "ProjectRole",
    "ProviderKind",
    "RefreshToken",
    "ReviewStatus",
    "TrainingJob",
    "User",
    "UserRole",
]
