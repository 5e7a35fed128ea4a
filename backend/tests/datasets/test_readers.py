"""The parallel CSV read: quoted line breaks survive block splits; unquoted files read alike."""

import csv
import io
from pathlib import Path

import pytest

from app.datasets.readers import read_delimited_table
from app.datasets.sniff import sniff


@pytest.mark.parametrize("quoted", [True, False])
def test_parallel_read_matches_the_csv_module(tmp_path: Path, quoted: bool) -> None:
    """A few MB (several parallel blocks); when quoted, every other value spans two lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "评论"])
    for i in range(120_000):
        text = f"第{i}行\n换行,逗号" if quoted and i % 2 == 0 else f"评论{i}"
        writer.writerow([i, text])
    path = tmp_path / "rows.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    table = read_delimited_table(path, sniff(path, path.name))
    expected = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert table.column_names == expected[0]
    assert table.column("id").to_pylist() == [row[0] for row in expected[1:]]
    assert table.column("评论").to_pylist() == [row[1] for row in expected[1:]]
