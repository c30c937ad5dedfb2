"""Texts as the duplicate search sees them: normalised (figures, place names and punctuation
masked), as sets of character shingles, and their fingerprints (LSH band keys, b-bit MinHash).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:街道|社区|省|市|县|区|镇|乡|村)")


_NUMBER = re.compile(r"(?=[0-9０-９〇零一二两三四五六七八九十百千万亿])"  # (a first-character guard: faster)
                     r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[〇零一二两三四五六七八九十百千万亿]{2,})")


_KEEP = re.compile(r"[^\W_]+")  # letters and digits: what is left when spaces, punctuation and _ go


MIX = np.uint64(0x9E3779B97F4A7C15)


_SUFFIX = re.compile(r"(?=街道|社区|[省市县区镇乡村])")


def mask_places(text: str) -> str:
    """`_PLACE.sub("〇", text)`, found from the suffixes (the lazy regex tries every character).

    The regex's leftmost match ends at the first suffix after the scan position that has
    one to four Chinese characters right before it, and starts as far left as those allow.
    """
    out, pos = [], 0
    for m in _SUFFIX.finditer(text):
        suffix = m.start()
        if suffix <= pos:  # inside the last match, or no room for a name before it
            continue
        start, lowest = suffix, max(pos, suffix - 4)
        while start > lowest and "\u4e00" <= text[start - 1] <= "\u9fff":
            start -= 1
        if start == suffix:
            continue
        out.append(text[pos:start])
        out.append("〇")
        pos = suffix + (2 if text.startswith(("街道", "社区"), suffix) else 1)
    out.append(text[pos:])
    return "".join(out)


def normalise(text: str) -> str:
    """The text as compared: names and figures masked, punctuation and spaces removed."""
    return "".join(_KEEP.findall(_NUMBER.sub("0", mask_places(text))))


_KEEP_BMP: np.ndarray | None = None


def normalised_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of `normalise(t)` for every text, concatenated (uint32), and each one's length.

    Punctuation and spaces are dropped with a table of the characters `_KEEP` keeps, over
    all texts at once, instead of a `findall` and a join per text.
    """
    global _KEEP_BMP
    if _KEEP_BMP is None:
        table = np.zeros(0x10000, dtype=bool)
        for m in _KEEP.finditer("".join(map(chr, range(0x10000)))):
            table[m.start():m.end()] = True
        _KEEP_BMP = table
    masked = [_NUMBER.sub("0", mask_places(t)) for t in texts]
    # "surrogatepass": a lone surrogate (JSON allows "\ud800") is a code point to drop, not an error.
    codes = np.frombuffer("".join(masked).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = _KEEP_BMP[np.minimum(codes, 0xFFFF)]
    for i in np.flatnonzero(codes > 0xFFFF).tolist():  # outside the BMP: rare, asked one by one
        keep[i] = _KEEP.fullmatch(chr(int(codes[i]))) is not None
    ends = np.cumsum([len(t) for t in masked], dtype=np.int64)
    kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    lengths = np.diff(np.concatenate([[0], kept[ends]]))
    return codes[keep], lengths


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array (`np.unique`'s result; a sort is faster than its hashing here)."""
    values = np.sort(values)
    if len(values) > 1:
        values = values[np.concatenate([[True], values[1:] != values[:-1]])]
    return values


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted arrays of distinct shingle hashes."""
    if not len(a) or not len(b):
        return 0.0
    both = np.concatenate((a, b))
    both.sort(kind="stable")  # two sorted runs: one linear merge
    inter = int(np.count_nonzero(both[1:] == both[:-1]))  # a value in both sets is there twice
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True)
class Fingerprint:
    """What the index needs of one text: its shingle set, LSH band keys and b-bit MinHash values.

    Computing it is the costly part of indexing and querying, and it is pure: batch
    scoring computes fingerprints in worker processes and keeps only the look-ups in order.
    """

    shingles: np.ndarray  # sorted distinct uint32 hashes of the normalised character n-grams
    bands: np.ndarray     # one uint32 key per LSH band
    bits: np.ndarray      # uint8: the low 8 bits of the first `bands` MinHash values
