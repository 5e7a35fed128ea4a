"""Browse and manage: access, list/search/sort, patch, delete (and in-use), preview, export."""

import csv
import io
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.datasets.service import DATASET_IN_USE_CHECKS
from tests.datasets.conftest import Team, upload

DATA = "名称,公式,值\n甲,=1+1,-3\n乙,@SUM(A1),4\n丙,\tx,5\n".encode()


@pytest.fixture
def dataset_id(client: TestClient, team: Team) -> str:
    """A dataset in the team project."""
    response = upload(client, team.editor, team.project_id, "数据.csv", DATA)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _endpoints(dataset_id: str) -> list[tuple[str, str, dict[str, object] | None]]:
    base = f"/api/v1/datasets/{dataset_id}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"name": "x"}),
        ("DELETE", base, None),
        ("GET", f"{base}/preview", None),
        ("GET", f"{base}/profile", None),
        ("GET", f"{base}/download", None),
        ("GET", f"{base}/download?format=csv", None),
        ("POST", f"{base}/validate", {"task_type": "text_classification", "columns": {}}),
    ]


def test_other_projects_dataset_is_404_everywhere(
    client: TestClient, team: Team, dataset_id: str
) -> None:
    for method, url, body in [*_endpoints(dataset_id), *_endpoints(str(uuid.uuid4()))]:
        response = client.request(method, url, json=body, headers=team.outsider)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "dataset_not_found"
    upload_there = upload(client, team.outsider, team.project_id, "a.csv", b"a\n1\n")
    assert upload_there.status_code == 404
    listed = client.get("/api/v1/datasets", headers=team.outsider).json()
    assert listed["total"] == 0


def test_viewer_reads_but_cannot_upload_edit_or_delete(
    client: TestClient, team: Team, dataset_id: str
) -> None:
    for method, url, body in _endpoints(dataset_id):
        response = client.request(method, url, json=body, headers=team.viewer)
        expected = 403 if method in ("PATCH", "DELETE") else 200
        assert response.status_code == expected, (method, url, response.text)
    refused = upload(client, team.viewer, team.project_id, "a.csv", b"a\n1\n")
    assert refused.status_code == 403
    by_form = client.post(
        "/api/v1/data/upload",
        data={"project_id": team.project_id},
        files={"file": ("a.csv", b"a\n1\n")},
        headers=team.viewer,
    )
    assert by_form.status_code == 403
    assert client.post("/api/v1/data/upload", files={"file": ("a", b"1")}).status_code == 401


def test_list_search_sort_and_patch(client: TestClient, team: Team) -> None:
    sizes = {}
    for name, rows in (("销售_2023", 3), ("销售_2024", 1), ("客户", 2)):
        content = b"a\n" + b"1\n" * rows
        body = upload(client, team.editor, team.project_id, "f.csv", content, name=name).json()
        sizes[name] = body["size_bytes"]
    listed = client.get(
        "/api/v1/datasets",
        params={"project_id": team.project_id, "search": "销售", "sort": "-size_bytes"},
        headers=team.viewer,
    ).json()
    assert [d["name"] for d in listed["items"]] == ["销售_2023", "销售_2024"]
    assert listed["total"] == 2
    by_name = client.get("/api/v1/datasets", params={"sort": "name"}, headers=team.viewer).json()
    assert [d["name"] for d in by_name["items"]] == ["客户", "销售_2023", "销售_2024"]
    underscore = client.get("/api/v1/datasets", params={"search": "_"}, headers=team.viewer)
    assert underscore.json()["total"] == 2
    target = listed["items"][0]["id"]
    patched = client.patch(
        f"/api/v1/datasets/{target}", json={"description": "新说明"}, headers=team.editor
    )
    assert patched.json()["description"] == "新说明"
    assert patched.json()["name"] == "销售_2023"
    extra = client.patch(f"/api/v1/datasets/{target}", json={"row_count": 9}, headers=team.editor)
    assert extra.status_code == 422


