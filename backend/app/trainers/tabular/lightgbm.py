"""LightGBM trainers (the tabular default): early stopping, checkpoints every few rounds."""

import time
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from app.trainers.base import ParamLabel, Predictor, TrainerContext, TrainerParams
from app.trainers.tabular.common import TabularPredictor, TabularTrainer
from app.trainers.tabular.data import TabularData, balanced_weights
from app.trainers.tabular.features import categorical_indices

MODEL_FILE = "model.txt"
SMALL_BATCH = 200  # below this, one thread predicts faster than an OpenMP team
CHECKPOINT_BUDGET = 0.02  # share of the training time that checkpoints may take


class LightGBMParams(TrainerParams):
    """LightGBM settings."""

    labels: ClassVar[dict[str, ParamLabel]] = {
        "n_estimators": ParamLabel("提升轮数", "Boosting rounds", "提升轮数的上限。"),
        "learning_rate": ParamLabel("学习率", "Learning rate", "每轮的收缩系数。"),
        "num_leaves": ParamLabel("叶子数", "Leaves", "每棵树的叶子数。"),
        "max_depth": ParamLabel("最大深度", "Max depth", "树的深度上限（-1：不限）。"),
        "min_child_samples": ParamLabel(
            "叶子最少行数", "Min rows per leaf", "每个叶子至少包含的行数。"
        ),
        "subsample": ParamLabel("行采样比例", "Row fraction", "每轮使用的行比例。"),
        "colsample_bytree": ParamLabel(
            "特征采样比例", "Feature fraction", "每棵树使用的特征比例。"
        ),
        "reg_lambda": ParamLabel("L2 正则", "L2 regularisation", "L2 正则化强度。"),
        "early_stopping_rounds": ParamLabel(
            "早停轮数", "Early stopping rounds", "验证集连续这么多轮无提升则停止（0：关闭）。"
        ),
        "class_weight": ParamLabel(
            "类别权重", "Class weight", "分类任务：选「均衡」时提高少数类的权重。"
        ),
        "num_threads": ParamLabel("线程数", "Threads", "训练线程数（0：LightGBM 默认）。"),
        "checkpoint_every": ParamLabel(
            "检查点间隔", "Checkpoint every", "每 N 轮保存一次可恢复的模型。"
        ),
    }

    n_estimators: int = Field(200, ge=1, le=20000, description="Boosting rounds (max).")
    learning_rate: float = Field(0.1, gt=0, le=1, description="Shrinkage per round.")
    num_leaves: int = Field(31, ge=2, le=4096, description="Leaves per tree.")
    max_depth: int = Field(-1, ge=-1, le=64, description="Tree depth limit (-1: none).")
    min_child_samples: int = Field(20, ge=1, description="Minimum rows in a leaf.")
    subsample: float = Field(1.0, gt=0, le=1, description="Row fraction per round.")
    colsample_bytree: float = Field(1.0, gt=0, le=1, description="Feature fraction per tree.")
    reg_lambda: float = Field(0.0, ge=0, description="L2 regularisation.")
    early_stopping_rounds: int = Field(
        20, ge=0, description="Stop after this many rounds without validation gain (0: off)."
    )
    class_weight: Literal["none", "balanced"] = Field(
        "none", description="Classification: 'balanced' weights rare classes up."
    )
    num_threads: int = Field(0, ge=0, description="Threads (0: LightGBM's default).")
    checkpoint_every: int = Field(
        50,
        ge=1,
        description=(
            "Save a resumable model every N rounds (less often once saving the grown model "
            "would take over 2% of the training time)."
        ),
    )


