"""Test fixtures: a real database (SQLite or PostgreSQL per TEST_DATABASE), the app, users."""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.db.base import Base
from app.db.init_db import migrate
from app.db.models import User, UserRole
from app.db.session import Database
from app.main import create_app
from app.users.schemas import UserCreate
from app.users.service import create_user

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "Correct-Horse-9"


def pytest_report_header() -> str:
    """Say which database backend this pass uses."""
    return f"database backend: {TEST_DATABASE}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgres` tests run only in the PostgreSQL pass, which runs only tests using a database."""
    if TEST_DATABASE == "postgresql":
        once = pytest.mark.skip(reason="uses no database; ran in the SQLite pass")
        for item in items:
            uses_db = "database_url" in getattr(item, "fixturenames", ())
            if not uses_db and "postgres" not in item.keywords:
                item.add_marker(once)
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only test; runs in the PostgreSQL pass")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database for this test session; dropped afterwards."""
    if TEST_DATABASE == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
        migrate(url)
        yield url
        return
    name = f"tp_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    migrate(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def storage_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Root folder for datasets, models and logs of this test session."""
    return tmp_path_factory.mktemp("storage")


def make_settings(database_url: str, storage_root: Path, **overrides: object) -> Settings:
    """Settings for tests: the test database and temporary storage."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "jwt_secret_key": TEST_SECRET,
        "data_storage_path": storage_root / "datasets",
        "model_storage_path": storage_root / "models",
        "log_dir": storage_root / "logs",
        "serve_frontend": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(database_url: str, storage_root: Path) -> Settings:
    """The test session's settings."""
    return make_settings(database_url, storage_root)


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    """The application under test."""
    return create_app(settings)


@pytest.fixture(scope="session")
def db(app: FastAPI) -> Database:
    """The app's database handle."""
    database: Database = app.state.db
    return database


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client running the app's lifespan."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table, and remove the dataset files, after each test that used the database."""
    uses_db = "database_url" in request.fixturenames
    database: Database | None = request.getfixturevalue("db") if uses_db else None
    yield
    if database is None:
        return
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    shutil.rmtree(request.getfixturevalue("settings").data_storage_path, ignore_errors=True)


@pytest.fixture
def make_user(db: Database) -> Callable[..., User]:
    """Create a user (with a personal project) directly through the service."""

    def factory(username: str, role: UserRole = UserRole.member, password: str = PASSWORD) -> User:
        with db.session_scope() as session:
            data = UserCreate(
                username=username, password=password, role=role, email=f"{username}@example.com"
            )
            return create_user(session, data=data, actor=None, ip=None)

    return factory


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Sign in and return the Authorization header."""
    response = client.post("/api/v1/auth/login", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def admin_headers(client: TestClient, make_user: Callable[..., User]) -> dict[str, str]:
    """Auth header of a fresh admin."""
    make_user("root_admin", UserRole.admin)
    return login(client, "root_admin")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis for tests that need one (skipped, with the reason, otherwise)."""
    try:
        redis_lib.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}: {exc}")
    return TEST_REDIS_URL
