"""Why the model chose a category: the phrases of the brief that pushed it there.

For the linear classifier each feature's push towards category k is its TF-IDF value
times how much more its coefficient favours k than the five categories on average,
x_j·(w_kj − mean_c w_cj). The character n-grams with the largest pushes are found in
the text (a title n-gram in the title, a text n-gram anywhere), overlapping or adjacent
occurrences are joined into phrases, and the phrases with the largest summed push are
returned with their offsets into `Brief.text` (title, newline, body), as flag spans are.
A transformer's share of the decision is not explained (its TF-IDF partner's is).
"""

from __future__ import annotations

import numpy as np

TERMS = 40  # n-grams considered, by push


def category_evidence(model, title: str, body: str, category: str, *, top: int = 6) -> list[dict]:
    """Up to `top` phrases, largest push first: {"text", "start", "end", "weight"}; weights are
    shares of the pushes found (they sum to at most 1)."""
    estimator = model.category
    coef = getattr(estimator, "coef_", None)
    if coef is None or category not in list(estimator.classes_):
        return []
    k = list(estimator.classes_).index(category)
    x = model.featurizer.transform(np.array([[title, body]], dtype=object)).tocsr()
    push = x.data * (coef[k, x.indices] - coef[:, x.indices].mean(axis=0))
    order = np.argsort(-push)[:TERMS]
    terms = _terms(model.featurizer)
    title_block = model.featurizer.block("title_chars")
    text = f"{title}\n{body}" if title and body else (title or body)
    scores = np.zeros(len(text) + 1)
    hit = np.zeros(len(text) + 1, dtype=bool)
    for j in order:
        if push[j] <= 0:
            break
        index = int(x.indices[j])
        term = terms.get(index)
        if not term or not term.strip():
            continue
        where = title if title_block.start <= index < title_block.stop else text
        starts = _occurrences(where, term)
        for start in starts:
            scores[start:start + len(term)] += push[j] / len(starts) / len(term)
            hit[start:start + len(term)] = True
    phrases = []
    pos = 0
    while pos < len(text):
        if not hit[pos]:
            pos += 1
            continue
        end = pos
        while end < len(text) and hit[end] and text[end] != "\n":
            end += 1
        if end - pos >= 2:  # a lone character says nothing to a reader
            phrases.append((float(scores[pos:end].sum()), pos, end))
        pos = max(end, pos + 1)
    total = sum(w for w, _, _ in phrases) or 1.0
    best = sorted(phrases, reverse=True)[:top]
    return [{"text": text[a:b], "start": a, "end": b, "weight": round(w / total, 3)} for w, a, b in best]


def _occurrences(text: str, term: str) -> list[int]:
    out, at = [], text.find(term)
    while at != -1 and len(out) < 20:
        out.append(at)
        at = text.find(term, at + 1)
    return out


def _terms(featurizer) -> dict[int, str]:
    """Feature index → n-gram, for the title and text blocks (built once per featurizer)."""
    cached = getattr(featurizer, "_evidence_terms", None)
    if cached is None:
        title, text = featurizer.block("title_chars"), featurizer.block("text_chars")
        cached = {title.start + i: t for t, i in featurizer.title_vec_.vocabulary_.items()}
        cached.update({text.start + i: t for t, i in featurizer.text_vec_.vocabulary_.items()})
        featurizer._evidence_terms = cached
    return cached


