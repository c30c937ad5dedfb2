"""Saving and loading estimators with skops, refusing anything not on an allowlist.

skops never runs code on load the way pickle does, but it will still build any type it
is told to trust. We trust exactly the types our models are made of: scikit-learn,
NumPy and SciPy internals, and our own estimators and tokenizer. A file naming any
other type (a tampered or foreign model) is refused.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import skops.io as sio

from review.errors import ModelError

_OWN_TYPES = {
    "models.features.BriefFeaturizer",
    "models.features.CompactTfidfVectorizer",
    "models.features.title_words",
    "models.hurdle.HurdleClassifier",
}
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.sparse.", "builtins.slice", "builtins.frozenset")


def save_estimator(obj, path: Path) -> str:
    """Write `obj` as a .skops file; returns the file's sha256."""
    sio.dump(obj, path, compression=zipfile.ZIP_DEFLATED)
    return file_sha256(path)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_estimator(path: Path):
    """Load a .skops file whose every type is on the allowlist; `ModelError` otherwise."""
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a corrupt zip or JSON inside: skops raises several types
        raise ModelError(f"模型文件 {path.name} 已损坏,无法读取:{type(exc).__name__}", code="model_corrupt") from None
    refused = [t for t in untrusted if t not in _OWN_TYPES and not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelError(f"模型文件 {path.name} 含有不受信任的类型 {refused[0]},拒绝加载", code="model_untrusted")
    try:
        return sio.load(path, trusted=untrusted)
    except Exception as exc:
        raise ModelError(f"模型文件 {path.name} 已损坏,无法读取:{type(exc).__name__}", code="model_corrupt") from None