class _LightGBMMixin(TabularTrainer):
    Params = LightGBMParams
    requires = ("lightgbm",)
    model_file = MODEL_FILE
    model_format = "lightgbm-text"
    supports_checkpoints = True

    def _objective(self, data: TabularData) -> dict[str, Any]:
        if not self.classification:
            return {"objective": "regression", "metric": ["l2"]}
        if len(data.classes) == 2:
            return {"objective": "binary", "metric": ["binary_logloss"]}
        return {
            "objective": "multiclass",
            "num_class": len(data.classes),
            "metric": ["multi_logloss"],
        }

    def fit(self, ctx: TrainerContext, data: TabularData) -> tuple[np.ndarray, np.ndarray]:
        """Train with early stopping on the validation split; resume from a checkpoint."""
        import lightgbm as lgb

        p: LightGBMParams = ctx.params  # type: ignore[assignment]
        params = {
            **self._objective(data),
            "learning_rate": p.learning_rate,
            "num_leaves": p.num_leaves,
            "max_depth": p.max_depth,
            "min_child_samples": p.min_child_samples,
            "bagging_fraction": p.subsample,
            "bagging_freq": 1 if p.subsample < 1 else 0,
            "seed": ctx.seed,
            "feature_fraction": p.colsample_bytree,
            "lambda_l2": p.reg_lambda,
            "verbosity": -1,
            "deterministic": True,
            "num_threads": p.num_threads,
        }
        weights = None
        if self.classification and p.class_weight == "balanced":
            weights = balanced_weights(data.y["train"])
        categorical = categorical_indices(data.schema)
        train = lgb.Dataset(
            data.x["train"],
            data.y["train"],
            weight=weights,
            categorical_feature=categorical,
            free_raw_data=False,
        )
        valid_sets: list[Any] = []
        callbacks: list[Any] = [_Reporter(ctx, p)]
        if len(data.y["validation"]):
            valid_sets = [
                lgb.Dataset(
                    data.x["validation"],
                    data.y["validation"],
                    categorical_feature=categorical,
                    reference=train,
                )
            ]
            if p.early_stopping_rounds:
                callbacks.append(lgb.early_stopping(p.early_stopping_rounds, verbose=False))
        init_model, done = _resume_point(ctx)
        booster = lgb.train(
            params,
            train,
            num_boost_round=max(p.n_estimators - done, 1),
            valid_sets=valid_sets,
            valid_names=["validation"][: len(valid_sets)],
            callbacks=callbacks,
            init_model=init_model,
        )
        best = booster.best_iteration or booster.current_iteration()
        booster.save_model(str(ctx.output_dir / MODEL_FILE), num_iteration=best)
        scores = np.asarray(booster.predict(data.x["test"], num_iteration=best))
        if self.classification and len(data.classes) == 2:
            scores = np.column_stack([1 - scores, scores])
        return scores, booster.feature_importance(importance_type="gain")

    @classmethod
    def load_predictor(cls, artifact_dir: Path, metadata: dict[str, Any]) -> Predictor:
        """Load the LightGBM text model."""
        return LightGBMPredictor(artifact_dir, metadata)


def _resume_point(ctx: TrainerContext) -> tuple[str | None, int]:
    latest = ctx.latest_checkpoint()
    if latest is None:
        return None, 0
    done = int(latest.stem.rsplit("-", 1)[-1])
    ctx.log(f"resuming from checkpoint {latest.name} ({done} rounds done)")
    return str(latest), done


class _Reporter:
    """LightGBM callback: progress, validation metrics, checkpoints, cooperative stop."""

    order = 5

    def __init__(self, ctx: TrainerContext, params: LightGBMParams) -> None:
        self.ctx = ctx
        self.params = params
        self.every = max(1, params.n_estimators // 200)
        self.started = time.monotonic()
        self.saving = 0.0  # seconds spent writing checkpoints

    def _checkpoint(self, env: Any, iteration: int, total: int) -> None:
        """Save the model so far when due, within the budget (a save rewrites every tree)."""
        if iteration % self.params.checkpoint_every:
            return
        began = time.monotonic()
        if iteration != total and self.saving > CHECKPOINT_BUDGET * (began - self.started):
            return
        env.model.save_model(str(self.ctx.checkpoint_dir / f"model-{iteration:06d}.txt"))
        self.saving += time.monotonic() - began

    def __call__(self, env: Any) -> None:
        self.ctx.check_stop()
        iteration = env.iteration + 1
        total = env.end_iteration
        if iteration % self.every == 0 or iteration == total:
            values = {f"{name}": float(value) for _, name, value, _ in env.evaluation_result_list}
            if values:
                self.ctx.report_metrics(values, step=iteration, split="validation")
        self._checkpoint(env, iteration, total)
        self.ctx.report_progress(
            0.05 + 0.9 * iteration / max(total, 1), step=iteration, total_steps=total
        )


class LightGBMPredictor(TabularPredictor):
    """Serves a LightGBM text model."""

    def __init__(self, artifact_dir: Path, metadata: dict[str, Any]) -> None:
        import lightgbm as lgb

        super().__init__(artifact_dir, metadata)
        self.booster = lgb.Booster(model_file=str(artifact_dir / MODEL_FILE))

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Probabilities or values from the booster."""
        if len(matrix) < SMALL_BATCH:
            out = np.asarray(self.booster.predict(matrix, num_threads=1))
        else:
            out = np.asarray(self.booster.predict(matrix))
        if self.classification and out.ndim == 1:
            return np.column_stack([1 - out, out])
        return out


class LightGBMClassifierTrainer(_LightGBMMixin):
    """Gradient-boosted trees (LightGBM) for classification."""

    task_type = "tabular_classification"
    name = "lightgbm"
    title = "LightGBM 梯度提升树"
    description = "Fast gradient-boosted trees; handles numbers, categories and missing values."
    classification = True


class LightGBMRegressorTrainer(_LightGBMMixin):
    """Gradient-boosted trees (LightGBM) for regression."""

    task_type = "tabular_regression"
    name = "lightgbm"
    title = "LightGBM 梯度提升树"
    description = "Fast gradient-boosted trees; handles numbers, categories and missing values."
    classification = False
