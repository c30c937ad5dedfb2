"""What changed between two versions of a brief, as escaped HTML with <ins> and <del>."""

from __future__ import annotations

import difflib

from markupsafe import Markup, escape

# Above this many characters (both texts together) the comparison is by line, not by character:
# character matching is quadratic in the worst case.
CHAR_DIFF_LIMIT = 20_000


def diff_markup(old: str, new: str) -> Markup:
    """`new` with the text added since `old` in <ins> and the text removed in <del>; user text escaped."""
    by_char = len(old) + len(new) <= CHAR_DIFF_LIMIT
    a = list(old) if by_char else old.splitlines(keepends=True)
    b = list(new) if by_char else new.splitlines(keepends=True)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(Markup("<del>{}</del>").format("".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(Markup("<ins>{}</ins>").format("".join(b[j1:j2])))
        if op == "equal":
            out.append(escape("".join(b[j1:j2])))
    return Markup("").join(out)


def version_changes(versions: list[dict]) -> list[dict]:
    """For each version after the first (newest first): its number, the one before, and the diffs
    of title and body against it (`changed` false when the text is the same)."""
    out = []
    for before, after in zip(versions, versions[1:]):
        out.append({"version": after["version"], "previous": before["version"],
                    "submitted_at": after["submitted_at"],
                    "title": diff_markup(before["title"], after["title"]),
                    "body": diff_markup(before["body"], after["body"]),
                    "changed": (before["title"], before["body"]) != (after["title"], after["body"])})
    return out[::-1]
