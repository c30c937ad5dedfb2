"""The summary of a batch run: records read, scored and refused, and the first error messages."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_ERROR_MESSAGES = 100


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
