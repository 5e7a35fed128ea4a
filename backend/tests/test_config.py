"""Production refuses unsafe secrets; the schema is never migrated by the API."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import InsecureSettingsError, Settings
from app.main import SchemaBehindError, create_app
from tests.conftest import make_settings

BACKEND = Path(__file__).resolve().parents[1]
# Two keys as `openssl rand -hex 32` makes them.
STRONG = "3f9c2a71d0b84e56a1c7f02e9d4b63a85e17c9f04d2b6a3178e0c5f9a2d4b61e"
OTHER_STRONG = "b74e1d09c3a25f68e2d1907b4c8a3f56d0e9b12c7a45f3e8061d9b2c5a7e4f30"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"secret_key": "your_secret_key_here"}, "SECRET_KEY"),
        ({"jwt_secret_key": "jwt_secret_key_here"}, "JWT_SECRET_KEY"),
        ({"jwt_secret_key": "short-secret"}, "JWT_SECRET_KEY"),
        ({"secret_key": ""}, "SECRET_KEY"),
        ({"redis_url": "redis://:redis_password_123@redis:6379/0"}, "REDIS_URL"),
        ({"secret_key": "a" * 32}, "SECRET_KEY is too predictable"),
        (
            {"jwt_secret_key": "abcdefghijklmnopqrstuvwxyz012345"},
            "JWT_SECRET_KEY is too predictable",
        ),
        (
            {"secret_key": "Password1" * 4, "jwt_secret_key": OTHER_STRONG},
            "production: SECRET_KEY is too predictable",
        ),
        ({"jwt_secret_key": STRONG}, "JWT_SECRET_KEY must differ from SECRET_KEY"),
    ],
)
def test_production_refuses_bad_secrets(
    tmp_path: Path, database_url: str, overrides: dict[str, str], named: str
) -> None:
    values = {
        "environment": "production",
        "secret_key": STRONG,
        "jwt_secret_key": OTHER_STRONG,
        **overrides,
    }
    settings = make_settings(database_url, tmp_path, **values)
    with pytest.raises(InsecureSettingsError, match=named):
        create_app(settings)


def test_production_start_prints_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "your_secret_key_here",
        "JWT_SECRET_KEY": STRONG,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "LOG_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY is a placeholder value" in lines[0]


def test_production_refuses_identical_low_entropy_keys_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "SECRET_KEY": "a" * 32,
        "JWT_SECRET_KEY": "a" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "LOG_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    for named in (
        "production: SECRET_KEY is too predictable",
        "JWT_SECRET_KEY is too predictable",
        "JWT_SECRET_KEY must differ from SECRET_KEY",
    ):
        assert named in lines[0]


def test_strong_production_secrets_accepted(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        environment="production",
        secret_key=STRONG,
        jwt_secret_key=OTHER_STRONG,
    )
    assert create_app(settings).state.settings.environment == "production"


def test_api_refuses_unmigrated_database(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/empty.db", tmp_path)
    with (
        pytest.raises(SchemaBehindError, match=r"python -m app\.db\.init_db"),
        TestClient(create_app(settings)),
    ):
        pass


def test_embedded_default_is_sqlite_under_data() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert settings.sqlalchemy_url.endswith("data/platform.db")
    assert settings.job_backend == "local"
