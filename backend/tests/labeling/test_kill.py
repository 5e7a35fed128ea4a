"""Kill -9 mid-run: the resumed run takes the committed rows and cached answers."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.core.config import Settings
from app.db.models import LabelingStatus, LLMCall
from app.db.session import Database
from app.labeling.loop import run_labeling
from tests.labeling.conftest import REVIEWS, Setup
from tests.labeling.test_counters import _counters, _truth
from tests.labeling.test_loop import _create, _never_paid_twice, _rows
from tests.llm_providers.teacher_server import TeacherServer

BACKEND = Path(__file__).resolve().parents[2]


def _recorded(db: Database) -> int:
    with db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(LLMCall)) or 0


def test_killed_run_resumes_and_pays_nothing_twice(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    run_id = _create(db, settings, setup)
    teacher.hold_after = 7
    env = {
        **os.environ,
        "DATABASE_URL": settings.sqlalchemy_url,
        "SECRET_KEY": settings.secret_key,
        "DATA_STORAGE_PATH": str(settings.data_storage_path),
        "LLM_PROVIDER_ALLOWED_HOSTS": settings.llm_provider_allowed_hosts,
        "LOG_DIR": str(settings.log_dir),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.labeling.child", str(run_id)], cwd=BACKEND, env=env
    )
    try:
        deadline = time.monotonic() + 120
        while (
            (_recorded(db) < 7 or not teacher.held)
            and child.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert _recorded(db) == 7, "the child did not record the answers it was given"
        assert teacher.held > 0
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    while teacher.held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert teacher.held == 0, "the server did not see the killed client's connections close"
    assert len(teacher.paid) == 7 and len(_rows(db, run_id)) < len(REVIEWS)
    teacher.hold_after = None
    assert asyncio.run(run_labeling(db, settings, run_id)) == LabelingStatus.succeeded
    assert len(_rows(db, run_id)) == len(REVIEWS)
    _never_paid_twice(teacher)
    assert _recorded(db) == len(teacher.paid)
    # The killed child's last counts were never written: the resumed run recounted them.
    assert _counters(db, run_id) == _truth(db, run_id)
    assert _counters(db, run_id)[0] == len(REVIEWS)
