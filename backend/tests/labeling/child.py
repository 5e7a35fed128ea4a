"""Runs one labeling run in a separate process (killed with SIGKILL by the resume test)."""

import asyncio
import sys
import uuid

from app.core.config import Settings
from app.db.session import Database
from app.labeling.loop import run_labeling


def main() -> None:
    """`python -m tests.labeling.child <run id>`; settings from the environment."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    database = Database(settings.sqlalchemy_url)
    asyncio.run(run_labeling(database, settings, uuid.UUID(sys.argv[1])))


if __name__ == "__main__":
    main()
