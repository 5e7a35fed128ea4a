"""Prediction-row encoding: same matrix as training, errors naming the row and column."""

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest

from app.trainers.base import PredictionInputError
from app.trainers.tabular.features import FeatureEncoder, infer_schema
from tests.trainers.conftest import frame_rows

SCHEMA: list[dict[str, Any]] = [
    {"name": "size", "kind": "numeric"},
    {"name": "city", "kind": "categorical", "categories": ["1", "上海", "北京"]},
    {"name": "flag", "kind": "boolean"},
]


def test_rows_encode_exactly_like_the_training_frame(tables: dict[str, Path]) -> None:
    frame = pd.read_parquet(tables["cancer"]).drop(columns=["target"])
    schema = infer_schema(frame, list(frame.columns))
    assert {e["kind"] for e in schema} == {"numeric", "categorical", "boolean"}
    rows = frame_rows(tables["cancer"], "target", len(frame))
    np.testing.assert_array_equal(
        FeatureEncoder(schema).rows(rows), FeatureEncoder(schema).frame(frame)
    )


def test_values_missing_unknown_and_mixed_types() -> None:
    rows = [
        {"size": 1, "city": "北京", "flag": True, "extra": "ignored"},
        {"size": 2.5, "city": "深圳", "flag": 0},
        {"size": None, "city": None, "flag": None},
        {"size": float("nan"), "city": 1, "flag": 1.0},
    ]
    expected = [[1.0, 2.0, 1.0], [2.5, np.nan, 0.0], [np.nan] * 3, [np.nan, 0.0, 1.0]]
    np.testing.assert_array_equal(FeatureEncoder(SCHEMA).rows(rows), np.array(expected))


def test_a_body_read_into_typed_rows_encodes_like_the_training_frame(
    tables: dict[str, Path],
) -> None:
    frame = pd.read_parquet(tables["cancer"]).drop(columns=["target"])
    schema = infer_schema(frame, list(frame.columns))
    rows = frame_rows(tables["cancer"], "target", len(frame))
    body = orjson.dumps({"inputs": rows}, option=orjson.OPT_SERIALIZE_NUMPY)
    np.testing.assert_array_equal(
        FeatureEncoder(schema).body(body, len(rows)), FeatureEncoder(schema).frame(frame)
    )


def test_typed_rows_take_what_the_row_path_takes() -> None:
    rows = [
        {"size": 1, "city": "北京", "flag": True, "extra": "ignored"},
        {"size": 2.5, "city": "深圳", "flag": 0},
        {"size": None, "city": None, "flag": None},
        {"size": -3e10, "city": "1", "flag": 1.0},
    ]
    body = orjson.dumps({"inputs": rows})
    np.testing.assert_array_equal(
        FeatureEncoder(SCHEMA).body(body, 4), FeatureEncoder(SCHEMA).rows(rows)
    )
    one = [{"name": "size", "kind": "numeric"}]
    np.testing.assert_array_equal(
        FeatureEncoder(one).body(b'{"inputs": [{"size": 3}, {"size": 4.5}]}', 2), [[3.0], [4.5]]
    )
    text_only = [SCHEMA[1]]
    body = '{"inputs": [{"city": "北京"}, {"city": "深圳"}, {"city": null}]}'.encode()
    np.testing.assert_array_equal(
        FeatureEncoder(text_only).body(body, 3), [[2.0], [np.nan], [np.nan]]
    )


ROW = '{"size": 1, "city": "x", "flag": true}'


@pytest.mark.parametrize(
    "body",
    [
        f'{{"inputs": [{ROW}, {{"size": 1, "city": 7, "flag": true}}]}}',  # number as category
        f'{{"inputs": [{ROW}, {{"size": "1", "city": "x", "flag": true}}]}}',
        f'{{"inputs": [{ROW}, {{"size": true, "city": "x", "flag": true}}]}}',
        f'{{"inputs": [{ROW}, {{"size": 1, "city": "x", "flag": "yes"}}]}}',
        f'{{"inputs": [{ROW}, {{"size": 1, "city": "x"}}]}}',
        f'{{"inputs": [{ROW}, {{"size": NaN, "city": "x", "flag": true}}]}}',
        f'{{"inputs": [{ROW}, "text"]}}',
        f'{{"inputs": [{ROW}], "model": "other"}}',
        f'{{"inputs": [{ROW}, {ROW}, {ROW}]}}',  # over max_rows
        '{"inputs": []}',
        f'{{"inputs": {ROW}}}',
        f"[{ROW}]",
        f'{{"inputs": [{ROW}',
    ],
)
def test_typed_rows_leave_every_other_body_to_the_row_path(body: str) -> None:
    assert FeatureEncoder(SCHEMA).body(body.encode(), 2) is None


def test_one_feature_and_no_rows() -> None:
    one = [{"name": "size", "kind": "numeric"}]
    np.testing.assert_array_equal(
        FeatureEncoder(one).rows([{"size": 3}, {"size": 4.5}]), [[3.0], [4.5]]
    )
    assert FeatureEncoder(SCHEMA).rows([]).shape == (0, 3)
    with pytest.raises(PredictionInputError, match="Row 1: missing column"):
        FeatureEncoder(one).rows([{"size": 3}, {"other": 1}])


@pytest.mark.parametrize(
    ("rows", "row", "column", "message"),
    [
        ([{"size": 1, "city": "x", "flag": True}, {"size": 1}], 1, "city", "missing column"),
        ([{"size": 1, "city": "x", "flag": True}, "text"], 1, None, "expected an object"),
        ([{"size": 1, "city": "x", "flag": True}, None], 1, None, "expected an object"),
        (
            [{"size": 1, "city": "x", "flag": True}, {"size": "2", "city": "x", "flag": True}],
            1,
            "size",
            "'size' must be a number, got str",
        ),
        ([{"size": True, "city": "x", "flag": True}], 0, "size", "must be a number, got bool"),
        ([{"size": 1, "city": "x", "flag": "yes"}], 0, "flag", "must be true/false, got str"),
        ([{"size": [1], "city": "x", "flag": True}], 0, "size", "must be a number, got list"),
    ],
)
def test_errors_name_the_first_bad_row_and_column(
    rows: list[Any], row: int, column: str | None, message: str
) -> None:
    with pytest.raises(PredictionInputError, match=message) as error:
        FeatureEncoder(SCHEMA).rows(rows)
    assert (error.value.row, error.value.column) == (row, column)
    assert error.value.message.startswith(f"Row {row}: ")
