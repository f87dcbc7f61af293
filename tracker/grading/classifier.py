"""The level classifier: logistic regression on sentence embeddings plus rule features.

The model is a plain JSON file (coefficients, classes, the calibration curve and the
cross-validated figures it was shipped with), read without scikit-learn; training needs
scikit-learn and lives in ``tracker.grading.training``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "resources" / "grading_model.json"


@dataclass
class GradingModel:
    classes: list[str]
    coef: list[list[float]]
    intercept: list[float]
    embedding_model: str
    embedding_dim: int
    rule_features: list[str]
    embed_scale: float = 1.0
    calibration: dict[str, list[float]] = field(default_factory=dict)
    cv: dict[str, Any] = field(default_factory=dict)
    trained_on: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    trained_at: str = ""
    version: str = ""

    def fingerprint(self) -> str:
        blob = json.dumps([self.classes, self.coef, self.intercept, self.rule_features,
                           self.embed_scale, self.calibration], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:10]

    def design_matrix(self, embeddings: Any, rule_rows: list[list[float]]) -> Any:
        import numpy as np

        rules = np.asarray(rule_rows, dtype="float32").reshape(len(rule_rows), -1)
        if not self.embedding_dim:
            return rules
        emb = np.asarray(embeddings, dtype="float32").reshape(len(rule_rows), -1)
        return np.hstack([emb * self.embed_scale, rules])

    def predict_proba(self, X: Any) -> Any:
        """Class probabilities (rows in ``self.classes`` order)."""
        import numpy as np

        logits = np.asarray(X, dtype="float64") @ np.asarray(self.coef).T + np.asarray(
            self.intercept)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def calibrated(self, top_probability: float) -> float:
        """The probability that a call made with this top probability is right, read off the
        isotonic curve fitted on out-of-fold predictions (identity when there is none)."""
        import numpy as np

        xs, ys = self.calibration.get("x"), self.calibration.get("y")
        if not xs or not ys:
            return float(top_probability)
        return float(np.interp(top_probability, xs, ys))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.version = self.version or f"grading-{self.fingerprint()}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(asdict(self), separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)


def load_model(path: Path | None = None) -> GradingModel | None:
    """The model at ``path`` (default: the packaged one); ``None`` when there is none."""
    path = path or PACKAGED_MODEL
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    model = GradingModel(**data)
    model.version = model.version or f"grading-{model.fingerprint()}"
    return model


def user_model_path(data_dir: Path) -> Path:
    """Where ``tracker train grading`` writes a retrained model (it wins over the packaged one)."""
    return Path(data_dir) / "models" / "grading_model.json"


def active_model(data_dir: Path | None = None) -> GradingModel | None:
    """The user's retrained model when there is one, else the packaged model."""
    if data_dir is not None:
        user = load_model(user_model_path(data_dir))
        if user is not None:
            return user
    return load_model()
