"""Error answers never show where the server keeps its files."""

import tempfile
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.errors import UnprocessableInput
from app.core.redact import SERVER_PATH
from app.main import create_app
from tests.conftest import make_settings


def test_server_paths_in_error_messages_are_replaced(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path)
    app = create_app(settings)
    staged = settings.data_storage_path / ".tmp" / "8c1f" / "upload.bin"
    scratch = Path(tempfile.gettempdir()) / "pyarrow-spill" / "part-0"

    @app.get("/api/v1/raise-with-paths")
    def raise_with_paths() -> None:
        raise UnprocessableInput(
            f"Could not open Parquet input source '{staged}': magic bytes not found",
            code="bad_parquet",
            details={"files": [str(scratch)], "column": "金额"},
        )

    with TestClient(app) as client:
        response = client.get("/api/v1/raise-with-paths")
    assert response.status_code == 422
    body = response.text
    assert str(settings.data_storage_path) not in body and tempfile.gettempdir() not in body
    error = response.json()["error"]
    assert error["message"] == (
        f"Could not open Parquet input source '{SERVER_PATH}': magic bytes not found"
    )
    assert error["details"] == {"files": [SERVER_PATH], "column": "金额"}
