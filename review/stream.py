"""Streaming batch scoring of archives: constant memory, worker processes or a Dask cluster, resumable.

    score_stream(Path("archive.jsonl"), Path("reviews.parquet"), model=model, config=config, workers=2)

The input is read in chunks (`chunk_size` records). Each chunk goes through three stages:

1. `prepare_chunk` (a worker): parse the records, classify, take the same-event vectors
   from the same features, and fingerprint each text for the duplicate index;
2. `match_chunk` (this process, in input order): query the duplicate index and add to it,
   and compare vectors with the briefs of the last `same_event_days` (the growing archive);
3. `finish_chunk` (a worker): every check, adoption and priority; the output lines.

Only stage 2 is sequential: it is what makes the result the same whatever the number of
workers or the engine. A chunk's stages 1 and 3 run on the same worker, which keeps the
chunk in between; stage 2 gets a packed `MatchInput` (see the executors below). A
brief's duplicates are the briefs before it in the input (and in `--archive` / the
persistent index) submitted no later than it.

Resuming: output lines go to `OUTPUT.partial` and the duplicate index (the one given, or
a temporary one beside the output) is committed with a checkpoint "`done` records, index
size `count`" after the lines are on disk. `resume=True` truncates both to the last
checkpoint, rebuilds the same-event window from the records before it, and goes on: the
final output is the same as an uninterrupted run's. The finished output is written in its
format and renamed into place, so OUTPUT is either absent or complete.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import shutil
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import orjson

from review import clock
from review.brief import Brief
from review.cells import safe_cell
from review.clusters import clusters_from_config
from review.config import DEFAULTS_PATH, ReviewConfig, load_config
from review.duplicates import DuplicateIndex, Fingerprint, merge_matches, same_event_matches
from review.engine import build_reviews, columns, inspect_briefs
from review.errors import BriefError, RecordError
from review.readers import RawRecord, iter_raw, parse_raw

OUTPUT_FORMATS = (".jsonl", ".csv", ".parquet")
MAX_ERROR_MESSAGES = 100


# --- the run's summary -------------------------------------------------------------------------


@dataclass
class StreamSummary:
    """What a run did: counts by category and flag, duplicates, errors, speed (resumed part included)."""

    total: int = 0
    scored: int = 0
    errors: int = 0
    categories: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    duplicates: int = 0
    urgent: int = 0
    seconds: float = 0.0
    resumed_from: int = 0
    error_messages: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Records scored per second in this run (records skipped by a resume not counted)."""
        done = self.total - self.resumed_from
        return done / self.seconds if self.seconds else 0.0

    def merge(self, other: "StreamSummary") -> None:
        """Add the counts of another summary (a chunk's, counted where it was scored)."""
        self.total += other.total
        self.scored += other.scored
        self.errors += other.errors
        self.categories.update(other.categories)
        self.flags.update(other.flags)
        self.duplicates += other.duplicates
        self.urgent += other.urgent
        room = MAX_ERROR_MESSAGES - len(self.error_messages)
        self.error_messages.extend(other.error_messages[:max(room, 0)])

    def add(self, line: dict) -> None:
        """Count one output line."""
        self.total += 1
        if "error" in line:
            self.errors += 1
            if len(self.error_messages) < MAX_ERROR_MESSAGES:
                err = line["error"]
                where = f"第{line['line']}行," if line.get("line") else ""
                self.error_messages.append(f"{where}记录 {line.get('id') or '?'}:{err.get('message')}")
            return
        self.scored += 1
        self.categories[line["category"]] += 1
        self.flags.update(f["code"] for f in line["flags"])
        self.duplicates += bool(line["duplicates"])
        self.urgent += bool(line["urgent"])


# --- the three stages ---------------------------------------------------------------------------------


@dataclass
class Prepared:
    """Stage 1's result for one chunk: parsed items, model outputs, vectors and fingerprints."""

    items: list            # Brief | RecordError, in input order
    probs: np.ndarray
    urgent: np.ndarray
    vectors: Any = None    # same-event vectors (sparse rows), one per brief
    fingerprints: list = field(default_factory=list)

    @property
    def briefs(self) -> list[Brief]:
        return [item for item in self.items if isinstance(item, Brief)]

    def match_input(self) -> "MatchInput":
        """What stage 2 needs of this chunk, packed in a few arrays."""
        return MatchInput.pack(len(self.items), self.briefs, self.fingerprints, self.vectors)


