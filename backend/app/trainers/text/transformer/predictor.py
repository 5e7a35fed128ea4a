"""Serve a fine-tuned classifier: ONNX Runtime on CPU by default, PyTorch as the fallback."""

import json
import os
import threading
from pathlib import Path
from typing import Any

from app.trainers.base import Predictor
from app.trainers.text.data import TEXT_META_FILE, input_texts
from app.trainers.text.metrics import prediction
from app.trainers.text.transformer.encode import encode_texts
from app.trainers.text.transformer.runtime import (
    onnx_probabilities,
    onnx_session,
    torch_probabilities,
)

MODEL_DIR = "model"
SERVE_BATCH = 32


def offline() -> None:
    """Forbid any Hugging Face download in this process."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class TransformerPredictor(Predictor):
    """Tokenizes with the saved tokenizer and truncation policy, then runs the model."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any], runtime: str | None = None):
        from transformers import AutoTokenizer

        offline()
        super().__init__(artifact_dir, metadata)
        meta = json.loads((artifact_dir / TEXT_META_FILE).read_text(encoding="utf-8"))
        self.meta = meta
        self.text_column: str = meta["text_column"]
        self.classes: list[str] = meta["classes"]
        self.multi_label: bool = meta["multi_label"]
        self.runtime = runtime or meta["runtime"]
        model_dir = artifact_dir / MODEL_DIR
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        self.pad_id = int(self.tokenizer.pad_token_id or 0)
        self._lock = threading.Lock()
        self.session: Any = None
        self.model: Any = None
        if self.runtime == "onnx":
            self.session = onnx_session(artifact_dir / meta["onnx_file"])
        else:
            from transformers import AutoModelForSequenceClassification

            self.model = AutoModelForSequenceClassification.from_pretrained(
                str(model_dir), local_files_only=True, use_safetensors=True
            ).eval()

    def input_columns(self) -> list[str]:
        """The one text column."""
        return [self.text_column]

    def probabilities(self, texts: list[str]) -> Any:
        """Class probabilities (n, k) for raw texts."""
        with self._lock:
            rows = encode_texts(
                self.tokenizer, texts, self.meta["max_length"], self.meta["truncation"]
            )
            if self.session is None:
                return torch_probabilities(
                    self.model,
                    rows,
                    pad_id=self.pad_id,
                    batch_size=SERVE_BATCH,
                    multi_label=self.multi_label,
                )
        return onnx_probabilities(
            self.session,
            rows,
            pad_id=self.pad_id,
            batch_size=SERVE_BATCH,
            multi_label=self.multi_label,
        )

    def predict(self, inputs: list[Any]) -> list[dict[str, Any]]:
        """Label (or labels) and probabilities per text."""
        proba = self.probabilities(input_texts(inputs, self.text_column))
        return [prediction(self.classes, row, multi_label=self.multi_label) for row in proba]
