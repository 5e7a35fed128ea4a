"""scikit-learn trainers: HistGradientBoosting and linear baselines, saved with skops."""

from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from app.trainers.base import ParamLabel, Predictor, TrainerContext, TrainerError, TrainerParams
from app.trainers.tabular.common import TabularPredictor, TabularTrainer
from app.trainers.tabular.data import TabularData, balanced_weights
from app.trainers.tabular.features import categorical_indices

MODEL_FILE = "model.skops"
CHUNK = 10
# Types a saved model may contain; anything else refuses to load (no arbitrary code).
TRUSTED_TYPES = (
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.link.Interval",
    "sklearn._loss._loss.CyHalfBinomialLoss",
    "sklearn._loss._loss.CyHalfMultinomialLoss",
    "sklearn._loss._loss.CyHalfSquaredError",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.pipeline.Pipeline",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.slice",
    "functools.partial",
    "sklearn.utils.validation.check_array",
)


class HistGBParams(TrainerParams):
    """HistGradientBoosting settings."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "max_iter": ParamLabel("迭代次数", "Iterations", "提升迭代次数的上限。"),
        "learning_rate": ParamLabel("学习率", "Learning rate", "每次迭代的收缩系数。"),
        "max_leaf_nodes": ParamLabel("叶子数", "Leaves", "每棵树的叶子数。"),
        "max_depth": ParamLabel("最大深度", "Max depth", "树的深度上限（空：不限）。"),
        "min_samples_leaf": ParamLabel(
            "叶子最少行数", "Min rows per leaf", "每个叶子至少包含的行数。"
        ),
        "l2_regularization": ParamLabel("L2 正则", "L2 regularisation", "L2 正则化强度。"),
        "early_stopping_rounds": ParamLabel(
            "早停轮数", "Early stopping rounds", "验证集连续这么多次迭代无提升则停止（0：关闭）。"
        ),
        "class_weight": ParamLabel(
            "类别权重", "Class weight", "分类任务：选「均衡」时提高少数类的权重。"
        ),
    }

    max_iter: int = Field(200, ge=1, le=10000, description="Boosting iterations (max).")
    learning_rate: float = Field(0.1, gt=0, le=1, description="Shrinkage per iteration.")
    max_leaf_nodes: int = Field(31, ge=2, le=4096, description="Leaves per tree.")
    max_depth: int | None = Field(None, ge=1, description="Tree depth limit (none: unlimited).")
    min_samples_leaf: int = Field(20, ge=1, description="Minimum rows in a leaf.")
    l2_regularization: float = Field(0.0, ge=0, description="L2 regularisation.")
    early_stopping_rounds: int = Field(
        10, ge=0, description="Stop after this many iterations without validation gain (0: off)."
    )
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="Classification: 'balanced' weights rare classes up."
    )


class LinearParams(TrainerParams):
    """Linear baseline settings (features standardised, missing values imputed)."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "regularization": ParamLabel(
            "正则强度", "Regularisation", "正则化强度（逻辑回归为 C 的倒数，岭回归为 α）。"
        ),
        "max_iter": ParamLabel("迭代次数", "Iterations", "求解器的迭代次数上限。"),
        "class_weight": ParamLabel(
            "类别权重", "Class weight", "分类任务：选「均衡」时提高少数类的权重。"
        ),
    }

    regularization: float = Field(
        1.0, gt=0, description="Strength (C⁻¹ for logistic, α for ridge)."
    )
    max_iter: int = Field(1000, ge=10, le=100000, description="Solver iterations.")
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="Classification: 'balanced' weights rare classes up."
    )


class _SkopsTrainer(TabularTrainer):
    requires = ("sklearn", "skops")
    model_file = MODEL_FILE
    model_format = "skops"

    @classmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        """Load the skops file, refusing any type outside the allowlist."""
        return SkopsPredictor(artifact_dir, metadata)

    def _save(self, ctx: TrainerContext, model: Any) -> None:
        import skops.io as sio

        sio.dump(model, ctx.output_dir / MODEL_FILE)

    def _scores(self, model: Any, x: np.ndarray) -> np.ndarray:
        return model.predict_proba(x) if self.classification else model.predict(x)