@dataclass
class MatchInput:
    """Stage 2's input for one chunk: each brief's id, unit, time, same-event vector and fingerprint.

    Fingerprints travel as a few concatenated arrays (a list of small ones costs more to
    send between processes than to compute).
    """

    records: int                # records in the chunk, errors included
    ids: list                   # its briefs' ids, units and submission timestamps
    units: list
    times: np.ndarray
    vectors: Any                # same-event vectors (sparse rows) or None
    indexed: np.ndarray         # bool per brief: long enough to fingerprint
    shingles: np.ndarray        # the indexed briefs' shingle sets, concatenated
    ends: np.ndarray            # where each one ends in `shingles`
    bands: np.ndarray
    bits: np.ndarray

    @classmethod
    def pack(cls, records: int, briefs: Sequence[Brief], fingerprints: Sequence, vectors) -> "MatchInput":
        fps = [fp for fp in fingerprints if fp is not None]
        return cls(records=records, ids=[b.id for b in briefs], units=[b.unit for b in briefs],
                   times=np.array([b.submitted_at.timestamp() for b in briefs], dtype=np.float64), vectors=vectors,
                   indexed=np.array([fp is not None for fp in fingerprints], dtype=bool),
                   shingles=np.concatenate([fp.shingles for fp in fps]) if fps else np.empty(0, np.uint32),
                   ends=np.cumsum([len(fp.shingles) for fp in fps], dtype=np.int64),
                   bands=np.stack([fp.bands for fp in fps]) if fps else np.empty((0, 0), np.uint32),
                   bits=np.stack([fp.bits for fp in fps]) if fps else np.empty((0, 0), np.uint8))

    def fingerprints(self) -> list:
        """The fingerprints of the indexed briefs, in order."""
        starts = np.concatenate([[0], self.ends[:-1]]) if len(self.ends) else self.ends
        return [Fingerprint(self.shingles[a:b], self.bands[k], self.bits[k])
                for k, (a, b) in enumerate(zip(starts.tolist(), self.ends.tolist()))]


@dataclass
class Context:
    """What a worker needs: the model, the configuration and an index's fingerprint parameters."""

    model: Any
    config: ReviewConfig

    def __post_init__(self) -> None:
        self.fingerprinter = DuplicateIndex.from_config(self.config)

    def warm_up(self) -> None:
        """Build the model's lazy caches (jieba's dictionary, n-gram tables) once, before workers fork."""
        self.model.predict_proba(columns([Brief(id="warm-up", unit="-", title="关于加快农村公路危桥改造的建议",
                                                body="全县现有危桥17座。", submitted_at=clock.now())]))


def prepare_chunk(raws: Sequence[RawRecord], ctx: Context) -> Prepared:
    """Stage 1: parse, classify, embed and fingerprint one chunk (pure; runs on a worker)."""
    items = [parse_raw(raw) for raw in raws]
    briefs = [item for item in items if isinstance(item, Brief)]
    X = columns(briefs)
    if hasattr(ctx.model, "predict_and_embed"):
        probs, urgent, vectors = ctx.model.predict_and_embed(X)
    else:
        probs, urgent = ctx.model.predict_proba(X)
        vectors = ctx.model.embed(briefs) if hasattr(ctx.model, "embed") and briefs else None
    fingerprints = ctx.fingerprinter.fingerprints([b.text for b in briefs])
    return Prepared(items, probs, urgent, vectors, fingerprints)


_JSONL = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY


def encode_chunk(lines: Sequence[dict]) -> tuple[bytes, StreamSummary]:
    """A chunk's output lines as JSONL bytes, and their counts (done where the chunk was scored)."""
    counts = StreamSummary()
    for line in lines:
        counts.add(line)
    # orjson writes compact UTF-8 JSON several times faster than `json.dumps` (same values, no spaces).
    return b"".join(orjson.dumps(line, option=_JSONL) for line in lines), counts


