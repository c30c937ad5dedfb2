"""The same-event window's vectors are computed once per stored brief, and give the same matches."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from api.recent_vectors import RecentVectors
from review import clock
from review.brief import Brief
from review.same_event import add_same_event


def _window(sample_briefs, now):
    """60 stored briefs spread over the last six days, and one draft that retells the 10th."""
    stored = [Brief(id=b.id, unit=b.unit, title=b.title, body=b.body, submitted_at=now - timedelta(hours=2 * k + 1))
              for k, b in enumerate(sample_briefs[:60])]
    source = stored[10]
    draft = Brief(id="draft", unit="另一个单位", title=source.title, body=source.body[: len(source.body) * 2 // 3],
                  submitted_at=now)
    return stored, draft


def test_cached_vectors_equal_fresh_ones_and_are_computed_once(model, config, sample_briefs):
    now = clock.now()
    stored, draft = _window(sample_briefs, now)
    cache = RecentVectors()
    embed = cache.embedder(model.embed, model.version, keep=len(stored))
    pool = [*stored, draft]
    first = embed(pool)
    assert cache.computed == len(stored)
    assert np.allclose(first.toarray(), model.embed(pool).toarray())
    second = cache.embedder(model.embed, model.version, keep=len(stored))(pool)
    assert cache.computed == len(stored)  # nothing recomputed for the stored briefs
    assert np.allclose(second.toarray(), first.toarray())
    # another model version has other vectors: computed afresh
    cache.embedder(model.embed, "v-other", keep=len(stored))(pool)
    assert cache.computed == 2 * len(stored)


def test_same_event_matches_are_the_same_with_the_cache(model, config, sample_briefs):
    now = clock.now()
    stored, draft = _window(sample_briefs, now)
    plain, cached = [[]], [[]]
    add_same_event([draft], stored, model.embed, plain, config)
    cache = RecentVectors()
    for _ in range(2):
        cached = [[]]
        add_same_event([draft], stored, cache.embedder(model.embed, model.version, len(stored)), cached, config)
    assert [m.id for m in cached[0]] == [m.id for m in plain[0]]
    assert stored[10].id in [m.id for m in plain[0]]


def test_the_cache_is_bounded(model, sample_briefs):
    now = clock.now()
    stored, draft = _window(sample_briefs, now)
    cache = RecentVectors(max_entries=25)
    cache.embedder(model.embed, model.version, keep=len(stored))([*stored, draft])
    assert len(cache._rows) == 25
