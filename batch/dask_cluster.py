"""The Dask executor's side of `score_stream`: stages 1 and 3 on a `dask.distributed` cluster.

The model travels as its directory's files (`meta.json` and the `.skops` files, hash
checked and loaded with the skops type allowlist on each worker, never unpickled), once per
worker through a worker plugin, with the configuration. Each chunk of input records is a
task; its parsed briefs and model outputs stay on the worker that prepared them, only
the fingerprints and vectors come to the client for the in-order duplicate search, and
stage 3 runs where the chunk is. Workers need brief-review installed (same version).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from distributed import Client
from distributed.diagnostics.plugin import WorkerPlugin

from batch.stages import Context, config_for_worker, encode_chunk, finish_chunk, prepare_chunk
from review.errors import BriefError

_CONTEXTS: dict[str, object] = {}
PLUGIN_NAME = "brief-review-model"


class ModelPlugin(WorkerPlugin):
    """Loads the model and configuration once on each worker (and on workers that join later)."""

    name = PLUGIN_NAME

    def __init__(self, files: dict[str, bytes], config: dict, token: str, model_class: type) -> None:
        self.files = files
        self.config = config
        self.token = token
        self.model_class = model_class  # sent by reference (its module and name): batch does not import models

    def setup(self, worker) -> None:
        target = Path(worker.local_directory) / f"brief-review-model-{self.token}"
        target.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (target / name).write_bytes(data)
        _CONTEXTS["current"] = Context(self.model_class.load(target), config_for_worker(self.config))


def _context():
    ctx = _CONTEXTS.get("current")
    if ctx is None:
        raise RuntimeError("brief-review model not loaded on this worker")
    return ctx


def prepare_task(raws):
    """Stage 1 on a worker."""
    return prepare_chunk(raws, _context())


def match_inputs(prepared):
    """What the client needs of a prepared chunk for the duplicate search (the rest stays)."""
    return prepared.match_input()


def finish_task(prepared, duplicates):
    """Stage 3 on a worker: the chunk's output bytes and counts."""
    return encode_chunk(finish_chunk(prepared, duplicates, _context()))


def model_files(model) -> dict[str, bytes]:
    """The model directory's files, saved from the loaded model."""
    with tempfile.TemporaryDirectory(prefix="brief-review-model-") as tmp:
        model.save(tmp)
        return {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}


def connect(scheduler: str, ctx):
    """A client of the cluster at `scheduler`, with the model and configuration on every worker."""
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise BriefError(f"无法连接 Dask 调度器 {scheduler}:{exc}", code="scheduler_unreachable") from None
    files = model_files(ctx.model)
    token = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()[:16]
    client.register_plugin(ModelPlugin(files, ctx.config.to_dict(), token, type(ctx.model)), name=PLUGIN_NAME)
    workers = len(client.scheduler_info().get("workers", {}))
    return client, workers