def finish_chunk(prepared: Prepared, duplicates: Sequence[Sequence], ctx: Context) -> list[dict]:
    """Stage 3: checks, adoption and priority; the output lines of the chunk in input order."""
    briefs = prepared.briefs
    inspections = inspect_briefs(briefs, prepared.probs, prepared.urgent, duplicates, ctx.config)
    reviews = iter(build_reviews(briefs, prepared.probs, prepared.urgent, duplicates, inspections,
                                 ctx.model, ctx.config))
    lines = []
    for item in prepared.items:
        if isinstance(item, RecordError):
            lines.append({"id": item.record_id, "line": item.line, "error": item.to_dict()})
        else:
            lines.append(next(reviews).to_dict())
    return lines


@dataclass
class _Block:
    """Briefs of the same-event window, one chunk at a time: times, ids, units and vectors."""

    times: np.ndarray
    ids: list
    units: list
    vectors: Any


class Matcher:
    """Stage 2, in input order: the duplicate index and the same-event window of the growing archive."""

    def __init__(self, index: DuplicateIndex, config: ReviewConfig) -> None:
        cfg = config.section("duplicates")
        self.index = index
        self.threshold = float(cfg["threshold"])
        self.window_days = float(cfg["same_event_days"])
        self.event_threshold = float(cfg["same_event_threshold"])
        self.window: deque[_Block] = deque()
        self.latest = float("-inf")  # the latest submission time seen: the window's right end
        self.clusters = clusters_from_config(config)

    def _prune(self) -> None:
        # Whole blocks go once all their briefs are out of the window; rows of a block still
        # held that are out of it are excluded at match time by the same rule (`floor`).
        edge = self.latest - self.window_days * 86400
        while self.window and self.window[0].times.max() < edge:
            self.window.popleft()

    def remember(self, briefs: Sequence[Brief], vectors) -> None:
        """Put briefs in the same-event window (no index lookup): archive records and resumed prefixes."""
        if briefs:
            times = np.array([b.submitted_at.timestamp() for b in briefs])
            if vectors is not None:
                import scipy.sparse as sp

                blocks = list(self.window)
                stacked = sp.vstack([blk.vectors for blk in blocks] + [vectors.tocsr()], format="csr")
                ids = [i for blk in blocks for i in blk.ids] + [b.id for b in briefs]
                every = np.concatenate([blk.times for blk in blocks] + [times])
                self._cluster(stacked, every, ids, len(ids) - len(briefs))
            self._remember(times, [b.id for b in briefs], [b.unit for b in briefs], vectors)

    def _cluster(self, vectors, times: np.ndarray, ids: list, offset: int) -> None:
        """Add rows `offset:` of the stacked vectors to the same-event clusters, in order, each with
        its similarities to the rows before it (the window, then the chunk's earlier briefs)."""
        sims = (vectors[offset:] @ vectors.T).tocsr()
        for k in range(len(ids) - offset):
            row = sims[k]
            earlier = {ids[j]: float(v) for j, v in zip(row.indices.tolist(), row.data.tolist())
                       if j < offset + k and v > 0}
            self.clusters.add(ids[offset + k], float(times[offset + k]), earlier)

    def _remember(self, times: np.ndarray, ids: list, units: list, vectors) -> None:
        self.latest = max(self.latest, float(times.max()))
        if vectors is not None:
            self.window.append(_Block(times, ids, units, vectors))
        self._prune()

    def match(self, chunk: MatchInput) -> list[list]:
        """Duplicates of each brief of the chunk, adding the chunk to the index and the window."""
        import scipy.sparse as sp

        n = len(chunk.ids)
        found: list[list] = [[] for _ in range(n)]
        # The chunk is added, then queried as if each brief had been looked up just before it
        # was added: it sees the briefs added before it and no later one.
        todo = np.nonzero(chunk.indexed)[0].tolist()
        fps = chunk.fingerprints()
        indexed_ids = [chunk.ids[i] for i in todo]
        stamps = chunk.times[todo]
        seqs = np.arange(len(self.index), len(self.index) + len(todo))
        self.index.add_many(indexed_ids, [chunk.units[i] for i in todo], stamps, fps)
        results = self.index.query_many(fps, stamps, threshold=self.threshold, seqs=seqs, visible=seqs,
                                        brief_ids=indexed_ids)
        for i, matches in zip(todo, results):
            found[i] = matches
        if chunk.vectors is None or not n:
            return found
        chunk_vectors = chunk.vectors.tocsr()
        own = chunk.times
        # The window as a stream keeps only briefs within `same_event_days` of the latest seen.
        floor = np.maximum.accumulate(np.concatenate([[self.latest], own]))[:-1] - self.window_days * 86400
        blocks = list(self.window)
        times = np.concatenate([blk.times for blk in blocks] + [own])
        vectors = sp.vstack([blk.vectors for blk in blocks] + [chunk_vectors], format="csr")
        ids = [i for blk in blocks for i in blk.ids] + list(chunk.ids)
        units = [u for blk in blocks for u in blk.units] + list(chunk.units)
        offset = len(times) - n
        events = same_event_matches(vectors, times, ids, units, range(offset, len(times)),
                                    window_days=self.window_days, threshold=self.event_threshold, floor=floor)
        self._cluster(vectors, times, ids, offset)
        self._remember(own, list(chunk.ids), list(chunk.units), chunk_vectors)
        return [merge_matches(copies, extra) for copies, extra in zip(found, events)]


