"""Saving and loading estimators with skops, refusing anything not on an allowlist.

skops never runs code on load the way pickle does, but it will still build any type it
is told to trust. We trust exactly the types our models are made of: scikit-learn,
NumPy and SciPy internals, and our own estimators and tokenizer. A file naming any
other type (a tampered or foreign model) is refused.
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

from review.errors import ModelError


def _import_skops():
    """`import skops.io`, without the torch and Dask imports it would set off (about 1.4 s).

    At import, skops lists scikit-learn's estimators; the listing imports every package
    under `sklearn` to look inside it, among them the array-API adapters for torch and
    Dask, which import those libraries. The adapters hold no estimator (scikit-learn skips
    `externals` when listing), so they are kept out while skops imports (a `None` entry
    in `sys.modules` makes the import fail, and the listing passes over packages that do)
    and let back in after: the trusted names are the same, and nothing else changes.
    """
    adapters = [name for name in ("sklearn.externals.array_api_compat.torch",
                                  "sklearn.externals.array_api_compat.dask") if name not in sys.modules]
    for name in adapters:
        sys.modules[name] = None
    try:
        import skops.io
    finally:
        for name in adapters:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return skops.io


sio = _import_skops()

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
