"""TF-IDF (character n-grams + word n-grams) with logistic regression or a calibrated linear SVM.

Character n-grams need no word segmentation; the word features use `tokens.word_tokens`
(jieba words for Chinese, letter/digit runs elsewhere), so any language mix works. When the
training texts hold no word at all (only symbols or single letters), the model is trained on
character n-grams alone. Saved with skops and loaded against an allowlist of types and
functions (no arbitrary code).
"""

import json
import threading
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from app.trainers.base import (
    ParamLabel,
    Predictor,
    Trainer,
    TrainerContext,
    TrainerError,
    TrainerParams,
    TrainResult,
)
from app.trainers.text.data import TEXT_META_FILE, TextData, input_texts, load_text
from app.trainers.text.metrics import evaluate, prediction
from app.trainers.text.tokens import word_tokens

MODEL_FILE = "model.skops"
VOCABULARY_FILE = "vocabulary.json"
TRUSTED_TYPES = (
    "app.trainers.text.tokens.word_tokens",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.frozen._frozen.FrozenEstimator",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.float32",
    "numpy.int64",
    "builtins.slice",
    "builtins.float",
    "builtins.int",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
    "scipy.sparse._dia.dia_matrix",
    "scipy.sparse._dia.dia_array",
)


class TfidfLinearParams(TrainerParams):
    """TF-IDF + linear classifier settings."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "classifier": ParamLabel(
            "分类器", "Classifier", "逻辑回归，或带 sigmoid 概率校准的线性 SVM。"
        ),
        "char_ngram_min": ParamLabel(
            "最短字符 n-gram", "Shortest char n-gram", "字符 n-gram 的最短长度。"
        ),
        "char_ngram_max": ParamLabel(
            "最长字符 n-gram", "Longest char n-gram", "字符 n-gram 的最长长度。"
        ),
        "word_ngram_max": ParamLabel(
            "最长词 n-gram", "Longest word n-gram", "词 n-gram 的最长长度（0：不用词特征）。"
        ),
        "max_features": ParamLabel("词表上限", "Vocabulary cap", "每种分析器的词表大小上限。"),
        "min_df": ParamLabel(
            "最少出现行数", "Min document frequency", "忽略出现在更少训练行中的 n-gram。"
        ),
        "sublinear_tf": ParamLabel("次线性词频", "Sublinear TF", "用 1 + log(tf) 代替原始词频。"),
        "regularization": ParamLabel(
            "正则参数 C", "Regularisation C", "线性模型的逆正则强度 C（越大正则越弱）。"
        ),
        "max_iter": ParamLabel("迭代次数", "Iterations", "求解器的迭代次数上限。"),
        "class_weight": ParamLabel("类别权重", "Class weight", "选「均衡」时提高少数类的权重。"),
        "multi_label": ParamLabel(
            "多标签", "Multi-label", "每条文本可有多个标签（每个标签一个二分类模型）。"
        ),
        "label_separator": ParamLabel(
            "标签分隔符", "Label separator", "多标签：单元格内标签之间的分隔符。"
        ),
    }

    classifier: Literal["logistic_regression", "linear_svm"] = Field(
        "logistic_regression",
        description="Logistic regression, or a linear SVM with sigmoid-calibrated probabilities.",
    )
    char_ngram_min: int = Field(1, ge=1, le=5, description="Shortest character n-gram.")
    char_ngram_max: int = Field(3, ge=1, le=6, description="Longest character n-gram.")
    word_ngram_max: int = Field(
        2,
        ge=0,
        le=3,
        description="Longest word n-gram (0: no word features); Chinese is segmented with jieba.",
    )
    max_features: int = Field(
        300_000, ge=100, le=5_000_000, description="Vocabulary cap per analyzer."
    )
    min_df: int = Field(1, ge=1, description="Ignore n-grams seen in fewer training rows.")
    sublinear_tf: bool = Field(True, description="Use 1 + log(tf) instead of raw counts.")
    regularization: float = Field(
        1.0, gt=0, description="Inverse strength C of the linear model (larger: less).."
    )
    max_iter: int = Field(1000, ge=10, le=100_000, description="Solver iterations.")
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="'balanced' weights rare classes up."
    )
    multi_label: bool = Field(
        False, description="Each text may carry several labels (one binary model per label)."
    )
    label_separator: str = Field(
        ",", min_length=1, max_length=5, description="Multi-label: separator inside a cell."
    )


def build_pipeline(p: TfidfLinearParams, seed: int, *, words: bool = True) -> Any:
    """The unfitted scikit-learn pipeline: FeatureUnion(char, word) → linear model."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    if p.char_ngram_min > p.char_ngram_max:
        raise TrainerError("char_ngram_min must not exceed char_ngram_max.", code="bad_params")
    common = {"sublinear_tf": p.sublinear_tf, "min_df": p.min_df, "max_features": p.max_features}
    parts: list[tuple[str, Any]] = [
        (
            "char",
            TfidfVectorizer(
                analyzer="char",
                ngram_range=(p.char_ngram_min, p.char_ngram_max),
                lowercase=True,
                **common,
            ),
        )
    ]
    if p.word_ngram_max and words:
        word = TfidfVectorizer(
            tokenizer=word_tokens,
            token_pattern=None,
            ngram_range=(1, p.word_ngram_max),
            lowercase=True,
            **common,
        )
        parts.append(("word", word))
    weight = "balanced" if p.class_weight == "balanced" else None
    model: Any
    if p.classifier == "logistic_regression":
        model = LogisticRegression(
            C=p.regularization, max_iter=p.max_iter, class_weight=weight, random_state=seed
        )
    else:
        svm = LinearSVC(
            C=p.regularization, max_iter=p.max_iter, class_weight=weight, random_state=seed
        )
        model = CalibratedClassifierCV(svm, method="sigmoid", cv=3)
    if p.multi_label:
        model = OneVsRestClassifier(model)
    return Pipeline([("features", FeatureUnion(parts)), ("model", model)])


