"""Settings read from the environment (and `.env`), with safe embedded-mode defaults."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIR = REPO_ROOT / "data"

# Placeholders shipped in the seed's .env; never acceptable in production.
PLACEHOLDER_SECRETS = frozenset(
    {"your_secret_key_here", "jwt_secret_key_here", "secure_password_123", "redis_password_123"}
)
DEV_SECRET = "dev-only-insecure-secret-change-me-in-production"  # noqa: S105 (refused in production)
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every setting of the platform; names match the seed's `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = DEV_SECRET
    jwt_secret_key: str = DEV_SECRET
    access_token_minutes: int = Field(15, ge=1)
    refresh_token_days: int = Field(7, ge=1)
    upload_max_size: int = Field(100 * 1024 * 1024, ge=1)
    # Uploads up to this size are converted inside the request (bad input answers 4xx);
    # larger ones are stored at once and converted in the background (status `processing`).
    dataset_inline_max_bytes: int = Field(8 * 1024 * 1024, ge=0)
    # Address-space limit of a conversion child process. XLSX and Parquet files (whose size
    # after decompression is unknown) are always converted in such a child, even small ones.
    dataset_conversion_memory_mb: int = Field(8192, ge=256)
    data_storage_path: Path = DEFAULT_DATA_DIR / "datasets"
    model_storage_path: Path = DEFAULT_DATA_DIR / "models"
    log_dir: Path = DEFAULT_DATA_DIR / "logs"
    log_level: str = "INFO"
    metrics_enabled: bool = True
    job_backend: Literal["local", "celery"] = "local"
    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    cors_origins: list[str] = []
    serve_frontend: bool = True
    frontend_dist: Path = REPO_ROOT / "frontend" / "dist"
    qwen_api_key: str = ""
    deepseek_api_key: str = ""
    doubao_api_key: str = ""
    # Hosts or CIDRs (comma-separated) a teacher provider may reach although they resolve to
    # private, loopback or link-local addresses; plain http is allowed for them too.
    llm_provider_allowed_hosts: str = ""

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL; embedded mode uses a SQLite file under `data/`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{DEFAULT_DATA_DIR / 'platform.db'}"

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (embedded mode or tests)."""
        return self.sqlalchemy_url.startswith("sqlite")


def secret_problems(settings: Settings) -> list[str]:
    """Names and reasons of secrets that are unfit for production."""
    problems = []
    for name in ("secret_key", "jwt_secret_key"):
        value = getattr(settings, name)
        if not value:
            problems.append(f"{name.upper()} is missing")
        elif value in PLACEHOLDER_SECRETS or value == DEV_SECRET:
            problems.append(f"{name.upper()} is a placeholder value")
        elif len(value) < MIN_SECRET_LENGTH:
            problems.append(f"{name.upper()} is shorter than {MIN_SECRET_LENGTH} characters")
    for name, value in (("database_url", settings.database_url), ("redis_url", settings.redis_url)):
        if any(p in value for p in PLACEHOLDER_SECRETS):
            problems.append(f"{name.upper()} contains a placeholder password")
    return problems


class InsecureSettingsError(RuntimeError):
    """Raised when production starts with unsafe secrets."""


def check_production_secrets(settings: Settings) -> None:
    """Refuse to run in production with missing, short or placeholder secrets."""
    if settings.environment != "production":
        return
    problems = secret_problems(settings)
    if problems:
        raise InsecureSettingsError("refusing to start in production: " + "; ".join(problems))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
