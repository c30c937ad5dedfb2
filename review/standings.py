"""The 通报's standings: ranks with ties (并列), and units sorted into the 通报's groups.

Units with equal points share a rank and the next rank skips (standard competition ranking:
1, 2, 2, 4), as a 通报 reads "并列第2".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def competition_ranks(points: Sequence[float]) -> list[tuple[int, bool]]:
    """(rank, tied) for each of `points`, already sorted best first: equal points, equal rank."""
    out: list[tuple[int, bool]] = []
    for i, value in enumerate(points):
        rank = out[-1][0] if i and value == points[i - 1] else i + 1
        out.append((rank, False))
    counts: dict[int, int] = {}
    for rank, _ in out:
        counts[rank] = counts.get(rank, 0) + 1
    return [(rank, counts[rank] > 1) for rank, _ in out]


def rank_label(rank: int, tied: bool) -> str:
    """The rank as a 通报 prints it: "3", or "并列第2" for a shared rank."""
    return f"并列第{rank}" if tied else str(rank)


def group_units(names: Sequence[str], groups: Sequence[Mapping], other: str) -> dict[str, list[str]]:
    """`names` by group, groups in configured order, names in their given order. A unit goes to
    the first group whose `units` lists it, else the first with a `suffixes` entry its name ends
    with, else to `other`. Groups left empty are left out."""
    found: dict[str, list[str]] = {}
    for name in names:
        group = next((g["name"] for g in groups if name in g.get("units", ())), None)
        group = group or next((g["name"] for g in groups if name.endswith(tuple(g.get("suffixes", ())))), other)
        found.setdefault(group, []).append(name)
    order = [g["name"] for g in groups] + [other]
    return {group: found[group] for group in order if group in found}
