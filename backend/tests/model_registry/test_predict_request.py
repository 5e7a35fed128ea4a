"""The predict body parser: the fast path accepts exactly what the pydantic model accepts."""

import json
from typing import Any

import pytest
from pydantic import ValidationError

from app.model_registry.schemas import PredictRequest, parse_predict_request

ROW = {"年龄": 41, "city": "北京", "score": -0.125, "flag": True, "note": None, "tags": [1]}


@pytest.mark.parametrize(
    "inputs",
    [
        [ROW],
        [ROW] * 1000,
        ["  a text with spaces  ", ROW],
        [{}],
    ],
)
def test_valid_bodies_parse_to_what_pydantic_validates(inputs: list[Any]) -> None:
    body = json.dumps({"inputs": inputs}, ensure_ascii=False).encode()
    parsed = parse_predict_request(body)
    assert parsed == PredictRequest.model_validate_json(body)
    assert parsed.inputs == inputs


def test_literals_orjson_refuses_fall_back_to_pydantic() -> None:
    parsed = parse_predict_request(b'{"inputs": [{"x": NaN, "big": 123456789012345678901234}]}')
    row = parsed.inputs[0]
    assert isinstance(row, dict) and row["x"] != row["x"]
    assert row["big"] == 123456789012345678901234


@pytest.mark.parametrize(
    ("body", "error_type", "loc"),
    [
        (b'{"inputs": [', "json_invalid", ()),
        (b'{"inputs": []}', "too_short", ("inputs",)),
        (json.dumps({"inputs": [ROW] * 1001}).encode(), "too_long", ("inputs",)),
        (b'{"inputs": [{"a": 1}], "model": "x"}', "extra_forbidden", ("model",)),
        (b'{"rows": [{"a": 1}]}', "missing", ("inputs",)),
        (b'{"inputs": {"a": 1}}', "list_type", ("inputs",)),
        (b'{"inputs": [{"a": 1}, 7]}', "dict_type", ("inputs", 1, "dict[str,any]")),
        (b'[{"a": 1}]', "model_type", ()),
    ],
)
def test_invalid_bodies_raise_pydantic_errors_naming_the_field(
    body: bytes, error_type: str, loc: tuple[Any, ...]
) -> None:
    with pytest.raises(ValidationError) as error:
        parse_predict_request(body)
    errors = error.value.errors()
    assert errors[0]["type"] == error_type
    assert errors[0]["loc"] == loc
