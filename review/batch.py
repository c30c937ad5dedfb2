"""Batch scoring of a file of brief records: one review (or error) per input record, in order."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from review.brief import Brief
from review.config import ReviewConfig
from review.engine import review_in_chunks
from review.errors import RecordError
from review.records import iter_records


@dataclass
class ScoreSummary:
    """What a batch run did: counts by category and flag, duplicates, errors, speed."""

    total: int = 0
    scored: int = 0
    errors: int = 0
    categories: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)
    duplicates: int = 0
    urgent: int = 0
    seconds: float = 0.0
    error_messages: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Briefs scored per second."""
        return self.scored / self.seconds if self.seconds else 0.0


def error_line(err: RecordError) -> dict:
    """The output line for a record that could not be read."""
    return {"id": err.record_id, "line": err.line, "error": err.to_dict()}


def score_records(items: Sequence[Brief | RecordError], *, model, config: ReviewConfig, archive: Sequence[Brief] = (),
                  progress: Callable[[int], None] | None = None) -> tuple[list[dict], ScoreSummary]:
    """Review the valid briefs among `items`; return output lines in input order and a summary."""
    started = time.perf_counter()
    briefs = [item for item in items if isinstance(item, Brief)]
    reviews = iter(review_in_chunks(briefs, model, config=config, archive=archive, progress=progress))
    summary = ScoreSummary(total=len(items))
    lines = []
    for item in items:
        if isinstance(item, RecordError):
            summary.errors += 1
            summary.error_messages.append(str(item))
            lines.append(error_line(item))
            continue
        review = next(reviews)
        summary.scored += 1
        summary.categories[review.category] += 1
        summary.flags.update(review.flag_codes)
        summary.duplicates += bool(review.duplicates)
        summary.urgent += review.urgent
        lines.append(review.to_dict())
    summary.seconds = time.perf_counter() - started
    return lines, summary


def write_jsonl(lines: Sequence[dict], output: Path | None) -> None:
    """Write JSON lines to `output` atomically (temp file, then rename), or to stdout."""
    if output is None:
        for line in lines:
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=output.name, suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for line in lines:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def score_file(input: Path, output: Path | None, *, model, config: ReviewConfig, archive: Sequence[Brief] = (),
               console=None) -> ScoreSummary:
    """Score every record of a JSONL/CSV file into JSONL, with a progress bar on `console`."""
    items = list(iter_records(input))
    n_valid = sum(isinstance(i, Brief) for i in items)
    if console is None:
        lines, summary = score_records(items, model=model, config=config, archive=archive)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(TextColumn("评分"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                      TimeRemainingColumn(), console=console, transient=False) as bar:
            task = bar.add_task("score", total=n_valid, rate="")
            started = time.perf_counter()

            def advance(n: int) -> None:
                bar.advance(task, n)
                done = bar.tasks[0].completed
                bar.update(task, rate=f"{done / max(time.perf_counter() - started, 1e-9):.0f} 条/秒")

            lines, summary = score_records(items, model=model, config=config, archive=archive, progress=advance)
    write_jsonl(lines, output)
    return summary