# --- executors: this process, local worker processes, a Dask cluster -----------------------------------
#
# Each engine runs stage 1 (`prepare`, returning a handle), gives stage 2 its input (`fetch`,
# a `MatchInput`) and runs stage 3 (`finish`, a handle whose result is the chunk's JSONL
# bytes and counts). A chunk's stages 1 and 3 run in the same place, so the parsed briefs
# and model outputs never travel: only the match input goes to this process and only the
# duplicates and the finished bytes come and go.

_WORKER_CONTEXT: Context | None = None


class _Done:
    """A finished 'future' for the in-process engine."""

    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value

    def done(self) -> bool:
        return True


def _worker_loop(tasks, results) -> None:
    """A worker process: stage 1 and stage 3 of the chunks sent to it, keeping each prepared chunk in between."""
    import traceback

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
        import traceback

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
    def __init__(self, engine: "LocalEngine", reply: tuple[str, int]) -> None:
        self.engine, self.reply = engine, reply

    def result(self):
        return self.engine._wait(self.reply)

    def done(self) -> bool:
        return self.engine._poll(self.reply)


class LocalEngine:
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
            import multiprocessing
            import tempfile

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
            import multiprocessing

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
            import queue
            import threading

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
        import queue

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
        for queue in [*getattr(self, "tasks", []), *([self.results] if self.processes else [])]:
            queue.cancel_join_thread()
            queue.close()
        if self._saved is not None:
            self._saved.cleanup()


class DaskEngine:
    """Stages 1 and 3 on a Dask cluster; the model's files and the configuration go once to each worker."""

    def __init__(self, ctx: Context, scheduler: str) -> None:
        from review.dask_engine import connect

        self.ctx = ctx
        self.client, self.workers = connect(scheduler, ctx)

    def prepare(self, raws):
        from review.dask_engine import prepare_task

        return self.client.submit(prepare_task, raws, pure=False)

    def fetch(self, handle) -> MatchInput:
        from review.dask_engine import match_inputs

        # Only what stage 2 needs comes back; the parsed chunk stays on its worker for stage 3.
        return self.client.submit(match_inputs, handle, pure=False).result()

    def finish(self, handle, duplicates):
        from review.dask_engine import finish_task

        return self.client.submit(finish_task, handle, duplicates, pure=False)

    @property
    def depth(self) -> int:
        return 2 * max(self.workers, 1) + 1

    def close(self) -> None:
        self.client.close()


# --- the run -------------------------------------------------------------------------------------------


def _chunks(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    while True:
        chunk = list(islice(records, size))
        if not chunk:
            return
        yield chunk


def output_format(output: Path) -> str:
    """The output's format from its extension (JSONL, CSV or Parquet)."""
    suffix = Path(output).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".parquet"):
        return suffix[1:]
    raise BriefError(f"不支持的输出类型 {suffix},请使用 .jsonl、.csv 或 .parquet", code="unsupported_format")


