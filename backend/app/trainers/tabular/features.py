"""Feature handling shared by tabular trainers: schema inference, encoding, row validation.

Numeric, boolean and categorical (string) columns are encoded into one float matrix; missing
values stay NaN (the boosting libraries handle them; the linear baseline imputes). The schema
is saved as `features.json` next to the model so serving encodes rows exactly like training.
"""

import math
from operator import attrgetter, itemgetter
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from app.trainers.base import PredictionInputError, TrainerError

MAX_CATEGORIES = 250
FEATURES_FILE = "features.json"


def resolve_columns(frame: pd.DataFrame, columns: dict[str, Any]) -> tuple[str, list[str]]:
    """The target column and the feature columns (all others when `features` is None)."""
    target = columns.get("target")
    if not target or target not in frame.columns:
        raise TrainerError(f"Target column '{target}' is not in the dataset.", code="bad_columns")
    features = columns.get("features") or [c for c in frame.columns if c != target]
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise TrainerError(
            f"Feature columns not in the dataset: {', '.join(missing)}.", code="bad_columns"
        )
    if target in features:
        raise TrainerError(
            f"Column '{target}' cannot be both target and feature.", code="bad_columns"
        )
    if not features:
        raise TrainerError("No feature columns to train on.", code="bad_columns")
    return target, list(features)


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    return "categorical"


