"""The three stages of batch scoring that a chunk of records goes through, and the context
(model and configuration) a worker runs them with.

1. `prepare_chunk` (a worker): parse, classify, same-event vectors, fingerprints;
2. the in-order duplicate search (`batch.matcher.Matcher`, in the main process);
3. `finish_chunk` (a worker): every check, adoption and priority; `encode_chunk` turns
   the output lines into JSONL bytes and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import orjson

from batch.summary import StreamSummary
from review import clock
from review.brief import Brief
from review.config import DEFAULTS_PATH, ReviewConfig, load_config
from review.duplicates import DuplicateIndex
from review.engine import build_reviews, columns, inspect_briefs
from review.errors import RecordError
from review.readers import RawRecord, parse_raw
from review.shingles import Fingerprint

JSONL = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY


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


def encode_chunk(lines: Sequence[dict]) -> tuple[bytes, StreamSummary]:
    """A chunk's output lines as JSONL bytes, and their counts (done where the chunk was scored)."""
    counts = StreamSummary()
    for line in lines:
        counts.add(line)
    # orjson writes compact UTF-8 JSON several times faster than `json.dumps` (same values, no spaces).
    return b"".join(orjson.dumps(line, option=JSONL) for line in lines), counts


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


def config_for_worker(config_dict: dict) -> ReviewConfig:
    """A configuration rebuilt from its plain dict on another machine (every key given, so no file is read)."""
    return load_config(DEFAULTS_PATH, overrides=config_dict)
