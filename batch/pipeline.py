"""Streaming batch scoring of archives: constant memory, worker processes or a Dask cluster, resumable.

    score_stream(Path("archive.jsonl"), Path("reviews.parquet"), model=model, config=config, workers=2)

The input is read in chunks (`chunk_size` records). Each chunk goes through three stages:

1. `prepare_chunk` (a worker): parse the records, classify, take the same-event vectors
   from the same features, and fingerprint each text for the duplicate index;
2. `match_chunk` (this process, in input order): query the duplicate index and add to it,
   and compare vectors with the briefs of the last `same_event_days` (the growing archive);
3. `finish_chunk` (a worker): every check, adoption and priority; the output lines.

Only stage 2 is sequential: it is what makes the result the same whatever the number of
workers or the executor. A chunk's stages 1 and 3 run on the same worker, which keeps the
chunk in between; stage 2 gets a packed `MatchInput` (see batch.executors). A
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

import json
import os
import shutil
import time
import uuid
from collections import deque
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterator

from batch.executors import DaskExecutor, LocalExecutor
from batch.journal import paths, truncate_journal, write_json
from batch.matcher import Matcher
from batch.stages import Context
from batch.summary import StreamSummary
from batch.writers import output_format, write_output
from review.brief import Brief
from review.config import ReviewConfig
from review.duplicates import DuplicateIndex
from review.errors import BriefError, RecordError
from review.readers import RawRecord, iter_raw, parse_raw


def _chunks(records: Iterator[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    while True:
        chunk = list(islice(records, size))
        if not chunk:
            return
        yield chunk


def score_stream(input: Path, output: Path, *, model, config: ReviewConfig, workers: int = 1,
                 executor: str = "local", scheduler: str | None = None, index_dir: Path | None = None,
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
    if executor not in ("local", "dask"):
        raise BriefError(f"未知执行方式 {executor},可用:local、dask", code="invalid_option")
    if executor == "dask" and not scheduler:
        raise BriefError("--executor dask 需要 --scheduler tcp://主机:8786", code="missing_option")
    # Reading the first record checks the input (format, encoding, header) before anything is written.
    records = iter_raw(input, unit=unit)
    first = next(records, None)
    records = chain([first] if first is not None else [], records)
    journal, state_file, temp_index = paths(output)
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
        write_json(state_file, state)
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
            truncate_journal(journal, done)
            with journal.open("rb") as fh:
                for raw in fh:
                    summary.add(json.loads(raw))
            summary.resumed_from = done
            if archive is not None:
                _remember(matcher, ctx, _load_archive_briefs(archive))
            _remember(matcher, ctx, (parse_raw(r) for r in islice(records, done)))
        _run(records, journal, matcher, index, ctx, state, summary, workers=workers, executor=executor,
             scheduler=scheduler, chunk_size=chunk_size, progress=progress, commit_seconds=commit_seconds)
        write_output(journal, output, fmt, matcher.clusters.assignments())
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
         summary: StreamSummary, *, workers: int, executor: str, scheduler: str | None, chunk_size: int,
         progress, commit_seconds: float) -> None:
    if executor == "dask":
        if not scheduler:
            raise BriefError("--executor dask 需要 --scheduler tcp://主机:8786", code="missing_option")
        runner = DaskExecutor(ctx, scheduler)
    elif executor == "local":
        runner = LocalExecutor(ctx, workers)
    else:
        raise BriefError(f"未知执行方式 {executor},可用:local、dask", code="invalid_option")
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