def _vectorizers(pipeline: Any) -> list[tuple[str, Any]]:
    return list(pipeline.named_steps["features"].transformer_list)


def save_pipeline(pipeline: Any, folder: Path) -> None:
    """skops for the estimators; the vocabularies as JSON term lists (fast for 10⁵–10⁶ terms).

    `stop_words_` (every n-gram cut by max_features; introspection only) is dropped.
    """
    import skops.io as sio

    vocabularies = {}
    for name, vectorizer in _vectorizers(pipeline):
        terms = [""] * len(vectorizer.vocabulary_)
        for term, index in vectorizer.vocabulary_.items():
            terms[index] = term
        vocabularies[name] = terms
        vectorizer.stop_words_ = None
    kept = [v.__dict__.pop("vocabulary_") for _, v in _vectorizers(pipeline)]
    try:
        sio.dump(pipeline, folder / MODEL_FILE)
    finally:
        for (_, vectorizer), vocabulary in zip(_vectorizers(pipeline), kept, strict=True):
            vectorizer.vocabulary_ = vocabulary
    text = json.dumps(vocabularies, ensure_ascii=False)
    (folder / VOCABULARY_FILE).write_text(text, encoding="utf-8")


def load_pipeline(folder: Path) -> Any:
    """Load the skops file (allowlisted types only) and reattach the vocabularies."""
    import skops.io as sio

    path = folder / MODEL_FILE
    found = set(sio.get_untrusted_types(file=path))
    untrusted = found - set(TRUSTED_TYPES)
    if untrusted:
        raise TrainerError(
            f"Model file holds untrusted types: {', '.join(sorted(untrusted))}.",
            code="model_untrusted",
        )
    pipeline = sio.load(path, trusted=sorted(found))
    vocabularies = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
    for name, vectorizer in _vectorizers(pipeline):
        vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabularies[name])}
    return pipeline


def _meta(data: TextData, p: TfidfLinearParams) -> dict[str, Any]:
    return {
        "text_column": data.text_column,
        "classes": data.classes,
        "multi_label": p.multi_label,
    }


