"""Feature handling shared by tabular trainers: schema inference and the one feature encoder.

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


NUMBER_TYPES = frozenset({int, float, bool, type(None)})
TEXT_TYPES = frozenset({str, type(None)})

FIELD_TYPES: dict[str, Any] = {
    "numeric": float | None,  # JSON integers are read as floats; true/false are refused
    "boolean": bool | float | None,  # as in the row checks: any number counts
    "categorical": str | None,
}


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


class FeatureEncoder:
    """Turns features into the model's float matrix, the same way for training and serving.

    Number and true/false features become floats; a categorical feature becomes its position
    in the schema's categories (unknown categories and missing values → NaN). Three inputs,
    one set of lookups built once per schema:
    - `frame`: a pandas frame (training, held-out scoring);
    - `rows`: prediction rows as dicts; checks each feature is present with the right type
      and names the first bad row and column;
    - `body`: a predict request body read by msgspec straight into one typed struct per row
      (it checks every value while parsing and skips the dict per row). It takes a subset of
      what `rows` takes (not numbers in a text column, not NaN literals) and answers None
      for anything else, so the caller goes the `rows` way, which also says what is wrong.
    """

    def __init__(self, schema: list[dict[str, Any]]) -> None:
        self.schema = schema
        self._names = [entry["name"] for entry in schema]
        self._numbers = [j for j, entry in enumerate(schema) if entry["kind"] != "categorical"]
        self._codes = {
            j: {c: float(i) for i, c in enumerate(entry["categories"])}
            for j, entry in enumerate(schema)
            if entry["kind"] == "categorical"
        }
        self._pick = itemgetter(*self._names) if self._names else None
        self._decoder, fields = self._body_decoder()
        self._pick_numbers = (
            attrgetter(*(fields[j] for j in self._numbers)) if self._numbers else None
        )
        self._pick_categories = [(j, attrgetter(fields[j])) for j in self._codes]

    def _body_decoder(self) -> tuple[msgspec.json.Decoder[Any], list[str]]:
        fields = [f"f{j}" for j in range(len(self.schema))]
        row = msgspec.defstruct(
            "Row",
            [(fields[j], FIELD_TYPES[entry["kind"]]) for j, entry in enumerate(self.schema)],
            rename=dict(zip(fields, self._names, strict=True)),
            gc=False,  # rows hold no containers: nothing for the collector to track
        )
        inputs = ("inputs", list[row])  # type: ignore[valid-type]
        request = msgspec.defstruct("PredictBody", [inputs], forbid_unknown_fields=True)
        return msgspec.json.Decoder(request), fields

    def _categories(self, j: int, texts: Any) -> np.ndarray:
        """Positions of text values in feature j's categories (unknown or missing → NaN)."""
        return np.array(list(map(self._codes[j].get, texts)), dtype=np.float64)

    def frame(self, frame: pd.DataFrame) -> np.ndarray:
        """The float matrix of a frame's feature columns.

        A categorical column's distinct values are looked up once (as text, like every value
        would be) and the result is spread back over the rows.
        """
        out = np.empty((len(frame), len(self.schema)), dtype=np.float64)
        for j, name in enumerate(self._names):
            column = frame[name]
            if j in self._codes:
                codes, uniques = pd.factorize(column)
                text = pd.Series(uniques, dtype=column.dtype).astype("string")
                lookup = self._categories(j, (None if pd.isna(t) else t for t in text))
                out[:, j] = np.append(lookup, np.nan)[codes]  # factorize's -1 → the NaN
            else:
                out[:, j] = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy()
        return out

    def rows(self, inputs: list[dict[str, Any]]) -> np.ndarray:
        """Check prediction rows (each feature present, right type) and encode them.

        The feature values are picked from every row in one C-level pass (`itemgetter`) and
        transposed into columns; each column is then type-checked and converted as a whole.
        """
        if not inputs or self._pick is None:
            return np.empty((len(inputs), len(self.schema)), dtype=np.float64)
        try:
            picked = list(map(self._pick, inputs))
        except (KeyError, TypeError) as exc:
            raise _first_bad_row(inputs, self._names) or exc from None
        columns = list(zip(*picked, strict=True)) if len(self._names) > 1 else [tuple(picked)]
        out = np.empty((len(inputs), len(self.schema)), dtype=np.float64)
        for j, (values, entry) in enumerate(zip(columns, self.schema, strict=True)):
            values = _checked(values, entry)
            out[:, j] = (
                self._categories(j, values) if j in self._codes else np.array(values, np.float64)
            )
        return out

    def body(self, body: bytes, max_rows: int) -> np.ndarray | None:
        """The matrix of a valid predict body of 1 to `max_rows` rows; None otherwise.

        Number and true/false features are taken from every row at once into one block.
        """
        try:
            rows = self._decoder.decode(body).inputs
        except msgspec.MsgspecError:
            return None
        if not 0 < len(rows) <= max_rows:
            return None
        out = np.empty((len(rows), len(self.schema)), dtype=np.float64)
        if self._pick_numbers is not None:
            block = np.array(list(map(self._pick_numbers, rows)), dtype=np.float64)
            out[:, self._numbers] = block.reshape(len(rows), len(self._numbers))
        for j, pick in self._pick_categories:
            out[:, j] = self._categories(j, map(pick, rows))
        return out


def categorical_indices(schema: list[dict[str, Any]]) -> list[int]:
    """Positions of categorical features in the encoded matrix."""
    return [j for j, entry in enumerate(schema) if entry["kind"] == "categorical"]
