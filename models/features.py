"""Turning briefs into feature matrices for the category and urgency classifiers.

Input X is an (n, 2) array of strings: title and body. Features:
- character 1-3-grams of the title (cues live in titles; a title alone must classify),
- character 2-4-grams of title plus body,
- jieba words of the title, with a domain dictionary of 政务 terms,
- dense counts of DOMAIN.md cue phrases per category, figures, urgency words and length,
  scaled by `dense_weight` (0.25: by-unit cross-validation found larger weights let these
  coarse counts crowd out the n-grams; title-only accuracy 0.85 at 1.0, 0.93 at 0.25).
jieba runs on the title only: on the body it would add little over character n-grams and
cost more than all the rest of scoring (see bench/score_throughput.py).
"""

from __future__ import annotations

import logging
import marshal
import math
import re
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from review.brief import CATEGORIES
from review.cues import counts as cue_counts
from review.cues import figure_starts, list_number
from review.lexicon import ANALYSIS_CUES, CATEGORY_CUES, PROPOSAL_CUES, RESULT_CUES, URGENT_CUES

DICT_PATH = Path(__file__).with_name("resources") / "jieba_dict.txt"
_PUNCT = re.compile(r"[\s\W_]+")
_tokenizer = None


class _WholeFileMarshal:
    """`marshal` for jieba's cache: `load` reads the file at once and parses it from memory.

    jieba reads its prefix-dictionary cache (9 MB) with `marshal.load` on the open file,
    which reads it a few bytes at a time: 0.65 s of every start-up, 0.25 s this way.
    """

    dump, dumps, loads = staticmethod(marshal.dump), staticmethod(marshal.dumps), staticmethod(marshal.loads)

    @staticmethod
    def load(file):
        return marshal.loads(file.read())


def _jieba():
    global _tokenizer
    if _tokenizer is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        real, jieba.marshal = jieba.marshal, _WholeFileMarshal
        try:
            tok.initialize()
        finally:
            jieba.marshal = real
        tok.load_userdict(str(DICT_PATH))
        _tokenizer = tok
    return _tokenizer


class _Segmenter:
    """`tokenizer.lcut(text, HMM=False)`, the same words, about twice as fast.

    jieba builds a dict of prefix lists and a route dict per sentence and takes a logarithm
    for every candidate word; here the log-probabilities are computed once for the whole
    dictionary and the route is kept in lists. The arithmetic is jieba's, term for term
    (`log(freq or 1) - log(total)` plus the rest of the route), so ties break the same way.
    """

    def __init__(self, tokenizer) -> None:
        import jieba

        tokenizer.check_initialized()
        self.freq = tokenizer.FREQ
        self.logtotal = math.log(tokenizer.total)
        self.unknown = math.log(1) - self.logtotal
        self.logp: dict[str, float] = {}  # filled as words are met
        self.han, self.skip, self.eng = jieba.re_han_default, jieba.re_skip_default, jieba.re_eng

    def lcut(self, sentence: str) -> list[str]:
        out: list[str] = []
        for block in self.han.split(sentence):
            if not block:
                continue
            if self.han.match(block):
                self._cut_block(block, out)
            else:
                for piece in self.skip.split(block):
                    if self.skip.match(piece):
                        out.append(piece)
                    else:
                        out.extend(piece)
        return out

    def _cut_block(self, sentence: str, out: list[str]) -> None:
        freq, logp, unknown = self.freq, self.logp, self.unknown
        n = len(sentence)
        score = [0.0] * (n + 1)
        best_end = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            top = None
            i, frag = k, sentence[k]
            while i < n and frag in freq:
                if freq[frag]:
                    p = logp.get(frag)
                    if p is None:
                        p = logp[frag] = math.log(freq[frag]) - self.logtotal
                    candidate = (p + score[i + 1], i)
                    if top is None or candidate > top:
                        top = candidate
                i += 1
                frag = sentence[k:i + 1]
            if top is None:  # no dictionary word starts here: the character alone, count 0 or unknown
                top = (unknown + score[k + 1], k)
            score[k], best_end[k] = top
        x, buf = 0, ""
        while x < n:
            y = best_end[x] + 1
            word = sentence[x:y]
            if len(word) == 1 and self.eng.match(word):
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)


