"""Labeling runs as `label` jobs on the embedded engine: output, progress, stop, kill, resume,
and their own queue (an upload converts while a run waits on its teachers)."""

import os
import signal
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.config import Settings
from app.db.models import LLMCall, User
from app.db.session import Database
from app.engine.config import JobSettings
from app.engine.runner import job_dir
from app.trainers.base import STOP_FILE_NAME
from tests.conftest import login
from tests.datasets.conftest import upload
from tests.jobs.test_end_to_end import follow
from tests.labeling.conftest import REVIEWS, Setup
from tests.labeling.test_api import URL, _body
from tests.labeling.test_loop import _expected, _never_paid_twice
from tests.llm_providers.teacher_server import TeacherServer

API_KEY = "sk-labeling-0123456789abcdef"  # the providers' key (tests/labeling/conftest.py)
FINISHED = ("succeeded", "failed", "cancelled", "stopped_budget")


@pytest.fixture
def fast_jobs(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> JobSettings:
    """Quick heartbeats and a short cancel grace for the app's engine (set before it starts)."""
    job_settings = JobSettings(
        heartbeat_seconds=0.3,
        stale_after_seconds=10,
        reaper_interval_seconds=0.5,
        cancel_grace_seconds=20,
        max_attempts=3,
    )
    monkeypatch.setattr(app.state, "job_settings", job_settings, raising=False)
    return job_settings


@pytest.fixture
def jobs(fast_jobs: JobSettings, setup: Setup) -> Iterator[Setup]:
    """The labeling setup on an app whose engine runs with the fast settings."""
    yield setup


def _two_teachers(setup: Setup, **fields: Any) -> dict[str, Any]:
    teachers = [
        {"provider_id": str(setup.qwen_id), "model": "qwen-plus"},
        {"provider_id": str(setup.deepseek_id), "model": "deepseek-chat"},
    ]
    return _body(setup, teachers=teachers, **fields)


def _wait(
    client: TestClient,
    headers: dict[str, str],
    run_id: str,
    until: Callable[[dict[str, Any]], bool],
    timeout: float = 120,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run = client.get(f"{URL}/{run_id}", headers=headers).json()
        if until(run):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run did not get there in {timeout} s: {run}")


def _recorded(db: Database) -> int:
    with db.session_scope() as session:
        return session.scalar(select(func.count()).select_from(LLMCall)) or 0


def _label_children(spec: Path) -> list[int]:
    """Pids of the label child processes started with this spec file."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"app.labeling.label_child" in argv and str(spec).encode() in argv:
            pids.append(int(entry.name))
    return pids


def test_run_is_a_job_that_writes_the_output_dataset(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
    settings: Settings,
    db: Database,
) -> None:
    created = client.post(URL, json=_two_teachers(jobs), headers=admin_headers)
    assert created.status_code == 201, created.text
    run = created.json()
    assert run["status"] == "pending" and run["job_id"]
    messages = follow(client, admin_headers, run["job_id"])
    assert messages[0]["job"]["kind"] == "label"
    progress = [m["data"] for m in messages if m["type"] == "progress"]
    assert progress and progress[-1]["rows_done"] == len(REVIEWS)
    assert {"rows_per_s", "input_tokens", "output_tokens", "cost", "currency"} <= set(progress[-1])
    assert messages[-1]["data"]["status"] == "succeeded"

    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["status"] == "succeeded" and done["rows_done"] == len(REVIEWS)
    output = client.get(f"/api/v1/datasets/{done['output_dataset_id']}", headers=admin_headers)
    assert output.status_code == 200 and output.json()["parent_id"] == str(jobs.dataset_id)
    assert output.json()["row_count"] == len(REVIEWS)
    assert "qwen-plus" in output.json()["description"]

    rows = client.get(f"{URL}/{run['id']}/rows?limit=4", headers=admin_headers).json()
    assert rows["total"] == len(REVIEWS) and [r["row_index"] for r in rows["items"]] == [0, 1, 2, 3]
    assert rows["items"][0]["output"] == _expected(REVIEWS[0])
    assert len(rows["items"][0]["votes"]) == 2 and rows["items"][0]["agreement"] == 1.0
    rest = client.get(
        f"{URL}/{run['id']}/rows?limit=100&cursor={rows['next_cursor']}", headers=admin_headers
    ).json()
    assert [r["row_index"] for r in rest["items"]] == list(range(4, len(REVIEWS)))
    assert rest["next_cursor"] is None

    listed = client.get(f"{URL}?project_id={run['project_id']}", headers=admin_headers).json()
    assert [r["id"] for r in listed["items"]] == [run["id"]]
    # The child got only the run id: no key in its spec, its events or its log.
    work = job_dir(settings, run["job_id"])
    stored = "".join(p.read_text() for p in work.iterdir() if p.is_file())
    assert run["id"] in stored and API_KEY not in stored and API_KEY[-8:] not in stored
    events = client.get(f"/api/v1/jobs/{run['job_id']}/events", headers=admin_headers)
    assert events.status_code == 404  # label jobs are shown by their run, not the jobs API
    assert API_KEY not in str(messages)
    _never_paid_twice(teacher)
    assert _recorded(db) == len(teacher.paid) == 2 * len(set(REVIEWS))


def test_refusal_fails_the_job_and_resume_finishes_without_paying_twice(
    client: TestClient, admin_headers: dict[str, str], jobs: Setup, teacher: TeacherServer
) -> None:
    teacher.script.extend(["ok", "ok", "402"])
    run = client.post(URL, json=_body(jobs), headers=admin_headers).json()
    messages = follow(client, admin_headers, run["job_id"])
    final = messages[-1]["data"]
    assert final["status"] == "failed"
    failed = _wait(client, admin_headers, run["id"], lambda r: r["status"] in FINISHED)
    assert failed["status"] == "failed" and failed["error"]["code"] == "provider_http_402"
    job = messages[0]["job"]["id"]
    snapshot = follow(client, admin_headers, job)[0]["job"]
    assert snapshot["error"]["code"] == "provider_http_402"
    assert "balance" in snapshot["error"]["message"].lower()

    lowered = client.post(f"{URL}/{run['id']}/resume", json={"budget": "1"}, headers=admin_headers)
    assert lowered.status_code == 422 and lowered.json()["error"]["code"] == "budget_lowered"
    resumed = client.post(f"{URL}/{run['id']}/resume", json={"budget": "6"}, headers=admin_headers)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["job_id"] != job and Decimal(resumed.json()["budget"]) == 6
    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["status"] == "succeeded" and done["error"] is None
    _never_paid_twice(teacher)
    again = client.post(f"{URL}/{run['id']}/resume", json={}, headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "labeling_run_not_resumable"


def test_stop_ends_the_job_cancelled_then_resume_completes(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
    settings: Settings,
    db: Database,
) -> None:
    teacher.hold_after = 3
    run = client.post(URL, json=_body(jobs), headers=admin_headers).json()
    deadline = time.monotonic() + 120
    while not teacher.held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert teacher.held, "the run never reached the held answers"
    stopped = client.post(f"{URL}/{run['id']}/stop", headers=admin_headers)
    assert stopped.status_code == 200, stopped.text
    flag = job_dir(settings, run["job_id"]) / STOP_FILE_NAME
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), "the engine did not pass the stop on to the child"
    teacher.hold_after = None  # the rows in flight finish, then the loop stops
    cancelled = _wait(client, admin_headers, run["id"], lambda r: r["status"] in FINISHED)
    assert cancelled["status"] == "cancelled" and cancelled["rows_done"] < len(REVIEWS)
    assert follow(client, admin_headers, run["job_id"])[-1]["data"]["status"] == "cancelled"
    again = client.post(f"{URL}/{run['id']}/stop", headers=admin_headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "labeling_run_not_active"

    resumed = client.post(f"{URL}/{run['id']}/resume", json={}, headers=admin_headers)
    assert resumed.status_code == 200, resumed.text
    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["rows_done"] == len(REVIEWS)
    _never_paid_twice(teacher)
    assert _recorded(db) == len(teacher.paid)


def test_killed_child_is_retried_and_pays_no_prompt_twice(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
    settings: Settings,
    db: Database,
) -> None:
    teacher.hold_after = 7
    run = client.post(URL, json=_two_teachers(jobs), headers=admin_headers).json()
    spec = job_dir(settings, run["job_id"]) / "job-1.json"
    deadline = time.monotonic() + 120
    while (_recorded(db) < 7 or not teacher.held) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _recorded(db) == 7 and teacher.held
    pids = _label_children(spec)
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGKILL)
    while teacher.held and time.monotonic() < deadline:
        time.sleep(0.02)
    assert teacher.held == 0, "the server did not see the killed child's connections close"
    teacher.hold_after = None
    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["rows_done"] == len(REVIEWS)
    job = follow(client, admin_headers, run["job_id"])[0]["job"]
    assert job["status"] == "succeeded" and job["attempts"] == 2
    _never_paid_twice(teacher)
    assert _recorded(db) == len(teacher.paid)


def _wait_until_held(teacher: TeacherServer, held: int = 1) -> None:
    deadline = time.monotonic() + 120
    while teacher.held < held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert teacher.held >= held, f"{teacher.held} requests held, expected {held}"


def _dataset_state(client: TestClient, headers: dict[str, str], dataset_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/datasets/{dataset_id}", headers=headers).json()
        if body["status"] != "processing":
            return body
        time.sleep(0.1)
    raise AssertionError(f"the upload is still converting: {body}")


def test_an_upload_converts_while_a_labeling_run_waits_on_its_teacher(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
) -> None:
    teacher.hold_after = 3
    run = client.post(URL, json=_body(jobs), headers=admin_headers).json()
    _wait_until_held(teacher)

    inline = app.state.settings
    app.state.settings = inline.model_copy(update={"dataset_inline_max_bytes": 0})
    try:
        project = client.get("/api/v1/projects", headers=admin_headers).json()["items"][0]["id"]
        content = ("城市,金额\n" + "".join(f"北京,{i}\n" for i in range(20))).encode()
        uploaded = upload(client, admin_headers, project, "订单.csv", content)
    finally:
        app.state.settings = inline
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["status"] == "processing"  # converted by a `convert_dataset` job
    converted = _dataset_state(client, admin_headers, uploaded.json()["id"])
    assert converted["status"] == "ready" and converted["row_count"] == 20
    assert teacher.held, "the labeling run was no longer waiting on its teacher"
    mid_run = client.get(f"{URL}/{run['id']}", headers=admin_headers).json()
    assert mid_run["status"] == "running" and mid_run["rows_done"] < len(REVIEWS)

    teacher.hold_after = None
    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["status"] == "succeeded" and done["rows_done"] == len(REVIEWS)
    _never_paid_twice(teacher)


def test_two_labeling_runs_run_at_once_on_the_embedded_engine(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    fast_jobs: JobSettings,
    teacher: TeacherServer,
) -> None:
    assert fast_jobs.labeling_runners == 2  # the default
    teacher.hold_after = 0
    deepseek = [{"provider_id": str(jobs.deepseek_id), "model": "deepseek-chat"}]
    first = client.post(URL, json=_body(jobs), headers=admin_headers).json()
    second = client.post(URL, json=_body(jobs, teachers=deepseek), headers=admin_headers).json()
    for run in (first, second):
        running = _wait(client, admin_headers, run["id"], lambda r: r["status"] != "pending")
        assert running["status"] == "running" and running["rows_done"] == 0
    _wait_until_held(teacher, 2)

    teacher.hold_after = None
    for run in (first, second):
        done = _wait(client, admin_headers, run["id"], lambda r: r["status"] in FINISHED)
        assert done["status"] == "succeeded" and done["rows_done"] == len(REVIEWS)


def test_another_projects_run_is_not_found(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
    make_user: Callable[..., User],
) -> None:
    run = client.post(URL, json=_body(jobs), headers=admin_headers).json()
    make_user("stranger")
    stranger = login(client, "stranger")
    for method, path in (
        ("GET", f"{URL}/{run['id']}"),
        ("GET", f"{URL}/{run['id']}/rows"),
        ("POST", f"{URL}/{run['id']}/stop"),
        ("POST", f"{URL}/{run['id']}/resume"),
    ):
        kwargs: dict[str, Any] = {"json": {}} if path.endswith("resume") else {}
        response = client.request(method, path, headers=stranger, **kwargs)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "labeling_run_not_found"
    assert client.get(URL, headers=stranger).json()["items"] == []
    mine = client.get(f"{URL}?project_id={run['project_id']}", headers=stranger).json()
    assert mine["items"] == []
    _wait(client, admin_headers, run["id"], lambda r: r["status"] in FINISHED)


def test_preview_asks_the_teachers_and_the_run_reuses_their_answers(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
    db: Database,
) -> None:
    plain = client.post(f"{URL}/preview", json=_two_teachers(jobs), headers=admin_headers)
    assert plain.status_code == 200 and plain.json()["answers"] is None
    assert teacher.requests == 0
    asked = client.post(
        f"{URL}/preview?ask_teachers=true", json=_two_teachers(jobs), headers=admin_headers
    )
    assert asked.status_code == 200, asked.text
    answers = asked.json()["answers"]
    assert [a["row_index"] for a in answers] == [0, 1, 2, 3, 4]
    assert [a["output"] for a in answers] == [_expected(text) for text in REVIEWS[:5]]
    assert all(len(a["votes"]) == 2 and a["agreement"] == 1.0 for a in answers)
    assert len(teacher.paid) == _recorded(db) == 10
    with db.session_scope() as session:
        paid = session.scalar(select(func.sum(LLMCall.cost)))
    assert 0 < paid <= Decimal(asked.json()["ask_cost"])  # the cost shown before asking bounds it

    run = client.post(URL, json=_two_teachers(jobs), headers=admin_headers).json()
    done = _wait(client, admin_headers, run["id"], lambda r: r["output_dataset_id"] is not None)
    assert done["status"] == "succeeded"
    _never_paid_twice(teacher)
    assert len(teacher.paid) == 2 * len(set(REVIEWS))
    assert Decimal(done["cost"]) < Decimal(done["estimate"]["cost"])  # the previewed rows were free


def test_gbk_csv_with_chinese_text_is_labeled_and_its_output_keeps_the_text(
    client: TestClient,
    admin_headers: dict[str, str],
    jobs: Setup,
    teacher: TeacherServer,
) -> None:
    """A CSV saved in GBK (as Excel on Chinese Windows saves it) keeps its text when labeled."""
    reviews = [*REVIEWS, "客服回复很及时，赞！", "物流慢得离谱；差评"]
    content = "编号,评论\n" + "".join(f"{i},{text}\n" for i, text in enumerate(reviews))
    data = content.encode("gbk")
    assert data != content.encode("utf-8")
    project = client.get("/api/v1/projects", headers=admin_headers).json()["items"][0]["id"]
    uploaded = client.post(
        f"/api/v1/data/upload?project_id={project}",
        files={"file": ("评论-gbk.csv", data, "text/csv")},
        headers=admin_headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["encoding"].lower() in ("gbk", "gb18030", "gb2312")

    body = _two_teachers(jobs, dataset_id=uploaded.json()["id"])
    created = client.post(URL, json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    done = _wait(
        client,
        admin_headers,
        created.json()["id"],
        lambda r: r["status"] in FINISHED and r["output_dataset_id"] is not None,
    )
    assert done["status"] == "succeeded" and done["rows_done"] == len(reviews)
    # the teachers were asked about the Chinese text itself, not mojibake
    asked = {paid.prompt.rsplit("文本：", 1)[-1].strip() for paid in teacher.paid}
    assert set(reviews) <= asked

    preview = client.get(
        f"/api/v1/datasets/{done['output_dataset_id']}/preview?limit=100", headers=admin_headers
    ).json()
    assert [row["评论"] for row in preview["rows"]] == reviews
    assert [row["label"] for row in preview["rows"]] == [_expected(text) for text in reviews]
