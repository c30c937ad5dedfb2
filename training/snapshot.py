"""Training sets from editors' decisions: a versioned, content-hashed snapshot.

A snapshot joins three sources, later ones winning for the same brief id:

1. the hand-written samples (data_samples/briefs.jsonl), labelled by hand;
2. every decided brief in the database: its current text, unit and dates, its final
   category (the editor's latest correction where given, else the category the editor
   saw and let stand), its adoption outcome (highest adoption and 批示 level) and points.
   A brief that is still open but whose category an editor corrected is included too, with
   its adoption unknown (the adoption model skips it). For a brief that is also a sample
   (the demo imports them), the hand labels stay and only a correction or a new outcome
   is applied;
3. an optional file of labelled briefs (`briefs retrain --data FILE`).

Briefs of the fixed held-out set (same id or same text) are left out, so that set stays
unseen by every model. The hash is `training.train.data_hash` of the briefs, the same
hash `train_model` stamps into a model's meta.json, so a model names its data.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from review import clock
from review.brief import ADOPTION_LEVELS, INSTRUCTION_LEVELS, Adoption, Brief, Labels
from review.config import ReviewConfig
from review.errors import RecordError
from review.history import effective_decisions
from review.outcome import decision_points
from review.readers import load_briefs
from storage.queries import chunks, latest_versions
from storage.tables import BriefRow, Decision
from training.train import data_hash

DECIDING = ("adopt", "instruction", "reject")


@dataclass
class Snapshot:
    """A training set: labelled briefs, where each came from, and its content hash."""

    briefs: list[Brief]
    sources: dict[str, str]
    points: dict[str, float]
    corrected: set[str]
    excluded_heldout: int = 0
    created_at: datetime = field(default_factory=lambda: clock.now())

    @property
    def hash(self) -> str:
        """sha256 of the content and labels (order-independent): the model's training_data_hash."""
        return data_hash(self.briefs)

    def summary(self) -> dict:
        """Counts by source and label, corrections, and the hash."""
        return {"hash": self.hash, "size": len(self.briefs), "created_at": self.created_at.isoformat(timespec="seconds"),
                "sources": dict(Counter(self.sources.values())), "corrected": len(self.corrected),
                "excluded_heldout": self.excluded_heldout,
                "label_counts": dict(Counter(b.labels.category for b in self.briefs)),
                "adoption_known": sum(1 for b in self.briefs if b.labels.adoption is not None)}

    def weights(self, decision_weight: float) -> dict[str, float]:
        """Training weights by brief id: `decision_weight` for every brief an editor decided
        (in the database) or an office labelled (`--data`), none (1) for hand-written samples
        no one decided. A few hundred real decisions then move a model trained beside 1,605
        samples."""
        return {bid: float(decision_weight) for bid, source in self.sources.items() if source != "samples"}

    def records(self) -> list[dict]:
        """The briefs as records `review.records` reads back, plus source, points and correction."""
        out = []
        for b in sorted(self.briefs, key=lambda b: (b.submitted_at, b.id)):
            lab = b.labels
            rec = {"id": b.id, "unit": b.unit, "title": b.title, "body": b.body,
                   "submitted_at": b.submitted_at.isoformat(),
                   "event_at": b.event_at.isoformat() if b.event_at else None,
                   "categories": list(lab.categories), "urgent": lab.urgent,
                   "adoption": ({"level": lab.adoption.level, "instruction": lab.adoption.instruction}
                                if lab.adoption else None),
                   "source": self.sources.get(b.id), "corrected": b.id in self.corrected}
            if b.id in self.points:
                rec["points"] = self.points[b.id]
            out.append(rec)
        return out

    def write(self, directory: str | os.PathLike) -> Path:
        """Write `<hash[:16]>.jsonl` and its manifest into `directory`, atomically; returns the JSONL path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        digest = self.hash
        target = directory / f"{digest[:16]}.jsonl"
        for path, text in ((target, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records())),
                           (target.with_suffix(".json"), json.dumps(self.summary(), ensure_ascii=False, indent=2))):
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        return target


def decided_briefs(engine, config: ReviewConfig) -> tuple[list[Brief], dict[str, float], set[str], dict[str, bool]]:
    """Decided (or corrected) briefs from the database with their final labels.

    Returns the briefs, their points, the ids whose category an editor corrected, and for
    each id whether it carries an outcome decision (adopt, 批示 or reject).
    """
    with Session(engine) as session:
        decisions: dict[str, list] = {}
        for d in session.scalars(select(Decision).order_by(Decision.id)):
            decisions.setdefault(d.brief_id, []).append(d)
        # An imported archive's rejected briefs have a status but no decision rows.
        closed = session.scalars(select(BriefRow.id).where(BriefRow.status.in_(("adopted", "rejected")))).all()
        ids = list(dict.fromkeys([*decisions, *closed]))
        rows = []
        for part in chunks(ids, 1000):
            rows += latest_versions(session, BriefRow.id.in_(part))
        adopt_order = {lv: i for i, lv in enumerate(ADOPTION_LEVELS)}
        instr_order = {lv: i for i, lv in enumerate(INSTRUCTION_LEVELS)}
        briefs, points, corrected, outcome = [], {}, set(), {}
        for row, version in rows:
            ds = effective_decisions(decisions.get(row.id, []))  # an undone decision teaches nothing
            corrections = [d.category for d in ds if d.action == "recategorise" and d.category]
            decided = row.status in ("adopted", "rejected") or any(d.action in DECIDING for d in ds)
            if not decided and not corrections:
                continue  # returned for revision only: no outcome and no label yet
            adoption = None
            if decided:
                level = max([d.level for d in ds if d.action == "adopt"] or ["none"], key=adopt_order.get)
                instruction = max([d.level for d in ds if d.action == "instruction"] or ["none"],
                                  key=instr_order.get)
                adoption = Adoption(level=level, instruction=instruction)
                points[row.id] = decision_points(ds, config)["total"]
            category = corrections[-1] if corrections else row.category
            if category is None:
                continue
            if corrections:
                corrected.add(row.id)
            outcome[row.id] = decided
            briefs.append(Brief(id=row.id, unit=row.unit.name, title=version.title, body=version.body,
                                submitted_at=clock.localize(version.submitted_at),
                                event_at=version.event_at and clock.localize(version.event_at),
                                labels=Labels(categories=(category,), urgent=bool(row.urgent), adoption=adoption)))
    return briefs, points, corrected, outcome


def _text_key(b: Brief) -> str:
    return "".join(f"{b.title}{b.body}".split())


def build_snapshot(*, config: ReviewConfig, engine=None, samples: str | os.PathLike | None = None,
                   data: str | os.PathLike | None = None, heldout: str | os.PathLike | None = None) -> Snapshot:
    """Join the samples, the database's decided briefs and an optional labelled file."""
    merged: dict[str, Brief] = {}
    sources: dict[str, str] = {}
    points: dict[str, float] = {}
    corrected: set[str] = set()
    if samples is not None:
        for b in load_briefs(samples):
            if b.labels is not None:
                merged[b.id], sources[b.id] = b, "samples"
    if engine is not None:
        db_briefs, db_points, db_corrected, outcome = decided_briefs(engine, config)
        for b in db_briefs:
            base = merged.get(b.id)
            if base is None:
                merged[b.id], sources[b.id] = b, "database"
            else:
                # A hand-labelled sample: keep its labels, apply a correction and a new outcome.
                cats = base.labels.categories
                if b.id in db_corrected:
                    cats = (b.labels.category,) + tuple(c for c in cats if c != b.labels.category)
                adoption = b.labels.adoption if outcome[b.id] else base.labels.adoption
                merged[b.id] = replace(base, labels=replace(base.labels, categories=cats, adoption=adoption))
                sources[b.id] = "samples+database"
        points.update(db_points)
        corrected |= db_corrected
    if data is not None:
        for b in load_briefs(data):
            if b.labels is None:
                raise RecordError(f"{Path(data).name} 中的记录 {b.id} 没有 categories 标注,不能用于训练",
                                  record_id=b.id, field="categories", code="unlabelled")
            merged[b.id], sources[b.id] = b, "data"
    excluded = 0
    if heldout is not None:
        held = load_briefs(heldout)
        held_ids, held_texts = {b.id for b in held}, {_text_key(b) for b in held}
        for bid in [bid for bid, b in merged.items() if bid in held_ids or _text_key(b) in held_texts]:
            del merged[bid]
            sources.pop(bid, None)
            excluded += 1
    briefs = list(merged.values())
    return Snapshot(briefs=briefs, sources={b.id: sources[b.id] for b in briefs},
                    points={k: v for k, v in points.items() if k in merged},
                    corrected={k for k in corrected if k in merged}, excluded_heldout=excluded)


def time_split(briefs: Sequence[Brief], test_share: float, *, after: datetime | None = None,
               min_test: int = 1) -> tuple[list[Brief], list[Brief]]:
    """Older briefs to train on and the newest `test_share` to test on (by submission time, then id).

    With `after` (the end of the champion's training data), only test briefs submitted
    after it are kept, so both models are tested on briefs neither saw; fewer than
    `min_test` of them and the test part is empty. Everything not tested is trained on.
    """
    ordered = sorted(briefs, key=lambda b: (b.submitted_at, b.id))
    test = ordered[len(ordered) - max(1, int(round(len(ordered) * test_share))):]
    if after is not None:
        test = [b for b in test if b.submitted_at > after]
    if len(test) < min_test:
        test = []
    tested = {b.id for b in test}
    return [b for b in ordered if b.id not in tested], test
