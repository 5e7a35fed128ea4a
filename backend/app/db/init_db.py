"""Migrate the database to head (idempotent): `python -m app.db.init_db`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.core.config import get_settings

BACKEND_DIR = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BACKEND_DIR / "app" / "db" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest revision."""
    command.upgrade(alembic_config(url), "head")


def schema_is_current(engine: Engine) -> tuple[bool, str | None, str | None]:
    """Whether the database is at head; also the current and head revisions."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current == head, current, head


def main() -> None:
    """Entry point: migrate the configured database."""
    settings = get_settings()
    migrate(settings.sqlalchemy_url)
    print("database is at the newest schema")


if __name__ == "__main__":
    main()
