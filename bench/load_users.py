"""Locust users of `bench_load.py`: a console user's mix of reads, predictions and small jobs.

Run by `bench_load.py` (`locust -f bench/load_users.py --headless ...`), which passes the
project accounts (with their tokens, projects, models and datasets), one sign-in account per
user, the rows to predict and the most training jobs to submit in the JSON file named by
LOAD_PLAN. Each user has a sign-in account of its own: concurrent sign-ins to one account from
one address are throttled by design, and people sign in to their own accounts. `GET /health` through the same path is
the baseline each endpoint's latency is read against.
"""

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
ACCOUNTS: list[dict[str, Any]] = PLAN["accounts"]
PREDICT_ROWS: list[dict[str, Any]] = PLAN["rows"]
SIGN_INS: list[str] = PLAN["sign_ins"]
_next_user = itertools.count()
_jobs_left = [int(PLAN["max_jobs"])]


class ConsoleUser(HttpUser):
    """One signed-in person of a project (project accounts assigned round-robin)."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        """Take the project account's token (signed in by the setup) and a sign-in account."""
        self.client.verify = False  # the loopback nginx's self-signed certificate
        index = next(_next_user)
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        self.sign_in_as = SIGN_INS[index % len(SIGN_INS)]
        self.client.headers["Authorization"] = f"Bearer {self.account['token']}"

    @task(1)
    def login(self) -> None:
        """POST /api/v1/auth/login (password hashing) as this user's own sign-in account."""
        self.client.post(
            "/api/v1/auth/login",
            data={"username": self.sign_in_as, "password": PLAN["password"]},
            name="POST /api/v1/auth/login",
        )

    @task(3)
    def health(self) -> None:
        """The baseline: liveness, answered by a replica through the same path."""
        self.client.get("/health", name="GET /health")

    @task(3)
    def list_datasets(self) -> None:
        """The datasets page."""
        self.client.get(
            f"/api/v1/datasets?project_id={self.account['project']}",
            name="GET /api/v1/datasets",
        )

    @task(3)
    def list_jobs(self) -> None:
        """The jobs page."""
        self.client.get(
            f"/api/v1/jobs?project_id={self.account['project']}", name="GET /api/v1/jobs"
        )

    @task(3)
    def list_models(self) -> None:
        """The models page."""
        self.client.get(
            f"/api/v1/models?project_id={self.account['project']}", name="GET /api/v1/models"
        )

    @task(2)
    def get_model(self) -> None:
        """One model's page."""
        self.client.get(f"/api/v1/models/{self.account['model']}", name="GET /api/v1/models/{id}")

    @task(2)
    def get_dataset(self) -> None:
        """One dataset's page."""
        self.client.get(
            f"/api/v1/datasets/{self.account['dataset']}", name="GET /api/v1/datasets/{id}"
        )

    @task(5)
    def predict(self) -> None:
        """10 rows through the project's model."""
        self.client.post(
            f"/api/v1/models/{self.account['model']}/predict",
            json={"inputs": random.sample(PREDICT_ROWS, 10)},
            name="POST /api/v1/models/{id}/predict",
        )

    @task(1)
    def train(self) -> None:
        """A small LightGBM job, while this process's budget of jobs lasts."""
        if _jobs_left[0] <= 0:
            return
        _jobs_left[0] -= 1
        body = {
            "project_id": self.account["project"],
            "name": "load",
            "task_type": "tabular_classification",
            "dataset_id": self.account["dataset"],
            "columns": {"target": "target"},
            "params": {"n_estimators": 20},
        }
        self.client.post("/api/v1/jobs", json=body, name="POST /api/v1/jobs")
