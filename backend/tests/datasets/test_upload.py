"""Uploading: formats, Chinese encodings round-trip, storage layout, audit."""

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select

from app.core.config import Settings
from app.db.models import AuditLog, Dataset
from app.db.session import Database
from tests.datasets.conftest import Team, upload

CHINESE_CSV = (
    "姓名,城市,评论,分数\n"
    "张三,北京,很好，非常满意,5\n"
    '李四,"上海,浦东",一般般,3\n'
    "王五,广州,=SUM(A1),4\n"
)
CHINESE_FILENAME = "客户评论.csv"


def _files(settings: Settings) -> list[Path]:
    root = Path(settings.data_storage_path)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [("gbk", b"", "gb18030"), ("utf-8", b"\xef\xbb\xbf", "utf-8"), ("utf-8", b"", "utf-8")],
)
def test_chinese_csv_round_trips_exactly(
    client: TestClient, team: Team, settings: Settings, encoding: str, prefix: bytes, expected: str
) -> None:
    raw = prefix + CHINESE_CSV.encode(encoding)
    response = upload(client, team.editor, team.project_id, CHINESE_FILENAME, raw)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["original_filename"] == CHINESE_FILENAME
    assert body["name"] == CHINESE_FILENAME
    assert body["encoding"] == expected
    assert body["format"] == "csv"
    assert body["row_count"] == 3
    assert body["size_bytes"] == len(raw)
    assert body["sha256"] == hashlib.sha256(raw).hexdigest()
    assert [c["name"] for c in body["columns"]] == ["姓名", "城市", "评论", "分数"]

    download = client.get(f"/api/v1/datasets/{body['id']}/download", headers=team.viewer)
    assert download.status_code == 200
    assert download.content == raw
    assert "filename*=utf-8''%E5%AE%A2" in download.headers["content-disposition"]

    rows = client.get(f"/api/v1/datasets/{body['id']}/preview", headers=team.viewer).json()
    assert rows["total"] == 3
    assert rows["rows"][1] == {"姓名": "李四", "城市": "上海,浦东", "评论": "一般般", "分数": 3}
    expected_frame = pd.read_csv(io.StringIO(CHINESE_CSV))
    assert [list(r.values()) for r in rows["rows"]] == expected_frame.values.tolist()


def test_files_are_stored_under_generated_names(
    client: TestClient, team: Team, settings: Settings
) -> None:
    response = upload(client, team.editor, team.project_id, "../../etc/passwd.csv", b"a,b\n1,2\n")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["original_filename"] == "passwd.csv"
    folder = Path(settings.data_storage_path) / team.project_id / body["id"]
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet", "original.csv"]
    assert not any((Path(settings.data_storage_path) / ".tmp").iterdir())


def test_project_id_as_form_field_before_the_file(client: TestClient, team: Team) -> None:
    response = client.post(
        "/api/v1/data/upload",
        data={"project_id": team.project_id, "name": "表", "description": "说明"},
        files={"file": ("t.csv", b"a,b\n1,2\n")},
        headers=team.editor,
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "表"
    assert response.json()["description"] == "说明"


def _xlsx(rows: list[list[object]], sheet: str = "Sheet1", extra: str | None = None) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    if extra:
        first.title = extra
        first.append(["ignored"])
        first = book.create_sheet(sheet)
    else:
        first.title = sheet
    for row in rows:
        first.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FORMATS = [
    ("t.tsv", "tsv", b"a\tb\n1\tx\n2\ty\n"),
    ("t.csv", "csv", b"a;b\n1;x\n2;y\n"),
    ("t.jsonl", "jsonl", b'{"a": 1, "b": "x"}\n\n{"a": 2, "b": "y"}\n'),
    ("t.json", "json", json.dumps([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]).encode()),
    ("data", "jsonl", b'{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n'),
    ("t.xlsx", "xlsx", _xlsx([["a", "b"], [1, "x"], [2, "y"]])),
]


@pytest.mark.parametrize(("filename", "fmt", "content"), FORMATS)
def test_formats_are_detected_and_converted(
    client: TestClient, team: Team, filename: str, fmt: str, content: bytes
) -> None:
    response = upload(client, team.editor, team.project_id, filename, content)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["format"] == fmt
    assert [(c["name"], c["inferred_type"]) for c in body["columns"]] == [
        ("a", "numeric"),
        ("b", "text"),
    ]
    rows = client.get(f"/api/v1/datasets/{body['id']}/preview", headers=team.viewer).json()
    assert rows["rows"] == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_gbk_after_a_long_ascii_start_is_detected(client: TestClient, team: Team) -> None:
    """The first 64 KB look like UTF-8; pyarrow finds the GBK bytes and the file is re-read."""
    raw = ("id,名字\n" + "".join(f"{i},abc\n" for i in range(20_000)) + "20000,张三\n").encode(
        "gbk"
    )
    response = upload(client, team.editor, team.project_id, "late.csv", raw)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["encoding"], body["row_count"]) == ("gb18030", 20_001)
    rows = client.get(
        f"/api/v1/datasets/{body['id']}/preview?offset=20000&limit=1", headers=team.viewer
    ).json()
    assert rows["rows"] == [{"id": 20000, "名字": "张三"}]