@pytest.fixture
def blocked() -> Iterator[set[uuid.UUID]]:
    """Dataset ids that a registered in-use check reports as used by a running job."""
    ids: set[uuid.UUID] = set()

    def check(_session: Session, dataset_id: uuid.UUID) -> str | None:
        return "used by running job 42" if dataset_id in ids else None

    DATASET_IN_USE_CHECKS.append(check)
    yield ids
    DATASET_IN_USE_CHECKS.remove(check)


def test_delete_is_refused_while_in_use(
    client: TestClient, team: Team, dataset_id: str, blocked: set[uuid.UUID]
) -> None:
    blocked.add(uuid.UUID(dataset_id))
    response = client.delete(f"/api/v1/datasets/{dataset_id}", headers=team.editor)
    assert response.status_code == 409
    assert "running job 42" in response.json()["error"]["message"]
    assert client.get(f"/api/v1/datasets/{dataset_id}", headers=team.viewer).status_code == 200
    blocked.clear()
    assert client.delete(f"/api/v1/datasets/{dataset_id}", headers=team.editor).status_code == 204
    assert client.get(f"/api/v1/datasets/{dataset_id}", headers=team.viewer).status_code == 404


def test_preview_window(client: TestClient, team: Team) -> None:
    content = b"n\n" + b"".join(f"{i}\n".encode() for i in range(200_000))
    dataset = upload(client, team.editor, team.project_id, "n.csv", content).json()
    url = f"/api/v1/datasets/{dataset['id']}/preview"
    window = client.get(url, params={"offset": 65_530, "limit": 10}, headers=team.viewer).json()
    assert [r["n"] for r in window["rows"]] == list(range(65_530, 65_540))
    assert window["total"] == 200_000
    tail = client.get(url, params={"offset": 199_998, "limit": 10}, headers=team.viewer).json()
    assert [r["n"] for r in tail["rows"]] == [199_998, 199_999]
    past = client.get(url, params={"offset": 300_000}, headers=team.viewer).json()
    assert past["rows"] == []


def test_csv_export_escapes_formulas(client: TestClient, team: Team, dataset_id: str) -> None:
    response = client.get(
        f"/api/v1/datasets/{dataset_id}/download", params={"format": "csv"}, headers=team.viewer
    )
    assert response.status_code == 200
    assert "filename*=utf-8''%E6%95%B0%E6%8D%AE.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["名称", "公式", "值"],
        ["甲", "'=1+1", "-3"],
        ["乙", "'@SUM(A1)", "4"],
        ["丙", "'\tx", "5"],
    ]


def test_profile(client: TestClient, team: Team) -> None:
    content = "城市,分数,评论\n北京,1,好\n北京,2,很好很好\n上海,,一般\n".encode()
    dataset = upload(client, team.editor, team.project_id, "p.csv", content).json()
    profile = client.get(f"/api/v1/datasets/{dataset['id']}/profile", headers=team.viewer).json()
    assert profile["row_count"] == 3
    city, score, comment = profile["columns"]
    assert city["top_values"][0] == {"value": "北京", "count": 2}
    assert city["unique"] == 2
    assert score["inferred_type"] == "numeric"
    assert score["missing"] == 1
    assert (score["min"], score["max"], score["mean"]) == (1, 2, 1.5)
    assert comment["length"]["max"] == 4
    assert comment["length"]["min"] == 1


def test_derived_dataset_keeps_lineage(client: TestClient, team: Team, dataset_id: str) -> None:
    content = "名称,日期\n甲,2024-01-02\n乙,\n".encode()
    child = upload(client, team.editor, team.project_id, "clean.csv", content, parent_id=dataset_id)
    assert child.status_code == 201, child.text
    assert child.json()["parent_id"] == dataset_id
    rows = client.get(f"/api/v1/datasets/{child.json()['id']}/preview", headers=team.viewer)
    assert rows.json()["rows"] == [
        {"名称": "甲", "日期": "2024-01-02T00:00:00"},
        {"名称": "乙", "日期": None},
    ]
    foreign = upload(client, team.outsider, team.outsider_project_id, "x.csv", content).json()
    refused = upload(
        client, team.editor, team.project_id, "c.csv", content, parent_id=foreign["id"]
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "bad_parent"
