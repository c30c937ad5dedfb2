"""A brief's decision history: which decisions stand, and the status they give.

Decisions are append-only. Taking one back (撤销) appends an "undo" decision naming it
(`undoes_id`); both then drop out of everything computed from the history: status,
points, the 通报 and training labels. Works on any objects with `id`, `action` and
`undoes_id` (database rows or plain records).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

D = TypeVar("D")


def effective_decisions(decisions: Iterable[D]) -> list[D]:
    """The decisions that stand: undo rows and the decisions they undid are left out."""
    decisions = list(decisions)
    undone = {getattr(d, "undoes_id", None) for d in decisions if d.action == "undo"}
    return [d for d in decisions if d.action != "undo" and d.id not in undone]


def replay_status(decisions: Sequence, *, base: str = "submitted") -> str:
    """The status `decisions` (in the order recorded) give a brief that starts at `base`.

    采用 and 退回 set the status; 不采用 closes the brief unless it was adopted; 批示 and
    更正类别 leave it. Undone decisions count as never made.
    """
    status = base
    for d in effective_decisions(decisions):
        if d.action == "adopt":
            status = "adopted"
        elif d.action == "return":
            status = "returned"
        elif d.action == "reject" and status != "adopted":
            status = "rejected"
    return status