def test_parquet_and_txt(client: TestClient, team: Team) -> None:
    buffer = io.BytesIO()
    pd.DataFrame({"x": [1.5, 2.5], "y": pd.Categorical(["a", "b"])}).to_parquet(buffer)
    parquet = upload(client, team.editor, team.project_id, "p.bin", buffer.getvalue())
    assert parquet.status_code == 201, parquet.text
    assert parquet.json()["format"] == "parquet"
    assert [c["name"] for c in parquet.json()["columns"]] == ["x", "y"]
    txt = upload(client, team.editor, team.project_id, "句子.txt", "第一句\n\n第二句\n".encode())
    assert txt.status_code == 201, txt.text
    assert txt.json()["format"] == "txt"
    preview = client.get(f"/api/v1/datasets/{txt.json()['id']}/preview", headers=team.viewer)
    assert preview.json()["rows"] == [{"text": "第一句"}, {"text": "第二句"}]


def test_named_xlsx_sheet(client: TestClient, team: Team) -> None:
    content = _xlsx([["a", "b"], [1, "x"]], sheet="数据", extra="封面")
    response = upload(client, team.editor, team.project_id, "t.xlsx", content, sheet="数据")
    assert response.status_code == 201, response.text
    assert response.json()["row_count"] == 1
    missing = upload(client, team.editor, team.project_id, "t.xlsx", content, sheet="无")
    assert missing.status_code == 422
    assert "数据" in missing.json()["error"]["message"]


def test_xlsx_beyond_the_conversion_memory_limit_is_refused_and_nothing_stored(
    client: TestClient, team: Team, settings: Settings, db: Database
) -> None:
    app = client.app
    app.state.settings = settings.model_copy(update={"dataset_conversion_memory_mb": 256})
    try:
        content = _xlsx([["城市", "金额"], ["北京", 1]])
        response = upload(client, team.editor, team.project_id, "小表.xlsx", content)
    finally:
        app.state.settings = settings
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "conversion_out_of_memory"
    assert "256 MB" in response.json()["error"]["message"]
    with db.session_scope() as session:
        assert session.scalars(select(Dataset)).all() == []
    assert [p.name for p in Path(settings.data_storage_path).rglob("*") if p.is_file()] == []
    healthy = upload(client, team.editor, team.project_id, "小表.xlsx", content)
    assert healthy.status_code == 201 and healthy.json()["row_count"] == 1


def _rss_bytes() -> int:
    """This process's resident memory (the in-process API's, under TestClient)."""
    fields = Path("/proc/self/status").read_text().split("VmRSS:")[1].split()
    return int(fields[0]) * 1024