_segmenter: _Segmenter | None = None


def title_words(title: str) -> list[str]:
    """jieba words of a title, punctuation dropped (module-level so skops can name it)."""
    global _segmenter
    if _segmenter is None:
        _segmenter = _Segmenter(_jieba())
    return [w for w in _segmenter.lcut(title) if not _PUNCT.fullmatch(w)]


_WORDS = re.compile(r"[^\W_]+")


def strip_space(text: str) -> str:
    """Text without whitespace and ASCII/full-width punctuation runs folded to one space."""
    return " ".join(_WORDS.findall(text))  # the runs of letters and digits, as `_PUNCT.sub(" ", text).strip()`


DENSE_NAMES = (
    [f"title_cue_{c}" for c in CATEGORIES] + [f"body_cue_{c}" for c in CATEGORIES]
    + ["title_urgent", "body_urgent", "figures", "analysis", "proposal", "results",
       "body_len", "title_only", "no_title"]
)


# Cue lists counted in the title and the body (categories, then urgency), and in the body only.
_COUNTED_BOTH = [list_number(CATEGORY_CUES[c]) for c in CATEGORIES] + [list_number(URGENT_CUES)]
_COUNTED_BODY = [list_number(p) for p in (ANALYSIS_CUES, PROPOSAL_CUES, RESULT_CUES)]


def dense_features(titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
    """Cue counts and shape features, log-scaled, one row per brief (columns as `DENSE_NAMES`)."""
    log1p = math.log1p
    rows = []
    for title, body in zip(titles, bodies):
        in_title, in_body = cue_counts(title), cue_counts(body)  # the counts `findall` gives, in one pass each
        title_part = [min(in_title[j], 3) for j in _COUNTED_BOTH]
        body_part = [log1p(in_body[j]) for j in _COUNTED_BOTH]
        rows.append(title_part[:5] + body_part[:5] + [title_part[5], body_part[5], log1p(len(figure_starts(body)))]
                    + [log1p(in_body[j]) for j in _COUNTED_BODY]
                    + [log1p(len(body)) / 8.0, 0.0 if body else 1.0, 0.0 if title else 1.0])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(DENSE_NAMES))


def as_columns(X) -> tuple[list[str], list[str]]:
    """Titles and bodies from an (n, 2) array-like of strings (None counts as empty)."""
    arr = np.asarray(X, dtype=object)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("X must be an (n, 2) array of [title, body] strings")
    return [t or "" for t in arr[:, 0]], [b or "" for b in arr[:, 1]]


_WHITE = re.compile(r"\s\s+")
_FAST: dict[int, tuple] = {}  # id(vectorizer) -> (vectorizer, sorted n-gram keys, their columns)


_SEED = np.uint64(0x9E3779B97F4A7C15)
_MULT = np.uint64(0xBF58476D1CE4E5B9)