def _paths(output: Path) -> tuple[Path, Path, Path]:
    return (output.with_name(output.name + ".partial"), output.with_name(output.name + ".partial.json"),
            output.with_name(output.name + ".partial-index"))


def _truncate_journal(path: Path, keep: int) -> None:
    """Truncate the journal to its first `keep` lines (after a crash it may hold more, or half a line)."""
    size = 0
    with path.open("rb") as fh:
        for _ in range(keep):
            line = fh.readline()
            if not line.endswith(b"\n"):
                raise BriefError(f"未完成的输出 {path} 比检查点短,无法续跑;请删除后重新运行", code="resume_mismatch")
            size += len(line)
    with path.open("r+b") as fh:
        fh.truncate(size)


def score_stream(input: Path, output: Path, *, model, config: ReviewConfig, workers: int = 1,
                 engine: str = "local", scheduler: str | None = None, index_dir: Path | None = None,
                 archive: Path | None = None, resume: bool = False, unit: str | None = None,
                 chunk_size: int = 1024, progress: Callable[[int, int], None] | None = None,
                 commit_seconds: float = 2.0) -> StreamSummary:
    """Score every record of `input` into `output` (see the module docstring); returns the summary.

    `progress(done, total_or_0)` is called after each chunk is written.
    """
    input, output = Path(input), Path(output)
    fmt = output_format(output)
    if not input.exists():
        raise RecordError(f"找不到输入:{input}", code="file_not_found")
    if engine not in ("local", "dask"):
        raise BriefError(f"未知引擎 {engine},可用:local、dask", code="invalid_option")
    if engine == "dask" and not scheduler:
        raise BriefError("--engine dask 需要 --scheduler tcp://主机:8786", code="missing_option")
    # Reading the first record checks the input (format, encoding, header) before anything is written.
    records = iter_raw(input, unit=unit)
    first = next(records, None)
    records = chain([first] if first is not None else [], records)
    journal, state_file, temp_index = _paths(output)
    started = time.perf_counter()
    stat = input.stat()
    fingerprint = {"input": str(input.resolve()), "size": stat.st_size if input.is_file() else None,
                   "mtime": stat.st_mtime if input.is_file() else None, "chunk_size": chunk_size}
    state = None
    if resume and journal.exists() and state_file.exists():
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if {k: state.get(k) for k in fingerprint} != fingerprint:
            raise BriefError("输入文件或分块大小与中断的运行不同,无法续跑;请删除 "
                             f"{journal.name} 后重新运行", code="resume_mismatch")
    fresh = state is None
    if fresh:
        for stale in (journal, state_file):
            stale.unlink(missing_ok=True)
        if temp_index.exists():
            shutil.rmtree(temp_index)
        state = dict(fingerprint, run=uuid.uuid4().hex, index=str(index_dir) if index_dir else None)
        output.parent.mkdir(parents=True, exist_ok=True)
        journal.write_bytes(b"")
        _write_json(state_file, state)
    try:
        index = DuplicateIndex.open(Path(state["index"]) if state["index"] else temp_index, config)
    except BriefError:
        if fresh:  # refused (locked by another process, other parameters): leave no trace of this run
            for made in (journal, state_file):
                made.unlink(missing_ok=True)
        raise
    ctx = Context(model, config)
    matcher = Matcher(index, config)
    summary = StreamSummary()
    checkpoint = index.checkpoint if index.checkpoint.get("run") == state["run"] else None
    try:
        if checkpoint is None:
            if resume and journal.stat().st_size:
                raise BriefError("查重索引中没有这次运行的检查点,无法续跑;请删除未完成的输出后重新运行",
                                 code="resume_mismatch")
            if archive is not None:
                _load_archive(archive, matcher, ctx)
            index.commit({"run": state["run"], "done": 0, "count": len(index)})
        else:
            done = int(checkpoint["done"])
            _truncate_journal(journal, done)
            with journal.open("rb") as fh:
                for raw in fh:
                    summary.add(json.loads(raw))
            summary.resumed_from = done
            if archive is not None:
                _remember(matcher, ctx, _load_archive_briefs(archive))
            _remember(matcher, ctx, (parse_raw(r) for r in islice(records, done)))
        _run(records, journal, matcher, index, ctx, state, summary, workers=workers, engine=engine,
             scheduler=scheduler, chunk_size=chunk_size, progress=progress, commit_seconds=commit_seconds)
        _write_output(journal, output, fmt, matcher.clusters.assignments())
        if state["index"]:  # the shared index keeps what this run added, without its checkpoint
            index.commit({})
    finally:
        index.close()
    summary.seconds = time.perf_counter() - started
    for done_file in (journal, state_file):
        done_file.unlink(missing_ok=True)
    if temp_index.exists():
        shutil.rmtree(temp_index)
    return summary


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _load_archive_briefs(archive: Path) -> Iterator[Brief]:
    for raw in iter_raw(archive):
        item = parse_raw(raw)
        if isinstance(item, RecordError):
            raise item
        yield item


