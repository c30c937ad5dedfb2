"""The model registry: numbered model directories under one root, and which one is live.

Layout under the root (default var/models/registry, or $BRIEFS_MODEL_ROOT):

    v1/ v2/ ...        model directories (`BriefModel.save`), meta.json carrying the registry's
                       fields: version, parent, training_data_hash, label_counts, metrics,
                       created_at, backend, and the champion/challenger decision
    promoted.json      {"version": "v3", "history": ["v1", "v2", "v3"], "rolled_back": ["v4"]}:
                       the champion, the promotions before it (rollback pops the last) and the
                       versions taken off by a rollback; written atomically
    snapshots/         the training set of each model, by data hash (training/snapshot.py)
    reports/           evaluation reports (training/report.py)
    runs.jsonl         one line per retraining run: when, challenger, promoted or why not

Models are loaded only from here, by version name (`v` and a number; never a path), and
`BriefModel.load` verifies every file's sha256: a tampered or incomplete directory is
refused with a `ModelError`, and promotion never switches to a model that does not load.
`ChampionHolder` is what a long-running service reads its model from: it follows the
pointer, so a promotion (from the API or the command line) takes effect without a restart,
and a champion that fails to load leaves the current one serving.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from models.bundle import BriefModel
from review import clock
from review.errors import ModelError

MODEL_ROOT_ENV = "BRIEFS_MODEL_ROOT"
POINTER = "promoted.json"
VERSION_RE = re.compile(r"^v([1-9][0-9]{0,8})$")
log = logging.getLogger("brief_review.registry")


def default_registry_root() -> Path:
    """$BRIEFS_MODEL_ROOT, else var/models/registry under the repository root."""
    env = os.environ.get(MODEL_ROOT_ENV)
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "var" / "models" / "registry"


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ModelRegistry:
    """Versioned model directories under `root` and the promoted pointer."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root) if root is not None else default_registry_root()

    # --- reading ----------------------------------------------------------------------------

    def path(self, version: str) -> Path:
        """The directory of `version`; only names like v3 are accepted, so nothing outside the root."""
        if not isinstance(version, str) or not VERSION_RE.match(version):
            raise ModelError(f"模型版本名 {version!r} 无效,应为 v1、v2 这样的形式", code="invalid_version")
        path = self.root / version
        if path.is_symlink() or not path.is_dir():
            raise ModelError(f"模型库中没有版本 {version}", code="version_not_found")
        return path

    def versions(self) -> list[str]:
        """Registered versions, oldest first."""
        if not self.root.is_dir():
            return []
        found = [p.name for p in self.root.iterdir() if VERSION_RE.match(p.name) and p.is_dir() and not p.is_symlink()]
        return sorted(found, key=lambda v: int(v[1:]))

    def meta(self, version: str) -> dict:
        """The meta.json of `version` (not verified: use `load` to verify the files)."""
        path = self.path(version) / "meta.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"模型版本 {version} 缺少 meta.json", code="model_incomplete") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ModelError(f"模型版本 {version} 的 meta.json 已损坏", code="model_corrupt") from None

    def pointer(self) -> dict:
        """{"version": champion or None, "history": [...], "rolled_back": [...]}."""
        path = self.root / POINTER
        if not path.is_file():
            return {"version": None, "history": [], "rolled_back": []}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ModelError(f"{path} 已损坏,无法确定当前模型", code="registry_corrupt") from None
        return {"version": data.get("version"), "history": list(data.get("history", [])),
                "rolled_back": list(data.get("rolled_back", []))}

    def champion(self) -> str | None:
        """The promoted version, if any."""
        return self.pointer()["version"]

    def load(self, version: str) -> BriefModel:
        """Load a registered version, verifying every file (`ModelError` if tampered or incomplete)."""
        return BriefModel.load(self.path(version))

    def load_champion(self) -> BriefModel:
        """The promoted model."""
        version = self.champion()
        if version is None:
            raise ModelError(f"模型库 {self.root} 中还没有上线的模型。请先运行 `make model`", code="no_champion")
        return self.load(version)

    def list(self) -> list[dict]:
        """Every version's summary, oldest first, with `promoted` marking the champion and
        `status` what became of it: champion | replaced (live before, a later promotion took
        over) | rolled_back | never (never live)."""
        pointer = self.pointer()
        champion = pointer["version"]
        out = []
        for version in self.versions():
            try:
                meta = self.meta(version)
            except ModelError as exc:
                meta = {"error": exc.code}
            status = ("champion" if version == champion else "rolled_back" if version in pointer["rolled_back"]
                      else "replaced" if version in pointer["history"] else "never")
            out.append({"version": version, "promoted": version == champion, "status": status,
                        "parent": meta.get("parent"),
                        "created_at": meta.get("created_at"), "backend": meta.get("backend"),
                        "training_data_hash": meta.get("training_data_hash"),
                        "training_size": meta.get("training_size"), "label_counts": meta.get("label_counts"),
                        "metrics": meta.get("metrics", {}), "decision": meta.get("decision"),
                        **({"error": meta["error"]} if "error" in meta else {})})
        return out

    def runs(self) -> list[dict]:
        """Retraining runs, oldest first."""
        path = self.root / "runs.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    # --- writing ----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes (the service and the command line)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def register(self, model: BriefModel, *, parent: str | None = None, extra: dict | None = None) -> str:
        """Save `model` as the next version (not promoted); returns its name.

        The model's version becomes the registry name, so every review it makes names it.
        The directory is written under a temporary name and renamed: a crash never leaves a
        half-written version.
        """
        def write(tmp: Path, meta: dict) -> None:
            model.meta = meta
            model.save(tmp)

        return self._add(dict(model.meta), write, parent=parent, extra=extra)

    def register_dir(self, path: str | os.PathLike, *, parent: str | None = None) -> str:
        """Register a model directory made elsewhere (`briefs train`, `make model`): verified by
        loading it, then its files are copied unchanged and meta.json gets the registry's fields."""
        source = Path(path)
        loaded = BriefModel.load(source)

        def write(tmp: Path, meta: dict) -> None:
            tmp.mkdir(parents=True)
            for name in meta["files"]:
                shutil.copyfile(source / name, tmp / name)
            _write_json_atomic(tmp / "meta.json", meta)

        return self._add(loaded.meta, write, parent=parent)

    def _add(self, meta: dict, write, *, parent: str | None, extra: dict | None = None) -> str:
        with self._locked():
            existing = self.versions()
            version = f"v{int(existing[-1][1:]) + 1 if existing else 1}"
            meta = dict(meta)
            meta.setdefault("source_version", meta.get("version"))
            meta.update(version=version, parent=parent,
                        registered_at=clock.now().isoformat(timespec="seconds"), **(extra or {}))
            meta.setdefault("backend", "linear")
            meta.setdefault("metrics", {})
            tmp = self.root / f".tmp-{uuid.uuid4().hex}"
            try:
                write(tmp, meta)
                os.rename(tmp, self.root / version)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return version

    def promote(self, version: str) -> str:
        """Make `version` the champion; it must load (hashes verified) or nothing changes.

        Returns the previous champion (None for the first).
        """
        self.load(version)  # raises ModelError for a tampered or incomplete directory
        with self._locked():
            pointer = self.pointer()
            previous = pointer["version"]
            if previous == version:
                return previous
            history = [v for v in pointer["history"] if v != version] + [version]
            _write_json_atomic(self.root / POINTER, {
                "version": version, "history": history,
                "rolled_back": [v for v in pointer["rolled_back"] if v != version],
                "promoted_at": clock.now().isoformat(timespec="seconds")})
        log.info("promoted %s (was %s)", version, previous)
        return previous

    def rollback(self) -> str:
        """Return to the champion before the current one; returns the version now live."""
        with self._locked():
            pointer = self.pointer()
            history = pointer["history"]
            if len(history) < 2:
                raise ModelError("没有更早上线过的模型版本,无法回滚", code="nothing_to_rollback")
            target = history[-2]
            self.load(target)
            rolled_back = [v for v in pointer["rolled_back"] if v not in (target, history[-1])] + [history[-1]]
            _write_json_atomic(self.root / POINTER, {"version": target, "history": history[:-1],
                                                     "rolled_back": rolled_back,
                                                     "promoted_at": clock.now().isoformat(timespec="seconds")})
        log.info("rolled back to %s", target)
        return target

    def record_run(self, run: dict) -> None:
        """Append one retraining run to runs.jsonl."""
        with self._locked():
            with open(self.root / "runs.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(run, ensure_ascii=False) + "\n")

    def ensure_initial(self, model_dir: str | os.PathLike) -> str | None:
        """With an empty registry, register `model_dir` as v1 and promote it; returns v1, or None
        when the registry already has versions."""
        if self.versions():
            return None
        version = self.register_dir(model_dir)
        self.promote(version)
        return version


class ChampionHolder:
    """The live model of a service: follows the registry's pointer, never drops the current one.

    `current()` is called on every request. It compares the pointer file's stat with the
    last one seen (cheap); when the pointer moved, the new champion is loaded (verified)
    by the request that noticed, while other requests keep using the old one. A champion
    that fails to load is logged and skipped: the old model stays live.
    """

    def __init__(self, registry: ModelRegistry) -> None:
        self.registry = registry
        self._lock = threading.Lock()
        self._stamp = self._pointer_stamp()
        self._model = registry.load_champion()
        self.refused: dict | None = None

    def _pointer_stamp(self):
        try:
            st = (self.registry.root / POINTER).stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def current(self) -> BriefModel:
        """The model to serve this request with."""
        stamp = self._pointer_stamp()
        if stamp != self._stamp and self._lock.acquire(blocking=False):
            try:
                self._stamp = stamp
                self.refresh()
            finally:
                self._lock.release()
        return self._model

    def refresh(self) -> BriefModel:
        """Load the champion now if it is not the one being served."""
        version = None
        try:
            version = self.registry.champion()
            if version is not None and version != self._model.version:
                self._model = self.registry.load(version)
                self.refused = None
                log.info("now serving %s", version)
        except ModelError as exc:
            self.refused = {"version": version, "code": exc.code, "message": str(exc)}
            log.error("champion refused, still serving %s: %s", self._model.version, exc)
        return self._model


class StaticHolder:
    """A fixed model (a pinned $BRIEFS_MODEL_DIR, or tests): `current()` never changes."""

    registry = None
    refused = None

    def __init__(self, model) -> None:
        self._model = model

    def current(self):
        """The model."""
        return self._model

    def refresh(self):
        """Nothing to follow."""
        return self._model
