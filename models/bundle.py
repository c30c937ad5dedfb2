"""`BriefModel`: the featurizer and the four estimators the engine uses, saved as one directory.

Directory layout:
    meta.json          version, labels, training-data hash, label counts, metrics, file hashes
    classifier.skops   featurizer + category + urgent estimators
    adoption.skops     adoption-level and 批示-level hurdle models

`load` checks every file against the sha256 recorded in meta.json before reading it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.store import file_sha256, load_estimator, save_estimator
from review.brief import CATEGORIES
from review.errors import ModelError

FORMAT_VERSION = 1
MODEL_DIR_ENV = "BRIEFS_MODEL_DIR"


@dataclass
class BriefModel:
    """Everything learned: text features, category and urgency classifiers, adoption models."""

    featurizer: Any
    category: Any
    urgent: Any
    adoption: Any
    instruction: Any
    meta: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The model version stamped into every review."""
        return str(self.meta.get("version", "unversioned"))

    @property
    def labels(self) -> tuple[str, ...]:
        """The category labels, in the column order of `predict_proba`."""
        return tuple(self.category.classes_)

    def predict_proba(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Category probabilities (n, 5) in `CATEGORIES` order and urgent probabilities (n,).

        X is an (n, 2) array of [title, body]. Pure: no checks, no side effects.
        """
        if len(X) == 0:
            return np.zeros((0, len(CATEGORIES))), np.zeros(0)
        return self._predict(self.featurizer.transform(X))

    def predict_and_embed(self, X) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """`predict_proba` and the `embed` vectors of the same rows, featurizing the text once.

        The same-event vectors are the featurizer's title + body TF-IDF block, so batch
        scoring takes them from the features instead of running the n-gram analyzer again.
        """
        if len(X) == 0:
            return np.zeros((0, len(CATEGORIES))), np.zeros(0), sp.csr_matrix((0, len(self.featurizer.text_vec_.vocabulary_)))
        feats = self.featurizer.transform(X)
        start = len(self.featurizer.title_vec_.vocabulary_)
        vectors = feats[:, start:start + len(self.featurizer.text_vec_.vocabulary_)].tocsr()
        return (*self._predict(feats), vectors)

    def _predict(self, feats) -> tuple[np.ndarray, np.ndarray]:
        raw = self.category.predict_proba(feats)
        probs = np.zeros((raw.shape[0], len(CATEGORIES)))
        for j, label in enumerate(self.category.classes_):
            probs[:, CATEGORIES.index(label)] = raw[:, j]
        urgent_cols = list(self.urgent.classes_)
        urgent = (self.urgent.predict_proba(feats)[:, urgent_cols.index(True)] if True in urgent_cols
                  else np.zeros(feats.shape[0]))
        return probs, urgent

    def embed(self, briefs) -> sp.csr_matrix:
        """L2-normalised TF-IDF vectors of briefs' text, for "same event" duplicate search."""
        from models.features import strip_space

        return self.featurizer.text_vec_.transform([strip_space(f"{b.title} {b.body}") for b in briefs])

    def predict_outcomes(self, F: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Adoption-level and 批示-level probabilities, by level name, from adoption features."""
        def by_level(model) -> dict[str, np.ndarray]:
            probs = model.predict_proba(F)
            return {str(label): probs[:, j] for j, label in enumerate(model.classes_)}
        return by_level(self.adoption), by_level(self.instruction)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the model directory (created if needed); returns its path."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        files = {
            "classifier.skops": save_estimator({"featurizer": self.featurizer, "category": self.category,
                                                "urgent": self.urgent}, path / "classifier.skops"),
            "adoption.skops": save_estimator({"adoption": self.adoption, "instruction": self.instruction},
                                             path / "adoption.skops"),
        }
        meta = dict(self.meta, format=FORMAT_VERSION, files=files, labels=list(self.labels))
        tmp = path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path / "meta.json")
        self.meta = meta
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BriefModel":
        """Read a model directory written by `save`, verifying every file's hash first."""
        path = Path(path)
        meta_path = path / "meta.json"
        if not meta_path.is_file():
            raise ModelError(f"{path} 不是模型目录(缺少 meta.json)。请先运行 `briefs train` 或 `make model`。",
                             code="model_not_found")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ModelError(f"{meta_path} 已损坏,无法解析", code="model_corrupt") from None
        if meta.get("format") != FORMAT_VERSION:
            raise ModelError(f"模型格式版本 {meta.get('format')} 不受支持(需要 {FORMAT_VERSION})", code="model_format")
        parts = {}
        for name in ("classifier.skops", "adoption.skops"):
            file = path / name
            if not file.is_file():
                raise ModelError(f"模型目录缺少文件 {name}", code="model_incomplete")
            expected = meta.get("files", {}).get(name)
            if expected != file_sha256(file):
                raise ModelError(f"模型文件 {name} 与 meta.json 记录的校验值不符,可能被篡改或损坏,拒绝加载",
                                 code="model_hash_mismatch")
            parts.update(load_estimator(file))
        return cls(meta=meta, **parts)


def load_model(path: str | os.PathLike | None = None) -> BriefModel:
    """The model at `path`, else $BRIEFS_MODEL_DIR, else the default model prepared at set-up."""
    if path is None:
        path = os.environ.get(MODEL_DIR_ENV) or default_model_dir()
    return BriefModel.load(path)


def default_model_dir() -> Path:
    """Where `make model` puts the default model: var/models/default under the repo root."""
    return Path(__file__).resolve().parent.parent / "var" / "models" / "default"
