"""Where stages 1 and 3 run: this process, local worker processes, or a Dask cluster.

Each executor runs stage 1 (`prepare`, returning a handle), gives stage 2 its input (`fetch`,
a `MatchInput`) and runs stage 3 (`finish`, a handle whose result is the chunk's JSONL
bytes and counts). A chunk's stages 1 and 3 run in the same place, so the parsed briefs
and model outputs never travel: only the match input goes to this process and only the
duplicates and the finished bytes come and go. The interface is written down as
`Executor`; `batch.pipeline` uses nothing else.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import tempfile
import threading
import traceback
from typing import Any, Protocol, Sequence

from batch.stages import Context, MatchInput, Prepared, config_for_worker, encode_chunk, finish_chunk, prepare_chunk
from review.errors import BriefError

_WORKER_CONTEXT: Context | None = None


class Handle(Protocol):
    """A chunk's pending stage: a future of `concurrent.futures` or Dask, or a local worker's reply."""

    def result(self): ...

    def done(self) -> bool: ...


class Executor(Protocol):
    """Where stages 1 and 3 run. `depth` is how many chunks may be in flight at once."""

    workers: int

    def prepare(self, raws) -> Handle:
        """Start stage 1 on a chunk of raw records."""

    def fetch(self, handle: Handle) -> MatchInput:
        """Stage 2's input of a prepared chunk (waits for stage 1)."""

    def finish(self, handle: Handle, duplicates: Sequence[Sequence]) -> Handle:
        """Start stage 3 on a prepared chunk with its duplicates; the result is (JSONL bytes, summary)."""

    @property
    def depth(self) -> int: ...

    def close(self) -> None:
        """Stop the workers and release what the run held."""


class _Done:
    """A finished 'future' for the in-process executor."""

    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value

    def done(self) -> bool:
        return True


def _worker_loop(tasks, results) -> None:
    """A worker process: stage 1 and stage 3 of the chunks sent to it, keeping each prepared chunk in between."""
    # Everything inherited from the parent (model, dictionaries) was frozen before the fork,
    # so collections skip it; collecting every 50,000 new objects instead of 700 leaves the
    # chunk's short-lived objects to reference counting (a tenth of the collector's time).
    gc.set_threshold(50_000, 10, 10)
    held: dict[int, Prepared] = {}
    while True:
        message = tasks.get()
        if message is None:
            return
        kind, key, payload = message
        try:
            if kind == "prepare":
                held[key] = prepare_chunk(payload, _WORKER_CONTEXT)
                results.put(("prepared", key, held[key].match_input()))
            else:
                prepared = held.pop(key)
                results.put(("finished", key, encode_chunk(finish_chunk(prepared, payload, _WORKER_CONTEXT))))
        except BaseException:  # reported to the main process, which stops the run
            results.put(("failed", key, traceback.format_exc()))


def _fresh_worker_loop(tasks, results, model_class, model_dir: str, config_dict: dict, threads: int) -> None:
    """A worker started afresh (spawned): load the model from its directory, then `_worker_loop`."""
    global _WORKER_CONTEXT

    os.environ["OMP_NUM_THREADS"] = str(threads)  # torch, imported by the model, sizes its pool from it
    try:
        _WORKER_CONTEXT = Context(model_class.load(model_dir), config_for_worker(config_dict))
    except BaseException:
        results.put(("failed", -1, traceback.format_exc()))
        return
    _worker_loop(tasks, results)


def _pump(results, mailbox) -> None:
    """A thread of the main process: moves what the workers send to `mailbox`.

    A worker killed while its message is half-written leaves the shared pipe with a message
    that never ends; whoever reads it waits for ever. That is this thread, never the run:
    the run waits on the mailbox with a timeout and sees the dead worker.
    """
    while True:
        try:
            message = results.get()
        except (EOFError, OSError):
            return
        if message is None:
            return
        mailbox.put(message)


class _Handle:
    def __init__(self, executor: "LocalExecutor", reply: tuple[str, int]) -> None:
        self.executor, self.reply = executor, reply

    def result(self):
        return self.executor._wait(self.reply)

    def done(self) -> bool:
        return self.executor._poll(self.reply)