def infer_schema(
    frame: pd.DataFrame, features: list[str], rows: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Per feature: name, kind and (categorical) the most frequent categories (of `rows`)."""
    schema = []
    for name in features:
        kind = _kind(frame[name])
        entry: dict[str, Any] = {"name": name, "kind": kind}
        if kind == "categorical":
            column = frame[name] if rows is None else frame[name].iloc[rows]
            counts = column.dropna().astype(str).value_counts()
            entry["categories"] = sorted(counts.index[:MAX_CATEGORIES].tolist())
        schema.append(entry)
    return schema


def _category_codes(column: pd.Series, categories: list[str]) -> np.ndarray:
    """Each value's position in `categories` as a float (unknown or missing → NaN).

    The distinct values are looked up once (as text, like every value would be) and the
    result is spread back over the rows.
    """
    codes, uniques = pd.factorize(column)
    text = pd.Series(uniques, dtype=column.dtype).astype("string")
    lookup = pd.Categorical(text, categories=categories).codes.astype(np.float64)
    lookup[lookup < 0] = np.nan
    return np.append(lookup, np.nan)[codes]  # factorize's -1 (missing) → the NaN at the end


def encode(frame: pd.DataFrame, schema: list[dict[str, Any]]) -> np.ndarray:
    """The float matrix for a frame (unknown categories and missing values → NaN)."""
    out = np.empty((len(frame), len(schema)), dtype=np.float64)
    for j, entry in enumerate(schema):
        column = frame[entry["name"]]
        if entry["kind"] == "categorical":
            out[:, j] = _category_codes(column, entry["categories"])
        else:
            out[:, j] = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy()
    return out


def categorical_indices(schema: list[dict[str, Any]]) -> list[int]:
    """Positions of categorical features in the encoded matrix."""
    return [j for j, entry in enumerate(schema) if entry["kind"] == "categorical"]


NUMBER_TYPES = frozenset({int, float, bool, type(None)})
TEXT_TYPES = frozenset({str, type(None)})


def _bad_value(row: int, name: str, kind: str, value: Any) -> PredictionInputError | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return PredictionInputError(
            f"Row {row}: column '{name}' must be a number, got {type(value).__name__}.",
            row=row,
            column=name,
        )
    if kind == "boolean" and not isinstance(value, bool | int):
        return PredictionInputError(
            f"Row {row}: column '{name}' must be true/false, got {type(value).__name__}.",
            row=row,
            column=name,
        )
    return None


def _checked(values: tuple[Any, ...], entry: dict[str, Any]) -> tuple[Any, ...]:
    """One feature's values, type-checked (the first bad row is named); categories as text."""
    name, kind = entry["name"], entry["kind"]
    types = set(map(type, values))
    if kind == "categorical":
        if types <= TEXT_TYPES:
            return values
        return tuple(None if v is None else str(v) for v in values)
    if not types <= NUMBER_TYPES or (kind == "numeric" and bool in types):
        for i, value in enumerate(values):
            error = _bad_value(i, name, kind, value)
            if error is not None:
                raise error
    return values


def _first_bad_row(inputs: list[Any], names: list[str]) -> PredictionInputError | None:
    """The error for the first row that is not an object or lacks a feature column."""
    for i, row in enumerate(inputs):
        if not isinstance(row, dict):
            return PredictionInputError(f"Row {i}: expected an object of column values.", row=i)
        missing = [name for name in names if name not in row]
        if missing:
            return PredictionInputError(
                f"Row {i}: missing column(s) {', '.join(missing)}.", row=i, column=missing[0]
            )
    return None


def _encoded_columns(columns: list[tuple[Any, ...]], schema: list[dict[str, Any]]) -> np.ndarray:
    """The float matrix from per-feature value tuples whose types are already checked."""
    out = np.empty((len(columns[0]), len(schema)), dtype=np.float64)
    for j, entry in enumerate(schema):
        if entry["kind"] == "categorical":
            codes = {c: float(i) for i, c in enumerate(entry["categories"])}
            out[:, j] = np.array(list(map(codes.get, columns[j])), dtype=np.float64)
        else:
            out[:, j] = np.array(columns[j], dtype=np.float64)
    return out


def encode_rows(inputs: list[dict[str, Any]], schema: list[dict[str, Any]]) -> np.ndarray:
    """Validate prediction rows (each feature present, right type) and encode them.

    The feature values are picked from every row in one C-level pass (`itemgetter`) and
    transposed into columns; each column is then type-checked and converted as a whole.
    """
    names = [entry["name"] for entry in schema]
    if not inputs:
        return np.empty((0, len(schema)), dtype=np.float64)
    pick = itemgetter(*names)
    try:
        picked = list(map(pick, inputs))
    except (KeyError, TypeError) as exc:
        raise _first_bad_row(inputs, names) or exc from None
    columns = list(zip(*picked, strict=True)) if len(names) > 1 else [tuple(picked)]
    return _encoded_columns(
        [_checked(values, entry) for values, entry in zip(columns, schema, strict=True)], schema
    )


FIELD_TYPES: dict[str, Any] = {
    "numeric": float | None,  # JSON integers are read as floats; true/false are refused
    "boolean": bool | float | None,  # as in `encode_rows`: any number counts
    "categorical": str | None,
}


class TypedRows:
    """Reads a predict body `{"inputs": [row, …]}` straight into typed rows (msgspec).

    Each row becomes a struct with one typed field per feature, so parsing checks every value
    and the matrix is built without a dict per row. It accepts a subset of what `encode_rows`
    accepts (e.g. not numbers in a text column, not NaN literals): `decode` answers None for
    anything else, and the caller takes the general path, which also names what is wrong.
    """

    def __init__(self, schema: list[dict[str, Any]]) -> None:
        field = [f"f{j}" for j in range(len(schema))]
        row = msgspec.defstruct(
            "Row",
            [(field[j], FIELD_TYPES[entry["kind"]]) for j, entry in enumerate(schema)],
            rename={field[j]: entry["name"] for j, entry in enumerate(schema)},
            gc=False,  # rows hold no containers: nothing for the collector to track
        )
        inputs = ("inputs", list[row])  # type: ignore[valid-type]
        request = msgspec.defstruct("PredictBody", [inputs], forbid_unknown_fields=True)
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(request)
        self._width = len(schema)
        self._numbers = [j for j, entry in enumerate(schema) if entry["kind"] != "categorical"]
        self._pick_numbers = (
            attrgetter(*(field[j] for j in self._numbers)) if self._numbers else None
        )
        self._categories = [
            (j, attrgetter(field[j]), {c: float(i) for i, c in enumerate(entry["categories"])})
            for j, entry in enumerate(schema)
            if entry["kind"] == "categorical"
        ]

    def decode(self, body: bytes, max_rows: int) -> np.ndarray | None:
        """The encoded matrix of a valid body of 1 to `max_rows` rows; None otherwise.

        Number and true/false features are taken from every row at once into one block;
        unknown categories and missing values become NaN, as in `encode_rows`.
        """
        try:
            rows = self._decoder.decode(body).inputs
        except msgspec.MsgspecError:
            return None
        if not 0 < len(rows) <= max_rows:
            return None
        out = np.empty((len(rows), self._width), dtype=np.float64)
        if self._pick_numbers is not None:
            block = np.array(list(map(self._pick_numbers, rows)), dtype=np.float64)
            out[:, self._numbers] = block.reshape(len(rows), len(self._numbers))
        for j, pick, codes in self._categories:
            out[:, j] = np.array(list(map(codes.get, map(pick, rows))), dtype=np.float64)
        return out
