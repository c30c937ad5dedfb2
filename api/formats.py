"""How numbers read on pages and in exports: one format for points everywhere."""

from __future__ import annotations

# Points are shown with two decimals on every page and in every export (0.50, 4.72, 23.50),
# so a unit's 通报 score, a brief's points and an expected score line up and compare.
POINTS_DECIMALS = 2
# The same format as a spreadsheet number format (XLSX cells stay numbers).
POINTS_EXCEL_FORMAT = "0." + "0" * POINTS_DECIMALS


def format_points(value: float | int | None) -> str:
    """Points as text with the shared precision; nothing (None) reads as an empty string."""
    if value is None:
        return ""
    return f"{float(value):.{POINTS_DECIMALS}f}"