class LocalExecutor:
    """Stages 1 and 3 in this process (`workers` = 1) or in forked worker processes.

    Chunk k goes to worker k mod `workers` for both its stages: the worker keeps the
    prepared chunk until stage 3, so the briefs are parsed and analysed once and never sent
    back and forth.
    """

    def __init__(self, ctx: Context, workers: int) -> None:
        global _WORKER_CONTEXT
        self.ctx = ctx
        self.workers = workers
        self.processes: list = []
        self._count = 0
        self._inbox: dict[tuple[str, int], Any] = {}
        self._saved = None
        if workers > 1 and not getattr(ctx.model, "fork_safe", True):
            # A transformer model: torch's threads do not survive a fork, so the workers start
            # afresh and load the model from its directory, each with its share of the cores.
            source = getattr(ctx.model, "source_dir", None)
            if source is None:
                self._saved = tempfile.TemporaryDirectory(prefix="brief-review-model-")
                source = ctx.model.save(self._saved.name)
            threads = max(1, len(os.sched_getaffinity(0)) // workers)
            mp = multiprocessing.get_context("spawn")
            self.tasks = [mp.Queue() for _ in range(workers)]
            self.results = mp.Queue()
            self.processes = [mp.Process(target=_fresh_worker_loop, daemon=True,
                                         args=(self.tasks[w], self.results, type(ctx.model), str(source),
                                               ctx.config.to_dict(), threads))
                              for w in range(workers)]
            for process in self.processes:
                process.start()
        elif workers > 1:
            # Workers are forked with the model already loaded (and its caches built): it is
            # never serialised, and its pages are shared until written.
            ctx.warm_up()
            _WORKER_CONTEXT = ctx
            mp = multiprocessing.get_context("fork")
            self.tasks = [mp.Queue() for _ in range(workers)]
            self.results = mp.Queue()
            self.processes = [mp.Process(target=_worker_loop, args=(self.tasks[w], self.results), daemon=True)
                              for w in range(workers)]
            # The workers' collector skips what they inherit (frozen at the fork, in them only).
            gc.freeze()
            try:
                for process in self.processes:
                    process.start()
            finally:
                gc.unfreeze()
        if self.processes:
            self._mailbox: queue.SimpleQueue = queue.SimpleQueue()
            self._pump = threading.Thread(target=_pump, args=(self.results, self._mailbox), daemon=True,
                                          name="brief-review-results")
            self._pump.start()

    def prepare(self, raws):
        if not self.processes:
            return _Done(prepare_chunk(raws, self.ctx))
        key = self._count
        self._count += 1
        self.tasks[key % self.workers].put(("prepare", key, raws))
        return _Handle(self, ("prepared", key))

    def fetch(self, handle) -> MatchInput:
        result = handle.result()
        return result.match_input() if isinstance(result, Prepared) else result

    def finish(self, handle, duplicates):
        if not self.processes:
            return _Done(encode_chunk(finish_chunk(handle.result(), duplicates, self.ctx)))
        key = handle.reply[1]
        self.tasks[key % self.workers].put(("finish", key, duplicates))
        return _Handle(self, ("finished", key))

    def _receive(self, timeout: float | None) -> bool:
        try:
            kind, key, payload = self._mailbox.get(timeout=timeout) if timeout else self._mailbox.get_nowait()
        except queue.Empty:
            if any(not p.is_alive() for p in self.processes):
                raise BriefError("评分工作进程意外退出(可能内存不足或被终止);可用 --resume 从检查点续跑",
                                 code="worker_died") from None
            return False
        if kind == "failed":
            raise RuntimeError(f"评分工作进程出错:\n{payload}")
        self._inbox[(kind, key)] = payload
        return True

    def _wait(self, reply: tuple[str, int]):
        while reply not in self._inbox:
            self._receive(1.0)
        return self._inbox.pop(reply)

    def _poll(self, reply: tuple[str, int]) -> bool:
        while reply not in self._inbox and self._receive(None):
            pass
        return reply in self._inbox

    @property
    def depth(self) -> int:
        return 2 * self.workers + 1

    def close(self) -> None:
        for tasks in getattr(self, "tasks", []):
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
        if self.processes and all(p.exitcode == 0 for p in self.processes):
            self.results.put(None)  # the workers are gone cleanly: the pump reads to the end and stops
            self._pump.join(timeout=5)
        # The workers are gone: what is still buffered for one that died can never be sent,
        # and waiting for it at exit would hang the interpreter.
        for channel in [*getattr(self, "tasks", []), *([self.results] if self.processes else [])]:
            channel.cancel_join_thread()
            channel.close()
        if self._saved is not None:
            self._saved.cleanup()


class DaskExecutor:
    """Stages 1 and 3 on a Dask cluster; the model's files and the configuration go once to each worker."""

    def __init__(self, ctx: Context, scheduler: str) -> None:
        # Dask is imported only when a cluster is used: it is an optional dependency, and
        # heavy to import for every local run.
        from batch import dask_cluster

        self.tasks = dask_cluster
        self.ctx = ctx
        self.client, self.workers = dask_cluster.connect(scheduler, ctx)

    def prepare(self, raws):
        return self.client.submit(self.tasks.prepare_task, raws, pure=False)

    def fetch(self, handle) -> MatchInput:
        # Only what stage 2 needs comes back; the parsed chunk stays on its worker for stage 3.
        return self.client.submit(self.tasks.match_inputs, handle, pure=False).result()

    def finish(self, handle, duplicates):
        return self.client.submit(self.tasks.finish_task, handle, duplicates, pure=False)

    @property
    def depth(self) -> int:
        return 2 * max(self.workers, 1) + 1

    def close(self) -> None:
        self.client.close()