class TfidfLinearTrainer(Trainer):
    """Seconds on 100k rows; a strong baseline for intent, sentiment and routing."""

    task_type = "text_classification"
    name = "tfidf_linear"
    title = "TF-IDF + 线性模型 TF-IDF + linear"
    description = "Character + word n-gram TF-IDF with logistic regression or a linear SVM."
    Params = TfidfLinearParams
    requires = ("sklearn", "skops")

    def train(self, ctx: TrainerContext) -> TrainResult:
        """Split, fit the pipeline on train, score validation and test, save with skops."""
        p: TfidfLinearParams = ctx.params  # type: ignore[assignment]
        ctx.report_progress(0.0, message="loading data")
        data = load_text(ctx, multi_label=p.multi_label, separator=p.label_separator)
        ctx.log(
            f"rows {data.rows()}; dropped empty {data.dropped_rows}, "
            f"duplicates {data.duplicate_rows}"
        )
        pipeline = build_pipeline(p, ctx.seed, words=_has_words(ctx, p, data.texts["train"]))
        ctx.check_stop()
        ctx.report_progress(0.1, message="fitting")
        fit_labels = data.y["train"] if p.multi_label else np.asarray(data.y["train"])
        _fit(pipeline, data.texts["train"], fit_labels, p.min_df)
        ctx.check_stop()
        if data.texts["validation"]:
            proba = _proba(pipeline, data.texts["validation"], len(data.classes), p.multi_label)
            val, _ = evaluate(
                data.classes,
                data.y["validation"],
                proba,
                data.texts["validation"],
                multi_label=p.multi_label,
            )
            ctx.report_metrics(val, split="validation")
        proba = _proba(pipeline, data.texts["test"], len(data.classes), p.multi_label)
        metrics, report = evaluate(
            data.classes, data.y["test"], proba, data.texts["test"], multi_label=p.multi_label
        )
        ctx.report_metrics(metrics, split="test")
        report["rows"] = data.rows()
        report["rows_dropped"] = data.dropped_rows
        report["duplicates_removed"] = data.duplicate_rows
        save_pipeline(pipeline, ctx.output_dir)
        meta = _meta(data, p)
        (ctx.output_dir / TEXT_META_FILE).write_text(
            json.dumps(meta, ensure_ascii=False), encoding="utf-8"
        )
        ctx.report_progress(1.0, message="done")
        info = {
            "input_columns": [data.text_column],
            "classes": data.classes,
            "multi_label": p.multi_label,
        }
        return TrainResult(
            metrics=metrics,
            artifacts=[MODEL_FILE, VOCABULARY_FILE, TEXT_META_FILE],
            model_format="skops",
            report=report,
            info=info,
        )

    @classmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        """Load the skops pipeline, refusing any type outside the allowlist."""
        return TfidfPredictor(artifact_dir, metadata)


def _has_words(ctx: TrainerContext, p: TfidfLinearParams, texts: list[str]) -> bool:
    """Whether word features can be built: some training text holds a word (logged if not)."""
    if not p.word_ngram_max:
        return False
    if any(word_tokens(text.lower()) for text in texts):
        return True
    ctx.log(
        "No words in the training texts (only symbols or single letters): "
        "training on character n-grams only.",
        level="warning",
    )
    return False


def _fit(pipeline: Any, texts: list[str], labels: Any, min_df: int) -> None:
    """Fit; a vocabulary pruned to nothing by min_df is the person's to fix."""
    problem = TrainerError(
        f"No n-gram appears in at least min_df={min_df} of the {len(texts)} training rows; "
        "lower min_df.",
        code="empty_vocabulary",
    )
    if min_df > len(texts):
        raise problem
    try:
        pipeline.fit(texts, labels)
    except ValueError as exc:
        if "no terms remain" not in str(exc) and "empty vocabulary" not in str(exc):
            raise
        raise problem from exc


def _proba(pipeline: Any, texts: list[str], n_classes: int, multi_label: bool) -> np.ndarray:
    proba = np.asarray(pipeline.predict_proba(texts), dtype=np.float64)
    if multi_label and proba.ndim == 1:
        proba = proba.reshape(-1, n_classes)
    return proba


class TfidfPredictor(Predictor):
    """Serves the skops pipeline; rows are strings or {text column: string}."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        super().__init__(artifact_dir, metadata)
        meta = json.loads((artifact_dir / TEXT_META_FILE).read_text(encoding="utf-8"))
        self.text_column: str = meta["text_column"]
        self.classes: list[str] = meta["classes"]
        self.multi_label: bool = meta["multi_label"]
        self.pipeline = load_pipeline(artifact_dir)
        self._lock = threading.Lock()

    def input_columns(self) -> list[str]:
        """The one text column."""
        return [self.text_column]

    def predict(self, inputs: list[Any]) -> list[dict[str, Any]]:
        """Label (or labels) and probabilities per text."""
        texts = input_texts(inputs, self.text_column)
        with self._lock:
            proba = _proba(self.pipeline, texts, len(self.classes), self.multi_label)
        return [prediction(self.classes, row, multi_label=self.multi_label) for row in proba]