def _extend(key: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """The keys of n-grams one character longer: `key` (n-grams at each start) mixed with the next characters."""
    with np.errstate(over="ignore"):
        key = (key ^ codes) * _MULT
        key ^= key >> np.uint64(29)
    return key


def _ngram_keys(codes: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit key for every character n-gram starting at each position of `codes` (uint64 code points)."""
    m = len(codes) - n + 1
    key = np.full(m, _SEED, dtype=np.uint64)
    for k in range(n):
        key = _extend(key, codes[k:k + m])
    return key


def _ngram_key_runs(codes: np.ndarray, lo: int, hi: int):
    """(n, `_ngram_keys(codes, n)`) for n from lo to hi, each from the one before (one mixing round per n)."""
    key = _ngram_keys(codes, lo)
    yield lo, key
    for n in range(lo + 1, hi + 1):
        m = len(codes) - n + 1
        if m <= 0:
            return
        key = _extend(key[:m], codes[n - 1:n - 1 + m])
        yield n, key


class _KeyZero(Exception):
    """A term's n-gram key is 0, the empty-slot marker: this vocabulary goes through scikit-learn."""


def _key_table(vocabulary: dict) -> tuple[np.ndarray, np.ndarray, int]:
    """An open-addressing hash table (linear probing) from n-gram keys to vocabulary columns."""
    bits = max(10, int(np.ceil(np.log2(max(len(vocabulary), 1) * 4))))
    mask = (1 << bits) - 1
    keys = np.zeros(1 << bits, dtype=np.uint64)
    cols = np.full(1 << bits, -1, dtype=np.int64)
    terms = list(vocabulary)
    term_keys = np.empty(len(terms), dtype=np.uint64)
    by_length: dict[int, list[int]] = {}
    for i, term in enumerate(terms):
        by_length.setdefault(len(term), []).append(i)
    for length, idx in by_length.items():  # all terms of one length in one vectorised pass
        codes = _codes("".join(terms[i] for i in idx))
        term_keys[idx] = _ngram_keys(codes, length)[::length]
    if (term_keys == 0).any():  # key 0 marks an empty slot (one chance in 2**64 per term)
        raise _KeyZero
    probes = 1
    for key, term in zip(term_keys.tolist(), terms):
        slot = key >> (64 - bits)
        n = 0
        while cols[(slot + n) & mask] >= 0:
            n += 1
        keys[(slot + n) & mask] = key
        cols[(slot + n) & mask] = vocabulary[term]
        probes = max(probes, n + 1)
    return keys, cols, probes


def _lookup(keys: np.ndarray, cols: np.ndarray, probes: int, query: np.ndarray) -> np.ndarray:
    """The column of each query key, -1 where it is not in the vocabulary.

    An empty slot holds key 0 (`_key_table` makes sure no term's key is 0), so a probe
    needs only the keys: the columns are read for the keys found.
    """
    bits = int(np.log2(len(keys)))
    mask = len(keys) - 1
    slot = (query >> np.uint64(64 - bits)).astype(np.intp)
    out = np.full(len(query), -1, dtype=np.int64)
    stored = keys[slot]
    found = stored == query
    hit = np.flatnonzero(found)
    out[hit] = cols[slot[hit]]
    todo = np.flatnonzero(~found & (stored != 0))  # an empty slot ends the probe sequence
    for n in range(1, probes):
        if not len(todo):
            break
        where = (slot[todo] + n) & mask
        stored = keys[where]
        found = stored == query[todo]
        out[todo[found]] = cols[where[found]]
        todo = todo[~found & (stored != 0)]
    return out


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def char_tfidf(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """`vec.transform(texts)` for a fitted character n-gram `TfidfVectorizer`, computed in NumPy.

    scikit-learn builds every n-gram as a Python string and looks it up in a dict: over
    half of scoring time. Here each n-gram becomes a 64-bit key computed over the whole
    batch at once and is found in a hash table of the vocabulary's keys; the counts then go
    through the vectorizer's own TF-IDF step, so the result is the same matrix (barring a
    64-bit key collision between a term and another n-gram).
    """
    cached = _FAST.get(id(vec))
    if cached is None or cached[0] is not vec:
        try:
            cached = _FAST[id(vec)] = (vec, *_key_table(vec.vocabulary_))
        except _KeyZero:
            cached = _FAST[id(vec)] = (vec, None, None, None)
    _, table_keys, table_cols, probes = cached
    if table_keys is None:
        return vec.transform(texts)
    docs = [_WHITE.sub(" ", t.lower() if vec.lowercase else t) for t in texts]
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    # One array of code points, documents separated by U+10FFFF. No term holds it (it is not a
    # letter or digit, so it never reaches a vocabulary), so an n-gram across two documents is
    # not found, like any n-gram outside the vocabulary.
    codes = _codes("\U0010FFFF".join(docs))
    doc_of = np.repeat(np.arange(len(docs)), lengths + 1)[:len(codes)]
    n_features = len(vec.vocabulary_)
    flat = []  # document * n_features + column, one per n-gram found
    lo, hi = vec.ngram_range
    for _, keys in _ngram_key_runs(codes, lo, hi) if len(codes) >= lo else ():
        col = _lookup(table_keys, table_cols, probes, keys)
        hit = np.flatnonzero(col >= 0)
        flat.append(doc_of[hit] * n_features + col[hit])
    flat = np.sort(np.concatenate(flat)) if flat else np.empty(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]])) if len(flat) else flat
    counts = np.diff(np.append(first, len(flat)))
    row, col = np.divmod(flat[first], n_features)
    # Sorted by document, then column: the CSR arrays directly, indices already in order.
    indptr = np.searchsorted(row, np.arange(len(docs) + 1))
    counts_matrix = sp.csr_matrix((counts.astype(vec.dtype), col, indptr), shape=(len(docs), n_features))
    counts_matrix.has_sorted_indices = True
    return _weigh(vec, counts_matrix)


