"""Project quotas: admins set them, owners read usage, refused jobs and uploads store nothing."""

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.config import Settings
from app.db.models import Dataset, TrainingJob, User
from app.db.session import Database
from tests.conftest import login

CSV = ("x,y\n" + "\n".join(f"{i},{i % 2}" for i in range(40)) + "\n").encode()


def _project(client: TestClient, headers: dict[str, str]) -> str:
    project = client.post("/api/v1/projects", json={"name": "配额"}, headers=headers)
    assert project.status_code == 201, project.text
    return str(project.json()["id"])


def _upload(client: TestClient, headers: dict[str, str], project: str, content: bytes = CSV):
    return client.post(
        f"/api/v1/data/upload?project_id={project}",
        files={"file": ("t.csv", content, "text/csv")},
        headers=headers,
    )


def _job(project: str, dataset: str) -> dict[str, object]:
    return {
        "project_id": project,
        "name": "tiny",
        "task_type": "tabular_classification",
        "trainer": "linear",
        "dataset_id": dataset,
        "columns": {"target": "y"},
    }


def test_admins_set_quotas_owners_read_usage_others_are_refused(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
) -> None:
    make_user("quota_owner")
    make_user("quota_stranger")
    owner = login(client, "quota_owner")
    stranger = login(client, "quota_stranger")
    project = _project(client, owner)

    usage = client.get(f"/api/v1/projects/{project}/usage", headers=owner)
    assert usage.status_code == 200, usage.text
    assert usage.json()["queued_jobs"] == {"limit": None, "used": 0}
    assert client.get(f"/api/v1/projects/{project}/usage", headers=stranger).status_code == 404

    url = f"/api/v1/projects/{project}/quotas"
    refused = client.patch(url, json={"queued_jobs": 5}, headers=owner)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_required"
    assert client.patch(url, json={"queued_jobs": 5}, headers=stranger).status_code == 404

    changed = client.patch(
        url, json={"queued_jobs": 5, "monthly_teacher_spend": "12.5"}, headers=admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["queued_jobs"] == 5 and changed.json()["running_jobs"] is None
    kept = client.patch(url, json={"gpu_jobs": 1}, headers=admin_headers).json()
    assert kept["queued_jobs"] == 5 and kept["gpu_jobs"] == 1
    cleared = client.patch(url, json={"queued_jobs": None}, headers=admin_headers).json()
    assert cleared["queued_jobs"] is None and cleared["gpu_jobs"] == 1
    bad = client.patch(url, json={"running_jobs": -1}, headers=admin_headers)
    assert bad.status_code == 422

    usage = client.get(f"/api/v1/projects/{project}/usage", headers=owner).json()
    assert usage["gpu_jobs"] == {"limit": 1, "used": 0}
    assert float(usage["monthly_teacher_spend"]["limit"]) == 12.5


def test_over_the_queued_jobs_quota_a_job_is_refused_with_429_naming_it(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    db: Database,
) -> None:
    make_user("queue_owner")
    owner = login(client, "queue_owner")
    project = _project(client, owner)
    dataset = _upload(client, owner, project)
    assert dataset.status_code == 201, dataset.text
    url = f"/api/v1/projects/{project}/quotas"
    assert client.patch(url, json={"queued_jobs": 0}, headers=admin_headers).status_code == 200

    refused = client.post("/api/v1/jobs", json=_job(project, dataset.json()["id"]), headers=owner)
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "Queued-jobs quota" in error["message"] and "limit is 0" in error["message"]
    assert "admin" in error["message"]
    assert error["details"] == {"quota": "queued_jobs", "limit": 0, "used": 0}
    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(TrainingJob)) == 0


def test_a_default_quota_comes_from_the_settings(
    client: TestClient, make_user: Callable[..., User], settings: Settings
) -> None:
    make_user("default_owner")
    owner = login(client, "default_owner")
    project = _project(client, owner)
    previous = settings.quota_storage_bytes
    settings.quota_storage_bytes = 10
    try:
        usage = client.get(f"/api/v1/projects/{project}/usage", headers=owner).json()
        assert usage["storage_bytes"] == {"limit": 10, "used": 0}
    finally:
        settings.quota_storage_bytes = previous


def test_an_upload_past_the_storage_quota_is_refused_and_nothing_is_stored(
    client: TestClient,
    admin_headers: dict[str, str],
    make_user: Callable[..., User],
    db: Database,
    settings: Settings,
) -> None:
    make_user("storage_owner")
    owner = login(client, "storage_owner")
    project = _project(client, owner)
    url = f"/api/v1/projects/{project}/quotas"
    limit = len(CSV) + 10
    assert (
        client.patch(url, json={"storage_bytes": limit}, headers=admin_headers).status_code == 200
    )

    first = _upload(client, owner, project)
    assert first.status_code == 201, first.text
    second = _upload(client, owner, project)
    assert second.status_code == 413, second.text
    error = second.json()["error"]
    assert error["code"] == "quota_exceeded" and "Storage quota" in error["message"]
    assert error["details"]["limit"] == limit and error["details"]["incoming"] == len(CSV)

    # already over (the admin lowered it): refused before the file is read
    assert client.patch(url, json={"storage_bytes": 1}, headers=admin_headers).status_code == 200
    third = _upload(client, owner, project)
    assert third.status_code == 413 and third.json()["error"]["details"]["incoming"] == 0

    with db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
    stored = [p for p in (Path(settings.data_storage_path) / project).iterdir()]
    assert [p.name for p in stored] == [first.json()["id"]]
    assert not any((Path(settings.data_storage_path) / ".tmp").iterdir())
    usage = client.get(f"/api/v1/projects/{project}/usage", headers=owner).json()
    assert usage["storage_bytes"] == {"limit": 1, "used": len(CSV)}