def _load_archive(archive: Path, matcher: Matcher, ctx: Context) -> None:
    """Earlier briefs to search: into the index, and the window of the latest ones."""
    briefs = list(_load_archive_briefs(archive))
    for brief in briefs:
        matcher.index.add(brief.id, brief.unit, brief.submitted_at, brief.text)
    _remember(matcher, ctx, briefs)


def _remember(matcher: Matcher, ctx: Context, items) -> None:
    """Replay earlier records (the archive, a resumed run's prefix) into the same-event window and
    the clusters, a block at a time: the window keeps only its briefs, the clusters their members."""
    embed = getattr(ctx.model, "embed", None)
    block: list[Brief] = []

    def flush() -> None:
        if block:
            matcher.remember(block, embed(block).tocsr() if embed is not None else None)
            block.clear()

    for item in items:
        if isinstance(item, Brief):
            block.append(item)
            if len(block) >= 2048:
                flush()
    flush()


def _run(records, journal: Path, matcher: Matcher, index: DuplicateIndex, ctx: Context, state: dict,
         summary: StreamSummary, *, workers: int, engine: str, scheduler: str | None, chunk_size: int,
         progress, commit_seconds: float) -> None:
    if engine == "dask":
        if not scheduler:
            raise BriefError("--engine dask 需要 --scheduler tcp://主机:8786", code="missing_option")
        runner = DaskEngine(ctx, scheduler)
    elif engine == "local":
        runner = LocalEngine(ctx, workers)
    else:
        raise BriefError(f"未知引擎 {engine},可用:local、dask", code="invalid_option")
    done = summary.total
    last_commit = time.monotonic()
    pending_prepare: deque = deque()
    pending_finish: deque = deque()

    def write(out, block_over: int) -> None:
        """Write finished chunks in order: those done, and any beyond `block_over` waiting."""
        nonlocal done, last_commit
        while pending_finish and (len(pending_finish) > block_over or pending_finish[0][0].done()):
            handle, n, count = pending_finish.popleft()
            data, counts = handle.result()
            out.write(data)
            summary.merge(counts)
            done += n
            if progress is not None:
                progress(done, n)
            if time.monotonic() - last_commit >= commit_seconds:
                out.flush()
                os.fsync(out.fileno())  # the lines first, then the checkpoint that counts them
                index.commit({"run": state["run"], "done": done, "count": count}, count=count)
                last_commit = time.monotonic()

    try:
        with journal.open("ab") as out:
            for raws in _chunks(records, chunk_size):
                pending_prepare.append(runner.prepare(raws))
                while len(pending_prepare) >= runner.depth:
                    _advance(runner, matcher, pending_prepare, pending_finish)
                    write(out, runner.depth)
            while pending_prepare:
                _advance(runner, matcher, pending_prepare, pending_finish)
                write(out, runner.depth)
            write(out, 0)
            out.flush()
            os.fsync(out.fileno())
            index.commit({"run": state["run"], "done": done, "count": len(index)})
    finally:
        runner.close()


def _advance(runner, matcher: Matcher, pending_prepare: deque, pending_finish: deque) -> None:
    handle = pending_prepare.popleft()
    chunk = runner.fetch(handle)
    duplicates = matcher.match(chunk)
    pending_finish.append((runner.finish(handle, duplicates), chunk.records, len(matcher.index)))


# --- writing the output -----------------------------------------------------------------------------------

