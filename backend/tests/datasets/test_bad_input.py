"""Every bad upload answers 4xx with an actionable message and leaves no file and no row."""

import codecs
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.config import Settings
from app.datasets import convert
from app.datasets.readers import MAX_COLUMNS
from app.db.models import Dataset
from app.main import create_app
from tests.conftest import make_settings
from tests.datasets.conftest import Team, upload


def _assert_nothing_stored(app: FastAPI, settings: Settings) -> None:
    root = Path(settings.data_storage_path)
    leftovers = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    assert leftovers == []
    with app.state.db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 0


def _bomb(member_bytes: int) -> bytes:
    """An XLSX-shaped zip whose sheet inflates to `member_bytes` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"\0" * (1024 * 1024)
            for _ in range(member_bytes // len(block)):
                sheet.write(block)
    return buffer.getvalue()


def _many_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(2001):
            archive.writestr(f"xl/p{i}.xml", "")
    return buffer.getvalue()


BAD_INPUTS = [
    ("empty.csv", b"", "empty_file", "empty"),
    ("blank.csv", b"  \n\n", "empty_file", "whitespace"),
    ("x.bin", b"\x00\x01\x02\x03binary\x00", "unknown_format", "Unrecognised"),
    ("x.xlsx", b"just text, not a workbook", "unknown_format", ".xlsx"),
    ("x.zip", _many_parts()[:0] + b"PK\x03\x04garbage", "bad_xlsx", "damaged"),
    ("bad.csv", b"a,b\n1,2\n\xff\xfe\xfa\xfb,3\n", "undecodable_text", "line 3"),
    # UTF-8 for its first 64 KB, then bytes that are neither UTF-8 nor GB18030
    ("late.csv", b"a,b\n" + b"1,2\n" * 20_000 + b"\xff\xfe,3\n", "undecodable_text", "line 20002"),
    ("ragged.csv", b"a,b,c\n1,2,3\n4,5\n", "ragged_rows", "line 3 has 2 fields"),
    ("ragged2.csv", b"a,b\n1,2\n3,4\n5,6,7\n", "ragged_rows", "line 4 has 3 fields"),
    # UTF-8 with one GBK line: refused (never read whole as GB18030, which garbles the rest)
    (
        "mixed.csv",
        "名字,城市\n张三,北京\n".encode() + "李四,上海\n".encode("gbk") + "王五,广州\n".encode(),
        "mixed_encoding",
        "line 3 is not UTF-8",
    ),
    (
        "mixed-late.csv",
        "名字,分数\n".encode() + b"x,1\n" * 20_000 + "李四,2\n".encode("gbk"),
        "mixed_encoding",
        "line 20002 is not UTF-8",
    ),
    (
        "ascii-start.csv",
        b"id,name\n1,a\n" + "2,张三\n".encode("gbk") + "3,李四\n".encode(),
        "mixed_encoding",
        "line 3 is not UTF-8",
    ),
    # GBK bytes behind a UTF-8 byte-order mark
    (
        "bom.csv",
        codecs.BOM_UTF8 + "名字,城市\n张三,北京\n".encode("gbk"),
        "encoding_mismatch",
        "UTF-8 byte-order mark, but line 1 is not UTF-8",
    ),
    (
        "bom-late.csv",
        codecs.BOM_UTF8 + b"a,b\n" + b"1,2\n" * 20_000 + "张三,3\n".encode("gbk"),
        "encoding_mismatch",
        "line 20002 is not UTF-8",
    ),
    ("string.json", '"一句话"'.encode(), "malformed_json", "holds a single string (line 1)"),
    ("number.json", b"\n 42\n", "malformed_json", "holds a single number (line 2)"),
    ("string.jsonl", b'"a"\n"b"\n', "malformed_json", "single string"),
    ("bad.jsonl", b'{"a": 1}\n{"a": 2,\n', "malformed_json", "line 2"),
    ("list.jsonl", b'{"a": 1}\n[1, 2]\n', "malformed_json", "Line 2"),
    ("bad.json", b'[{"a": 1},\n {"a": }]', "malformed_json", "line 2"),
    ("scalars.json", b"[1, 2]", "malformed_json", "Item 1"),
    ("dup.csv", b"a,b,a\n1,2,3\n", "duplicate_column_name", "'a' appears twice"),
    ("emptyname.csv", b"a,,c\n1,2,3\n", "empty_column_name", "Column 2"),
    ("header.csv", b"a,b\n", "no_rows", "no data rows"),
    ("nocols.jsonl", b"{}\n{}\n", "no_columns", "no columns"),
    (
        "wide.csv",
        (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode(),
        "too_many_columns",
        str(MAX_COLUMNS),
    ),
    ("bomb.xlsx", _bomb(16 * 1024 * 1024), "xlsx_limits", "compressed"),
    ("parts.xlsx", _many_parts(), "xlsx_limits", "parts"),
    (
        "notxl.xlsx",
        _bomb(0).replace(b"xl/workbook.xml", b"xl/workbookXxml"),
        "unknown_format",
        "not an Excel",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "code", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client: TestClient,
    team: Team,
    app: FastAPI,
    settings: Settings,
    filename: str,
    content: bytes,
    code: str,
    message: str,
) -> None:
    response = upload(client, team.editor, team.project_id, filename, content)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert message in error["message"]
    if "line " in message:
        assert error["details"]["line"] == int(message.split("line ")[1].split()[0].strip("),"))
    _assert_nothing_stored(app, settings)


def test_parquet_declaring_too_much_data_is_refused(
    client: TestClient,
    team: Team,
    app: FastAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(convert, "MAX_PARQUET_BYTES", 1000)
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": list(range(1000))}), buffer)
    response = upload(client, team.editor, team.project_id, "big.parquet", buffer.getvalue())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "parquet_too_large"
    _assert_nothing_stored(app, settings)


def test_zip_bomb_is_refused_quickly_with_little_memory(
    client: TestClient, team: Team, app: FastAPI, settings: Settings
) -> None:
    import resource

    bomb = _bomb(256 * 1024 * 1024)  # would need >= 256 MB to inflate
    assert len(bomb) < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = upload(client, team.editor, team.project_id, "bomb.xlsx", bomb)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "xlsx_limits"
    assert after - before < 64 * 1024  # KiB: the bomb was never inflated
    _assert_nothing_stored(app, settings)


@pytest.fixture
def small_cap_client(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    """A separate app whose upload limit is 100 bytes."""
    settings = make_settings(database_url, tmp_path, upload_max_size=100)
    with TestClient(create_app(settings)) as test_client:
        yield test_client, settings


def test_one_byte_over_the_limit_leaves_nothing_behind(
    small_cap_client: tuple[TestClient, Settings], team: Team, app: FastAPI
) -> None:
    client, settings = small_cap_client
    exact = b"a,b\n" + b"1,2\n" * 24
    assert len(exact) == 100
    assert upload(client, team.editor, team.project_id, "ok.csv", exact).status_code == 201
    response = upload(client, team.editor, team.project_id, "big.csv", exact + b"3")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    with app.state.db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == 1
    tmp = Path(settings.data_storage_path) / ".tmp"
    assert list(tmp.iterdir()) == []


def test_malformed_requests(client: TestClient, team: Team) -> None:
    url = "/api/v1/data/upload"
    params = {"project_id": team.project_id}
    no_multipart = client.post(url, params=params, content=b"a,b", headers=team.editor)
    assert no_multipart.json()["error"]["code"] == "not_multipart"
    no_file = client.post(
        url, params=params, data={"name": "x"}, files={"other": ("a", b"1")}, headers=team.editor
    )
    assert no_file.status_code == 422
    assert "Unknown form field 'other'" in no_file.json()["error"]["message"]
    only_fields = client.post(url, params=params, data={"name": "x"}, files={}, headers=team.editor)
    assert only_fields.status_code == 422
    late_project = client.post(url, files={"file": ("a.csv", b"a\n1\n")}, headers=team.editor)
    assert late_project.json()["error"]["code"] == "project_required"
    bad_parent = upload(client, team.editor, team.project_id, "a.csv", b"a\n1\n", parent_id="nope")
    assert bad_parent.json()["error"]["code"] == "bad_parent"


BOUNDARY = "----b0undary42"
FILE_PART = (
    b"------b0undary42\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n"
    b"a,b\r\n1,2\r\n--not-the-boundary\r\n"
)


def _post_raw(client: TestClient, team: Team, body: bytes) -> httpx.Response:
    """POST a hand-made multipart body with BOUNDARY."""
    return client.post(
        "/api/v1/data/upload",
        params={"project_id": team.project_id},
        content=body,
        headers={**team.editor, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (FILE_PART, "no_file"),  # the body ends before the closing boundary
        (b"------b0undary42XX", "bad_form"),
        (b"------b0undary42\r\nno colon here\r\n\r\nx", "bad_form"),
        (b"------b0undary42\r\nX-Long: " + b"X" * 20_000 + b"\r\n\r\n", "bad_form"),
    ],
)
def test_malformed_multipart_bodies_are_refused_and_leave_nothing(
    client: TestClient, team: Team, settings: Settings, body: bytes, code: str
) -> None:
    response = _post_raw(client, team, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert list((Path(settings.data_storage_path) / ".tmp").iterdir()) == []


def test_a_file_with_boundary_like_lines_arrives_intact(client: TestClient, team: Team) -> None:
    data = "a\r\n--not-the-boundary\r\n------b0undary4x\r\n中\r\n".encode()
    body = (
        b"------b0undary42\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        + data
        + b"\r\n------b0undary42--\r\nepilogue"
    )
    response = _post_raw(client, team, body)
    assert response.status_code == 201, response.text
    assert response.json()["row_count"] == 3
    download = client.get(f"/api/v1/datasets/{response.json()['id']}/download", headers=team.viewer)
    assert download.content == data
