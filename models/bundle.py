"""`BriefModel`: the featurizer and the four estimators the engine uses, saved as one directory.

Directory layout:
    meta.json          version, backend, labels, training-data hash, label counts, metrics, file hashes
    classifier.skops   featurizer + category + urgent estimators
    adoption.skops     adoption-level and 批示-level hurdle models
    transformer/       backend "transformer" only: the fine-tuned category classifier
                       (config.json, model.safetensors, tokenizer files; models/transformer.py)

`load` checks every file against the sha256 recorded in meta.json before reading it, and
refuses a transformer/ directory holding any file meta.json does not list.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.explain import category_evidence
from models.store import file_sha256, load_estimator, save_estimator
from review.brief import CATEGORIES
from review.errors import ModelError

FORMAT_VERSION = 1
MODEL_DIR_ENV = "BRIEFS_MODEL_DIR"
BACKENDS = ("linear", "transformer")
TRANSFORMER_DIR = "transformer"


@dataclass
class BriefModel:
    """Everything learned: text features, category and urgency classifiers, adoption models.

    With `transformer` (a fitted `models.transformer.TransformerClassifier`, backend
    "transformer") the category probabilities are the transformer's, averaged with the
    TF-IDF classifier's at weight `combine`; urgency, "same event" vectors and adoption
    stay the default model's.
    """

    featurizer: Any
    category: Any
    urgent: Any
    adoption: Any
    instruction: Any
    meta: dict = field(default_factory=dict)
    transformer: Any = None

    @property
    def fork_safe(self) -> bool:
        """Whether worker processes may be forked from a process holding this model. Not with a
        transformer: torch's thread pool, once started, deadlocks in a forked child."""
        return self.transformer is None

    @property
    def version(self) -> str:
        """The model version stamped into every review."""
        return str(self.meta.get("version", "unversioned"))

    @property
    def labels(self) -> tuple[str, ...]:
        """The category labels, in the column order of `predict_proba`."""
        return tuple(self.category.classes_)

    @property
    def backend(self) -> str:
        """"linear" (the default model) or "transformer"."""
        return "transformer" if self.transformer is not None else "linear"

    @property
    def combine(self) -> float:
        """Weight of the TF-IDF classifier when averaged with the transformer (0: the transformer alone)."""
        return float(self.meta.get("combine", 0.0))

    def predict_proba(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Category probabilities (n, 5) in `CATEGORIES` order and urgent probabilities (n,).

        X is an (n, 2) array of [title, body]. Pure: no checks, no side effects.
        """
        if len(X) == 0:
            return np.zeros((0, len(CATEGORIES))), np.zeros(0)
        return self._predict(self.featurizer.transform(X), X)

    def predict_and_embed(self, X) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """`predict_proba` and the `embed` vectors of the same rows, featurizing the text once.

        The same-event vectors are the featurizer's title + body TF-IDF block, so batch
        scoring takes them from the features instead of running the n-gram analyzer again.
        """
        text = self.featurizer.block("text_chars")
        if len(X) == 0:
            return np.zeros((0, len(CATEGORIES))), np.zeros(0), sp.csr_matrix((0, text.stop - text.start))
        feats = self.featurizer.transform(X)
        vectors = feats[:, text].tocsr()
        return (*self._predict(feats, X), vectors)

    def _predict(self, feats, X) -> tuple[np.ndarray, np.ndarray]:
        probs = _in_category_order(self.category.predict_proba(feats), self.category.classes_)
        if self.transformer is not None and self.combine < 1.0:
            weight = self.combine
            probs = weight * probs + (1.0 - weight) * _in_category_order(self.transformer.predict_proba(X),
                                                                       self.transformer.classes_)
        urgent_cols = list(self.urgent.classes_)
        urgent = (self.urgent.predict_proba(feats)[:, urgent_cols.index(True)] if True in urgent_cols
                  else np.zeros(feats.shape[0]))
        return probs, urgent

    def category_evidence(self, title: str, body: str, category: str) -> list[dict]:
        """The phrases that pushed the TF-IDF classifier to `category` (models.explain)."""
        return category_evidence(self, title, body, category)

    def embed(self, briefs) -> sp.csr_matrix:
        """L2-normalised TF-IDF vectors of briefs' text, for "same event" duplicate search."""
        return self.featurizer.text_vectors([b.title for b in briefs], [b.body for b in briefs])

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
        if self.transformer is not None:
            files.update(_save_transformer(self.transformer, path))
        meta = dict(self.meta, format=FORMAT_VERSION, files=files, labels=list(self.labels), backend=self.backend)
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
        backend = meta.get("backend", "linear")
        if backend not in BACKENDS:
            raise ModelError(f"模型后端 {backend} 不受支持(应为 {'、'.join(BACKENDS)})", code="model_format")
        names = ["classifier.skops", "adoption.skops"]
        if backend == "transformer":
            combine = meta.get("combine", 0.0)
            if isinstance(combine, bool) or not isinstance(combine, (int, float)) or not 0 <= combine <= 1:
                raise ModelError(f"meta.json 中的 combine 应为 0 到 1 之间的数(现为 {combine!r})", code="model_corrupt")
            names += _transformer_files(path, meta)
        for name in names:
            _verify_file(path, name, meta)
        parts = {}
        for name in ("classifier.skops", "adoption.skops"):
            parts.update(load_estimator(path / name))
        if backend == "transformer":
            from models.transformer import TransformerClassifier

            params = meta.get("transformer", {}).get("params", {})
            parts["transformer"] = TransformerClassifier.load(path / TRANSFORMER_DIR, params)
        model = cls(meta=meta, **parts)
        model.source_dir = path  # where worker processes started afresh load it from
        return model


def _in_category_order(raw: np.ndarray, classes) -> np.ndarray:
    """Probability columns rearranged from an estimator's `classes_` order into `CATEGORIES` order."""
    probs = np.zeros((raw.shape[0], len(CATEGORIES)))
    for j, label in enumerate(classes):
        probs[:, CATEGORIES.index(str(label))] = raw[:, j]
    return probs


def _verify_file(path: Path, name: str, meta: dict) -> None:
    """`ModelError` unless the file exists and its sha256 is the one meta.json records."""
    file = path / name
    if not file.is_file():
        raise ModelError(f"模型目录缺少文件 {name}", code="model_incomplete")
    if meta.get("files", {}).get(name) != file_sha256(file):
        raise ModelError(f"模型文件 {name} 与 meta.json 记录的校验值不符,可能被篡改或损坏,拒绝加载",
                         code="model_hash_mismatch")


def _transformer_files(path: Path, meta: dict) -> list[str]:
    """The transformer/ files meta.json lists; refuses a listing without weights or a directory with extra files.

    Hugging Face loaders pick files up by name (a pickled pytorch_model.bin, added
    tokens, remote code), so a file nobody recorded is refused rather than ignored.
    """
    from models.transformer import CONFIG_FILE, WEIGHTS_FILE

    prefix = TRANSFORMER_DIR + "/"
    listed = sorted(name for name in meta.get("files", {}) if name.startswith(prefix))
    for required in (WEIGHTS_FILE, CONFIG_FILE):
        if prefix + required not in listed:
            raise ModelError(f"模型目录的 meta.json 没有记录 {prefix}{required},模型不完整,拒绝加载",
                             code="model_incomplete")
    folder = path / TRANSFORMER_DIR
    present = {prefix + p.name for p in folder.iterdir()} if folder.is_dir() else set()
    extra = sorted(present - set(listed))
    if extra:
        raise ModelError(f"模型目录含有 meta.json 未记录的文件 {extra[0]},可能被篡改,拒绝加载",
                         code="model_unexpected_file")
    return listed


def _save_transformer(transformer, path: Path) -> dict[str, str]:
    """Write the transformer into path/transformer/, replacing any earlier one whole; its files' hashes."""
    import shutil

    folder = path / TRANSFORMER_DIR
    staging = path / f".{TRANSFORMER_DIR}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        names = transformer.save(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    staging.replace(folder)
    return {f"{TRANSFORMER_DIR}/{name}": file_sha256(folder / name) for name in names}


def default_model_dir() -> Path:
    """Where `make model` puts the default model: var/models/default under the repo root."""
    return Path(__file__).resolve().parent.parent / "var" / "models" / "default"
