"""Settings read from the environment (and `.env`), with safe embedded-mode defaults."""

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.strength import estimated_guesses_log10

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA_DIR = REPO_ROOT / "data"

# Placeholders shipped in the seed's .env; never acceptable in production.
PLACEHOLDER_SECRETS = frozenset(
    {"your_secret_key_here", "jwt_secret_key_here", "secure_password_123", "redis_password_123"}
)
DEV_SECRET = "dev-only-insecure-secret-change-me-in-production"  # noqa: S105 (refused in production)
MIN_SECRET_LENGTH = 32
# A key must take at least 10^30 guesses by zxcvbn's estimate (~100 bits; `openssl rand -hex 32`
# gives ~10^62): long but patterned keys such as "a" * 32 are refused.
MIN_SECRET_GUESSES_LOG10 = 30


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
    # Address-space limit of a conversion child process. XLSX files (whose size after
    # decompression is unknown) are always converted in such a child, even small ones.
    dataset_conversion_memory_mb: int = Field(8192, ge=256)
    data_storage_path: Path = DEFAULT_DATA_DIR / "datasets"
    model_storage_path: Path = DEFAULT_DATA_DIR / "models"
    log_dir: Path = DEFAULT_DATA_DIR / "logs"
    log_level: str = "INFO"
    metrics_enabled: bool = True
    job_backend: Literal["local", "celery"] = "local"
    login_max_failures: int = Field(5, ge=1)
    login_failure_window_minutes: int = Field(15, ge=1)
    # Across all addresses: past this many failures in the window, each further attempt on the
    # account waits LOGIN_BACKOFF_BASE_SECONDS, doubling per failure (capped at the window).
    login_account_max_failures: int = Field(20, ge=1)
    login_backoff_base_seconds: float = Field(1.0, gt=0)
    # At startup each API process loads (in the background) up to this many models that an
    # alias points to, most recently updated first, so their first prediction pays no load;
    # 0 turns it off.
    model_warmup_max: int = Field(8, ge=0)
    cors_origins: list[str] = []
    serve_frontend: bool = True
    frontend_dist: Path = REPO_ROOT / "frontend" / "dist"
    # OpenAI-compatible serving (/v1): the serving worker process of each API process keeps
    # this many LLMs loaded (least recently used evicted), runs this many generations at once
    # and lets this many more wait; past that a request answers 429 with Retry-After.
    serving_max_loaded_models: int = Field(2, ge=1)
    serving_max_concurrent: int = Field(2, ge=1)
    serving_max_queued: int = Field(8, ge=0)
    # PyTorch threads of the serving worker; 0 = every core but one, which is left to the
    # API process relaying tokens (spinning OpenMP threads otherwise fight it for that core).
    serving_torch_threads: int = Field(0, ge=0)
    # When set (e.g. http://10.0.0.5:8000/v1), generation is forwarded to this vLLM server
    # (GPU hosts) instead of the local serving worker; keys and counts stay on the platform.
    serving_vllm_base_url: str = ""
    serving_vllm_api_key: str = ""
    # Default quotas of a project an admin has not given its own (unset = unlimited): jobs
    # running at once (the rest wait), jobs queued (more → 429), GPU jobs running at once,
    # bytes of datasets and model versions (uploads past it → 413), teacher spend per
    # calendar month (labeling runs whose estimate exceeds what is left are refused).
    quota_running_jobs: int | None = Field(None, ge=0)
    quota_queued_jobs: int | None = Field(None, ge=0)
    quota_gpu_jobs: int | None = Field(None, ge=0)
    quota_storage_bytes: int | None = Field(None, ge=0)
    quota_monthly_teacher_spend: Decimal | None = Field(None, ge=0)
    qwen_api_key: str = ""
    deepseek_api_key: str = ""
    doubao_api_key: str = ""
    # Hosts or CIDRs (comma-separated) a teacher provider may reach although they resolve to
    # private, loopback or link-local addresses; plain http is allowed for them too.
    llm_provider_allowed_hosts: str = ""
    # What one CPU-hour of this platform costs, in STUDENT_CPU_HOUR_CURRENCY: distillation
    # reports price a student's predictions and its training time with it.
    student_cpu_hour_price: Decimal = Field(Decimal("0.30"), ge=0)
    student_cpu_hour_currency: str = Field("CNY", min_length=3, max_length=3)

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


def _key_problem(name: str, value: str) -> str | None:
    """Why one signing key is unfit for production, if it is."""
    if not value:
        return f"{name} is missing"
    if value in PLACEHOLDER_SECRETS or value == DEV_SECRET:
        return f"{name} is a placeholder value"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    if estimated_guesses_log10(value) < MIN_SECRET_GUESSES_LOG10:
        return f"{name} is too predictable (repeated or patterned; use `openssl rand -hex 32`)"
    return None


def secret_problems(settings: Settings) -> list[str]:
    """Names and reasons of secrets that are unfit for production."""
    problems = [
        problem
        for name in ("SECRET_KEY", "JWT_SECRET_KEY")
        if (problem := _key_problem(name, getattr(settings, name.lower()))) is not None
    ]
    if settings.secret_key and settings.secret_key == settings.jwt_secret_key:
        problems.append("JWT_SECRET_KEY must differ from SECRET_KEY")
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
