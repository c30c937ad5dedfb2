"""Text made safe for a spreadsheet cell: no formula, no control character.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
spreadsheet programs as a formula (a unit named `=HYPERLINK(...)` becomes a live link),
so such text gets a leading apostrophe, which Excel, WPS and LibreOffice show as plain
text. Control characters other than tab and newline are dropped: XLSX cannot hold them.
Numbers and None pass through unchanged.
"""

from __future__ import annotations

import re

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(text: str) -> str:
    """`text` without the control characters XML (XLSX, DOCX) cannot hold."""
    return _CONTROL.sub("", text)


def safe_cell(value):
    """`value` as it may go into a CSV or XLSX cell."""
    if not isinstance(value, str):
        return value
    text = plain_text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