class _HistGB(_SkopsTrainer):
    Params = HistGBParams
    title = "HistGradientBoosting (scikit-learn)"
    description = "scikit-learn histogram gradient boosting; native missing values."

    def fit(self, ctx: TrainerContext, data: TabularData) -> tuple[np.ndarray, np.ndarray]:
        """Grow trees in chunks (progress, stop) with early stopping on the validation split."""
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        p: HistGBParams = ctx.params  # type: ignore[assignment]
        has_val = len(data.y["validation"]) > 0 and p.early_stopping_rounds > 0
        kwargs: dict[str, Any] = {
            "learning_rate": p.learning_rate,
            "max_leaf_nodes": p.max_leaf_nodes,
            "max_depth": p.max_depth,
            "min_samples_leaf": p.min_samples_leaf,
            "l2_regularization": p.l2_regularization,
            "random_state": ctx.seed,
            "categorical_features": categorical_indices(data.schema) or None,
            "early_stopping": has_val,
            "n_iter_no_change": max(p.early_stopping_rounds, 1),
            "warm_start": True,
        }
        if self.classification:
            model: Any = HistGradientBoostingClassifier(**kwargs)
        else:
            model = HistGradientBoostingRegressor(**kwargs)
        weights = None
        if self.classification and p.class_weight == "balanced":
            weights = balanced_weights(data.y["train"])
        val = {"X_val": data.x["validation"], "y_val": data.y["validation"]} if has_val else {}
        done = 0
        while done < p.max_iter:
            ctx.check_stop()
            done = min(done + CHUNK, p.max_iter)
            model.set_params(max_iter=done)
            model.fit(data.x["train"], data.y["train"], sample_weight=weights, **val)
            ctx.report_progress(0.05 + 0.9 * done / p.max_iter, step=done, total_steps=p.max_iter)
            if has_val and len(model.validation_score_):
                score = float(model.validation_score_[-1])
                ctx.report_metrics({"validation_score": score}, step=done, split="validation")
            if model.n_iter_ < done:
                break
        self._save(ctx, model)
        return self._scores(model, data.x["test"]), _permutation_importance(model, data)


def _permutation_importance(model: Any, data: TabularData) -> np.ndarray:
    from sklearn.inspection import permutation_importance

    rows = min(len(data.y["test"]), 1000)
    result = permutation_importance(
        model, data.x["test"][:rows], data.y["test"][:rows], n_repeats=3, random_state=0
    )
    return np.maximum(result.importances_mean, 0)


class _Linear(_SkopsTrainer):
    Params = LinearParams
    title = "线性基线 Linear baseline"
    description = "Logistic / ridge regression on standardised features: a quick baseline."

    def fit(self, ctx: TrainerContext, data: TabularData) -> tuple[np.ndarray, np.ndarray]:
        """Impute, standardise, fit a logistic or ridge model."""
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        p: LinearParams = ctx.params  # type: ignore[assignment]
        if categorical_indices(data.schema):
            ctx.log(
                "linear baseline: categorical columns are used by their category code",
                level="warning",
            )
        if self.classification:
            estimator: Any = LogisticRegression(
                C=1.0 / p.regularization,
                max_iter=p.max_iter,
                random_state=ctx.seed,
                class_weight="balanced" if p.class_weight == "balanced" else None,
            )
        else:
            estimator = Ridge(alpha=p.regularization)
        model = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                ("scale", StandardScaler()),
                ("model", estimator),
            ]
        )
        ctx.check_stop()
        model.fit(data.x["train"], data.y["train"])
        ctx.report_progress(0.9, message="fitted")
        self._save(ctx, model)
        coef = np.atleast_2d(model.named_steps["model"].coef_)
        return self._scores(model, data.x["test"]), np.abs(coef).sum(axis=0)


class SkopsPredictor(TabularPredictor):
    """Serves a skops-saved scikit-learn model (allowlisted types only)."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        import skops.io as sio

        super().__init__(artifact_dir, metadata)
        path = artifact_dir / MODEL_FILE
        untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
        if untrusted:
            raise TrainerError(
                f"model file contains untrusted types: {sorted(untrusted)}", code="model_untrusted"
            )
        self.model = sio.load(path, trusted=sorted(sio.get_untrusted_types(file=path)))

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities or values from the estimator."""
        if self.classification:
            return self.model.predict_proba(matrix)
        return self.model.predict(matrix)


class HistGBClassifierTrainer(_HistGB):
    """HistGradientBoosting classification."""

    task_type = "tabular_classification"
    name = "hist_gradient_boosting"
    classification = True


class HistGBRegressorTrainer(_HistGB):
    """HistGradientBoosting regression."""

    task_type = "tabular_regression"
    name = "hist_gradient_boosting"
    classification = False


class LinearClassifierTrainer(_Linear):
    """Logistic regression baseline."""

    task_type = "tabular_classification"
    name = "linear"
    classification = True


class LinearRegressorTrainer(_Linear):
    """Ridge regression baseline."""

    task_type = "tabular_regression"
    name = "linear"
    classification = False