def word_tfidf(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """`vec.transform(texts)` for a fitted word `TfidfVectorizer`: its analyzer and vocabulary, the
    counting loop without scikit-learn's checks and conversions around it (per chunk, they cost
    about as much as the counting)."""
    analyze, vocabulary = vec.build_analyzer(), vec.vocabulary_
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for text in texts:
        counts: dict[int, int] = {}
        for word in analyze(text):
            column = vocabulary.get(word)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        for column in sorted(counts):
            indices.append(column)
            values.append(counts[column])
        indptr.append(len(indices))
    counts_matrix = sp.csr_matrix((np.array(values, dtype=vec.dtype), np.array(indices, dtype=np.int64),
                                   np.array(indptr, dtype=np.int64)), shape=(len(texts), len(vocabulary)))
    counts_matrix.has_sorted_indices = True
    if vec.binary:
        counts_matrix.data.fill(1)
    return _weigh(vec, counts_matrix)


def _weigh(vec: TfidfVectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    """The vectorizer's TF-IDF step on a count matrix, in place, from its public parameters
    (`sublinear_tf`, `idf_`, `norm`): what `vec.transform` does after counting, in the same
    order, so the values are the same (tests compare with scikit-learn)."""
    if vec.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vec.use_idf:
        counts.data *= vec.idf_[counts.indices]
    return normalize(counts, norm=vec.norm, copy=False) if vec.norm is not None else counts


def _transform(vec: TfidfVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    if vec.analyzer == "char" and vec.preprocessor is None and not vec.strip_accents:
        return char_tfidf(vec, texts)
    if vec.analyzer == "word":
        return word_tfidf(vec, texts)
    return vec.transform(texts)


class CompactTfidfVectorizer(TfidfVectorizer):
    """A `TfidfVectorizer` whose vocabulary is saved as one array of terms, not a dict.

    skops writes a dict entry by entry: a 60,000-term vocabulary became 150,000 nodes and
    took seconds to audit and load each time a model was opened. As one NumPy array of
    terms (in column order) it is one `.npy` member, and the dict is rebuilt on load.
    """

    def __getstate__(self):
        state = super().__getstate__()
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict) and sorted(vocabulary.values()) == list(range(len(vocabulary))):
            terms = [""] * len(vocabulary)
            for term, column in vocabulary.items():
                terms[column] = term
            state = dict(state)
            del state["vocabulary_"]
            state["vocabulary_terms_"] = np.array(terms, dtype=str)
        return state

    def __setstate__(self, state):
        terms = state.pop("vocabulary_terms_", None)
        if terms is not None:
            state["vocabulary_"] = {term: column for column, term in enumerate(terms.tolist())}
        super().__setstate__(state)


class BriefFeaturizer(TransformerMixin, BaseEstimator):
    """Sparse features of [title, body] rows; see the module docstring."""

    def __init__(self, *, title_ngrams=(1, 3), text_ngrams=(2, 4), use_words=True, max_text_features=60000,
                 dense_weight=0.25):
        self.title_ngrams = title_ngrams
        self.text_ngrams = text_ngrams
        self.use_words = use_words
        self.max_text_features = max_text_features
        self.dense_weight = dense_weight

    def fit(self, X, y=None):
        titles, bodies = as_columns(X)
        texts = [strip_space(t + " " + b) for t, b in zip(titles, bodies)]
        self.title_vec_ = CompactTfidfVectorizer(analyzer="char", ngram_range=tuple(self.title_ngrams),
                                                 sublinear_tf=True, min_df=2, dtype=np.float32
                                                 ).fit([strip_space(t) for t in titles])
        self.text_vec_ = CompactTfidfVectorizer(analyzer="char", ngram_range=tuple(self.text_ngrams),
                                                sublinear_tf=True, min_df=2, max_features=self.max_text_features,
                                                dtype=np.float32).fit(texts)
        if self.use_words:
            self.word_vec_ = CompactTfidfVectorizer(tokenizer=title_words, token_pattern=None, lowercase=False,
                                             sublinear_tf=True, min_df=2, dtype=np.float32).fit(titles)
        else:
            self.word_vec_ = None
        for vec in (self.title_vec_, self.text_vec_, self.word_vec_):
            if vec is None:
                continue
            # `stop_words_` (every pruned n-gram) is only for introspection; sklearn says it
            # may be deleted. Vocabulary indices become plain ints: skops writes each NumPy
            # scalar as a file of its own, which made a model 60,000 files and minutes to save.
            if hasattr(vec, "stop_words_"):
                del vec.stop_words_
            vec.vocabulary_ = {term: int(index) for term, index in vec.vocabulary_.items()}
        self.n_features_out_ = (len(self.title_vec_.vocabulary_) + len(self.text_vec_.vocabulary_)
                                + (len(self.word_vec_.vocabulary_) if self.word_vec_ is not None else 0)
                                + len(DENSE_NAMES))
        return self

    def _blocks(self) -> list[tuple[str, CompactTfidfVectorizer | None]]:
        """The feature blocks by name, in the order `transform` stacks their columns."""
        return ([("title_chars", self.title_vec_), ("text_chars", self.text_vec_)]
                + ([("title_words", self.word_vec_)] if self.word_vec_ is not None else [])
                + [("dense", None)])

    def block(self, name: str) -> slice:
        """The columns of one block of `transform`'s output: `title_chars` (character n-grams of
        the title), `text_chars` (of title + body: the same-event vectors), `title_words`, `dense`."""
        start = 0
        for block, vec in self._blocks():
            width = len(vec.vocabulary_) if vec is not None else len(DENSE_NAMES)
            if block == name:
                return slice(start, start + width)
            start += width
        raise KeyError(name)

    def text_vectors(self, titles: Sequence[str], bodies: Sequence[str]) -> sp.csr_matrix:
        """The `text_chars` block alone (L2-normalised TF-IDF of title + body): the same-event vectors."""
        return _transform(self.text_vec_, [strip_space(t + " " + b) for t, b in zip(titles, bodies)])

    def transform(self, X):
        titles, bodies = as_columns(X)
        inputs = {"title_chars": lambda: [strip_space(t) for t in titles],
                  "text_chars": lambda: [strip_space(t + " " + b) for t, b in zip(titles, bodies)],
                  "title_words": lambda: titles}
        blocks = [_transform(vec, inputs[name]()) if vec is not None else
                  sp.csr_matrix(dense_features(titles, bodies) * self.dense_weight, dtype=np.float32)
                  for name, vec in self._blocks()]
        return sp.hstack(blocks, format="csr")
