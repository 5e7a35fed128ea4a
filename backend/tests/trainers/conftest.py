"""Run trainers the way the runner does: `python -m app.trainers <job.json>` in a child."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

BACKEND_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """scikit-learn's breast_cancer (plus a categorical and a boolean column) and diabetes."""
    root = tmp_path_factory.mktemp("tables")
    cancer = load_breast_cancer(as_frame=True).frame
    cancer["site"] = ["北京" if i % 3 else "上海" for i in range(len(cancer))]
    cancer["flag"] = [i % 2 == 0 for i in range(len(cancer))]
    cancer.loc[::17, "mean radius"] = None
    cancer.to_parquet(root / "cancer.parquet")
    load_diabetes(as_frame=True).frame.to_parquet(root / "diabetes.parquet")
    return {"cancer": root / "cancer.parquet", "diabetes": root / "diabetes.parquet"}


class Run:
    """The child's exit status and its protocol lines."""

    def __init__(self, work: Path, completed: subprocess.CompletedProcess[str]) -> None:
        self.work = work
        self.returncode = completed.returncode
        self.stderr = completed.stderr
        self.events = [json.loads(line) for line in completed.stdout.splitlines()]

    def of(self, kind: str) -> list[dict[str, Any]]:
        """Events of one type."""
        return [e for e in self.events if e["type"] == kind]

    @property
    def result(self) -> dict[str, Any]:
        """The result line (fails if there is none)."""
        results = self.of("result")
        assert results, f"no result; events {self.events[-3:]} stderr {self.stderr[-2000:]}"
        return results[0]


@pytest.fixture
def run_trainer(tmp_path: Path) -> Callable[..., Run]:
    """Write a job spec and run the trainer child to completion (bounded)."""

    def run(
        task_type: str,
        trainer: str,
        dataset: Path,
        columns: dict[str, Any],
        params: dict[str, Any] | None = None,
        *,
        work: Path | None = None,
        stop_first: bool = False,
        seed: int = 7,
    ) -> Run:
        work = work or tmp_path / f"{task_type}-{trainer}"
        work.mkdir(parents=True, exist_ok=True)
        if stop_first:
            (work / "STOP").touch()
        spec = {
            "job_id": "test",
            "task_type": task_type,
            "trainer": trainer,
            "work_dir": str(work),
            "output_dir": str(work / "output"),
            "checkpoint_dir": str(work / "checkpoints"),
            "dataset_path": str(dataset),
            "columns": columns,
            "params": params or {},
            "seed": seed,
        }
        (work / "job.json").write_text(json.dumps(spec), encoding="utf-8")
        completed = subprocess.run(
            [sys.executable, "-m", "app.trainers", str(work / "job.json")],
            cwd=BACKEND_DIR,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        return Run(work, completed)

    return run


def frame_rows(path: Path, drop: str, n: int) -> list[dict[str, Any]]:
    """The first n rows without the target, as JSON-like dicts (NaN → None)."""
    frame = pd.read_parquet(path).drop(columns=[drop]).head(n)
    return [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")
    ]
