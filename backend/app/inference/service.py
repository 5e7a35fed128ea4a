"""Load predictors (checksums verified) into a bounded LRU cache and predict."""

import gc
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.core.metrics import PREDICTION_LATENCY
from app.db.models import ModelVersion
from app.model_registry import storage
from app.model_registry.predict_access import ServedModel
from app.model_registry.schemas import MAX_PREDICT_ROWS
from app.trainers.base import PredictionInputError, Predictor, TrainerError
from app.trainers.registry import get_trainer

DEFAULT_CACHE_BYTES = 1024 * 1024 * 1024


class ModelCorrupted(UnprocessableInput):
    """The stored artifacts do not match their checksums."""

    status_code = 500
    code = "model_corrupted"


class PredictorCache:
    """Loaded predictors by version id; evicts least recently used past a byte budget."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[Predictor, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def get(self, key: str, size: int, load: Any) -> Predictor:
        """The cached predictor, loading it once even under concurrent requests."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:
                if key in self._items:
                    return self._items[key][0]
            predictor = load()
            with self._lock:
                self._items[key] = (predictor, size)
                self._loading.pop(key, None)
                while len(self._items) > 1 and self.total_bytes() > self.max_bytes:
                    self._items.popitem(last=False)
            return predictor

    def total_bytes(self) -> int:
        """Sum of the artifact sizes of cached models (a proxy for memory)."""
        return sum(size for _, size in self._items.values())

    def clear(self) -> None:
        """Forget every loaded model."""
        with self._lock:
            self._items.clear()


CACHE = PredictorCache()


def load_predictor(settings: Settings, version: ModelVersion) -> Predictor:
    """Verify every artifact's sha256, then let the trainer load it."""
    root = Path(settings.model_storage_path) / version.artifact_dir
    bad = storage.verify(root, version.artifacts)
    if bad:
        raise ModelCorrupted(f"Model files fail their checksum: {', '.join(bad)}.")
    metadata = {
        "task_type": version.task_type,
        "trainer": version.trainer,
        "columns": version.columns,
        "params": version.params,
        "info": version.info,
        "artifacts": {a["path"]: a["sha256"] for a in version.artifacts},
    }
    try:
        predictor = get_trainer(version.task_type, version.trainer).load_predictor(root, metadata)
    except TrainerError as exc:
        raise ModelCorrupted(exc.message, code=exc.code) from exc
    _freeze_long_lived()
    return predictor


def _freeze_long_lived() -> None:
    """Keep the collector's full passes off what a first load brings in (as app.main does).

    Loading the first model of a kind imports its libraries (LightGBM and pandas: ~60,000
    objects) that live as long as the process. Left to the collector, each full pass walked them
    (~30–40 ms, every ~25 requests of 1,000 rows). Frozen objects are still freed when their
    last reference goes, so an evicted model's memory is released as before.
    """
    gc.collect()
    gc.freeze()


def predictor_key(model_id: uuid.UUID, artifact_dir: str) -> str:
    """A model version's key in the predictor cache (new files, new key)."""
    return f"{model_id}:{artifact_dir}"


def predict(
    settings: Settings,
    model: ServedModel,
    body: bytes,
    parse: Callable[[bytes], list[Any]],
    load_version: Callable[[], ModelVersion],
) -> list[dict]:
    """Predict the rows of a request body with the (cached) model; bad rows → 422 naming them.

    The predictor reads the body itself when it can (`Predictor.predict_json`); otherwise
    `parse` turns it into rows (and raises for a malformed body). `load_version` gives the full
    model version; it is called only when the model is not cached yet.
    """
    started = time.perf_counter()
    key = predictor_key(model.id, model.artifact_dir)
    predictor = CACHE.get(key, model.size_bytes, lambda: load_predictor(settings, load_version()))
    try:
        results = predictor.predict_json(body, MAX_PREDICT_ROWS)
        if results is None:
            results = predictor.predict(parse(body))
    except PredictionInputError as exc:
        raise UnprocessableInput(
            exc.message,
            code="invalid_prediction_input",
            details={"row": exc.row, "column": exc.column},
        ) from exc
    PREDICTION_LATENCY.labels(task_type=model.task_type).observe(time.perf_counter() - started)
    return results
