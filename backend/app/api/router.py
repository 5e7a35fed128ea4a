"""The /api/v1 router: every domain router is included here."""

from fastapi import APIRouter

from app.audit.router import router as audit_router
from app.auth.router import router as auth_router
from app.base_models.router import router as base_models_router
from app.datasets.router import router as datasets_router
from app.datasets.router import upload_router as dataset_upload_router
from app.model_registry.router import router as models_router
from app.projects.router import router as projects_router
from app.training.router import router as jobs_router
from app.users.router import router as users_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth_router)
api_router.include_router(users_router)
api_router.include_router(projects_router)
api_router.include_router(audit_router)
api_router.include_router(dataset_upload_router)
api_router.include_router(datasets_router)
api_router.include_router(jobs_router)
api_router.include_router(models_router)
api_router.include_router(base_models_router)