FLAT_COLUMNS = ("id", "unit", "category", "urgent", "urgent_probability", "priority", "adoption_probability",
                "expected_points", "flags", "duplicates", "event_time", "model_version", "error_code",
                "error_message", "line", "review")


def _event_until(event) -> str | None:
    """The flat `event_time` column: the end of the event's interval (older journals hold it as a string)."""
    return event.get("until") if isinstance(event, dict) else event


def flat_row(line: dict) -> dict:
    """One output line as a flat row for CSV and Parquet; `review` holds the whole JSON."""
    if "error" in line:
        return {"id": line.get("id"), "unit": None, "category": None, "urgent": None, "urgent_probability": None,
                "priority": None, "adoption_probability": None, "expected_points": None, "flags": None,
                "duplicates": None, "event_time": None, "model_version": None,
                "error_code": line["error"]["code"], "error_message": line["error"]["message"],
                "line": line.get("line"), "review": json.dumps(line, ensure_ascii=False)}
    return {"id": line["id"], "unit": line.get("unit"), "category": line["category"], "urgent": line["urgent"],
            "urgent_probability": line.get("urgent_probability"), "priority": line["priority"],
            "adoption_probability": line["adoption"]["probability"],
            "expected_points": line["adoption"]["expected_points"],
            "flags": ";".join(f["code"] for f in line["flags"]),
            "duplicates": ";".join(f"{d['id']}:{d['similarity']:.2f}" for d in line["duplicates"]),
            "event_time": _event_until(line.get("event_time")), "model_version": line.get("model_version"),
            "error_code": None, "error_message": None, "line": None, "review": json.dumps(line, ensure_ascii=False)}


def _with_clusters(lines: Iterator[dict], clusters: dict[str, str]) -> Iterator[dict]:
    """Each review with its `cluster_id`, known only once later briefs joined (None: alone)."""
    for line in lines:
        if "error" not in line:
            line["cluster_id"] = clusters.get(line["id"])
        yield line


def _write_output(journal: Path, output: Path, fmt: str, clusters: dict[str, str] | None = None) -> None:
    """The journal (JSONL) into the output's format, with the cluster ids, atomically: a temp file
    renamed into place."""
    tmp = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with journal.open("rb") as src:
            lines = _with_clusters((orjson.loads(raw) for raw in src), clusters or {})
            if fmt == "jsonl":
                with tmp.open("wb") as fh:
                    for line in lines:
                        fh.write(orjson.dumps(line, option=_JSONL))
            elif fmt == "csv":
                with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.DictWriter(fh, fieldnames=FLAT_COLUMNS)
                    writer.writeheader()
                    for line in lines:
                        writer.writerow({k: safe_cell(v) for k, v in flat_row(line).items()})
            else:
                _write_parquet(lines, tmp)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_parquet(lines: Iterator[dict], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("unit", pa.string()), ("category", pa.string()),
                        ("urgent", pa.bool_()), ("urgent_probability", pa.float64()), ("priority", pa.float64()),
                        ("adoption_probability", pa.float64()), ("expected_points", pa.float64()),
                        ("flags", pa.string()), ("duplicates", pa.string()), ("event_time", pa.string()),
                        ("model_version", pa.string()), ("error_code", pa.string()), ("error_message", pa.string()),
                        ("line", pa.int64()), ("review", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        while True:
            rows = [flat_row(line) for line in islice(lines, 8192)]
            if not rows:
                break
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))


def read_output(path: Path) -> Iterator[dict]:
    """The review dicts of a finished output file, in any of the output formats (for tests and tools)."""
    fmt = output_format(path)
    if fmt == "jsonl":
        with Path(path).open(encoding="utf-8") as fh:
            for raw in fh:
                yield json.loads(raw)
    elif fmt == "csv":
        with Path(path).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                yield json.loads(row["review"])
    else:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(columns=["review"]):
            for value in batch.column(0).to_pylist():
                yield json.loads(value)


def config_for_worker(config_dict: dict) -> ReviewConfig:
    """A configuration rebuilt from its plain dict on another machine (every key given, so no file is read)."""
    return load_config(DEFAULTS_PATH, overrides=config_dict)