def test_large_sheet_xlsx_converts_outside_the_api_process(
    client: TestClient, team: Team, tmp_path: Path
) -> None:
    """A ~5 MB XLSX expanding to ~50 MB of sheet XML: the API's memory stays flat."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("评论")
    sheet.append([f"列{i}" for i in range(10)])
    for r in range(100_000):
        words = (f"文本{r % 977}", "甲" if r % 3 else "乙", f"标签{r % 13}", f"{r}号")
        sheet.append([words[0], r, r * 0.5, words[1], words[2], r % 7, "是", r, words[3], 1.5])
    path = tmp_path / "大表.xlsx"
    book.save(path)
    content = path.read_bytes()
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist())
    assert expanded > 40 * 2**20
    del book, sheet
    before = _rss_bytes()
    response = upload(client, team.editor, team.project_id, "大表.xlsx", content)
    assert response.status_code == 201, response.text
    assert response.json()["row_count"] == 100_000
    # Converting a million cells in this process holds several times the sheet's XML; in the
    # child the API only carries the request body (~5 MB).
    assert _rss_bytes() - before < 40 * 2**20


def test_types_and_leading_zeros(client: TestClient, team: Team) -> None:
    content = (
        b"id,zip,flag,when,score\n1,010000,true,2024-01-02,1.5\n2,200000,FALSE,2024-02-03,NA\n"
    )
    response = upload(client, team.editor, team.project_id, "t.csv", content)
    assert response.status_code == 201, response.text
    types = {c["name"]: (c["dtype"], c["inferred_type"]) for c in response.json()["columns"]}
    assert types == {
        "id": ("int64", "numeric"),
        "zip": ("string", "text"),
        "flag": ("bool", "boolean"),
        "when": ("timestamp[ms]", "datetime"),
        "score": ("double", "numeric"),
    }


def test_create_and_delete_are_audited(client: TestClient, team: Team, settings: Settings) -> None:
    created = upload(client, team.editor, team.project_id, "t.csv", b"a\n1\n").json()
    assert (
        client.delete(f"/api/v1/datasets/{created['id']}", headers=team.editor).status_code == 204
    )
    assert not (Path(settings.data_storage_path) / team.project_id / created["id"]).exists()
    with client.app.state.db.session_scope() as session:  # type: ignore[attr-defined]
        query = select(AuditLog.action).where(AuditLog.object_id == created["id"])
        actions = sorted(session.scalars(query))
    assert actions == ["dataset.create", "dataset.delete"]


def _with_saved_values(content: bytes, values: dict[str, str]) -> bytes:
    """The workbook with saved values for some formula cells, as a calculating program writes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for cell, value in values.items():
                    kind = "" if value.isdigit() else ' t="str"'
                    data = re.sub(
                        rf'<c r="{cell}">(<f>[^<]*</f>)<v></v>'.encode(),
                        rf'<c r="{cell}"{kind}>\g<1><v>{value}</v>'.encode(),
                        data,
                    )
            target.writestr(item, data)
    return buffer.getvalue()


def test_xlsx_formulas_read_saved_values_and_warn_where_none(
    client: TestClient, team: Team
) -> None:
    rows: list[list[object]] = [["数量", "单价", "金额", "备注"]]
    rows += [[n, 3, f"=A{n + 1}*B{n + 1}", f'=IF(A{n + 1}>2,"多","少")'] for n in range(1, 6)]
    saved = {"C2": "3", "C3": "6", "C4": "9", "C6": "15", "D2": "少", "D3": "少"}
    content = _with_saved_values(_xlsx(rows), saved)
    response = upload(client, team.editor, team.project_id, "订单.xlsx", content)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["warnings"]) == 1
    warning = body["warnings"][0]
    assert warning["code"] == "formula_without_value" and warning["count"] == 4
    assert warning["cells"] == ["D4", "C5", "D5", "D6"]
    assert "4 formula cell(s)" in warning["message"] and "D4, C5, D5, D6" in warning["message"]
    preview = client.get(f"/api/v1/datasets/{body['id']}/preview", headers=team.viewer).json()
    assert [r["金额"] for r in preview["rows"]] == [3, 6, 9, None, 15]
    assert [r["备注"] for r in preview["rows"]] == ["少", "少", None, None, None]
    again = client.get(f"/api/v1/datasets/{body['id']}", headers=team.viewer).json()
    assert again["warnings"] == body["warnings"]
    profile = client.get(f"/api/v1/datasets/{body['id']}/profile", headers=team.viewer).json()
    assert profile["warnings"] == body["warnings"]
    report = client.post(
        f"/api/v1/datasets/{body['id']}/validate",
        headers=team.viewer,
        json={"task_type": "tabular_regression", "columns": {"target": "数量"}},
    ).json()
    assert report["warnings"][0]["code"] == "formula_without_value"
    assert "C5" in report["warnings"][0]["message"]


def test_xlsx_without_formulas_has_no_warning(client: TestClient, team: Team) -> None:
    response = upload(client, team.editor, team.project_id, "t.xlsx", _xlsx([["a"], [1], [2]]))
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []


def test_gbk_with_lines_that_happen_to_be_valid_utf8_is_read_as_gbk(
    client: TestClient, team: Team
) -> None:
    """In GBK "女" is the bytes C5 AE, which are also UTF-8 for "Ů": still one GBK file."""
    text = "编号,性别\n1,女\n2,男\n3,女\n"
    raw = text.encode("gbk")
    assert "1,女".encode("gbk").decode("utf-8") == "1,Ů"
    response = upload(client, team.editor, team.project_id, "people.csv", raw)
    assert response.status_code == 201, response.text
    assert response.json()["encoding"] == "gb18030"
    rows = client.get(f"/api/v1/datasets/{response.json()['id']}/preview", headers=team.viewer)
    assert [r["性别"] for r in rows.json()["rows"]] == ["女", "男", "女"]
