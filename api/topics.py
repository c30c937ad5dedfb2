"""约稿 topics on briefs: matched by words and by meaning, attached or detached by an editor.

A brief answers an open topic when the cosine of their TF-IDF vectors (the model's `embed`)
reaches `topics.min_similarity`, or when it reaches `topics.min_similarity_with_meaning`
and the brief shares the topic's concepts (review/topic_meaning.py). An editor's hand wins
over both: a topic attached to a brief stays on it (even after its deadline), a detached
one stays off. Each hit says how it was made (`by`: words, meaning or editor) and, by
meaning, which concepts and words it rests on, so the editor sees why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from review import clock
from review.brief import Brief
from review.config import ReviewConfig
from review.topic_meaning import lexicon
from storage.tables import Topic, TopicLink

BY_NAMES = {"words": "字面相近", "meaning": "意思相近", "editor": "编辑指定"}


def topic_dict(t: Topic) -> dict:
    return {"id": t.id, "title": t.title, "description": t.description,
            "deadline": clock.localize(t.deadline).isoformat(), "created_at": clock.localize(t.created_at).isoformat()}


def links_of(session, brief_ids: list[str]) -> dict[str, dict[int, bool]]:
    """For each brief, the topics an editor attached (True) or detached (False)."""
    out: dict[str, dict[int, bool]] = {}
    if not brief_ids:
        return out
    for link in session.scalars(select(TopicLink).where(TopicLink.brief_id.in_(brief_ids))):
        out.setdefault(link.brief_id, {})[link.topic_id] = link.attached
    return out


def topics_by_id(session, ids: set[int]) -> dict[int, dict]:
    return {t.id: topic_dict(t) for t in session.scalars(select(Topic).where(Topic.id.in_(ids)))} if ids else {}


def set_link(session, *, brief_id: str, topic_id: int, attached: bool, user_id: int | None) -> bool:
    """Record an editor's attach or detach; False when it was already so."""
    link = session.scalar(select(TopicLink).where(TopicLink.brief_id == brief_id, TopicLink.topic_id == topic_id)
                          .with_for_update())
    if link is not None and link.attached == attached:
        return False
    if link is None:
        session.add(TopicLink(brief_id=brief_id, topic_id=topic_id, attached=attached, user_id=user_id,
                              created_at=clock.now()))
    else:
        link.attached, link.user_id, link.created_at = attached, user_id, clock.now()
    return True


def match(topics: list[dict], texts: list[str], whens: list[datetime], *, model, config: ReviewConfig,
          links: list[dict[int, bool]] | None = None, linked: dict[int, dict] | None = None) -> list[list[dict]]:
    """The topics each text answers, best first: editor-attached ones, then by words or meaning.

    `topics` are the open ones; `links[i]` the editor's attach/detach of text i, `linked`
    the linked topics by id (attached ones may be closed, so not in `topics`)."""
    links = links or [{} for _ in texts]
    linked = linked or {}
    auto = _automatic(topics, texts, whens, model=model, config=config)
    out = []
    for hits, hand in zip(auto, links):
        kept = [h for h in hits if hand.get(h["id"]) is not False]
        have = {h["id"] for h in kept}
        for h in kept:
            if hand.get(h["id"]):
                h["by"] = "editor"
        attached = [{"id": t, "title": linked[t]["title"], "score": None, "by": "editor", "concepts": [], "words": []}
                    for t, on in hand.items() if on and t not in have and t in linked]
        ranked = sorted(attached + kept, key=lambda h: (h["by"] != "editor", -(h["score"] or 0)))
        for h in ranked:
            h["by_zh"] = BY_NAMES[h["by"]]
        out.append(ranked)
    return out


def detached(hand: dict[int, bool], linked: dict[int, dict]) -> list[dict]:
    """The topics an editor took off a brief (shown so that they can be put back)."""
    return [{"id": t, "title": linked[t]["title"]} for t, on in hand.items() if not on and t in linked]


def _automatic(topics: list[dict], texts: list[str], whens: list[datetime], *, model,
               config: ReviewConfig) -> list[list[dict]]:
    if not topics or not texts or getattr(model, "embed", None) is None:
        return [[] for _ in texts]
    cfg = config.section("topics")
    words_bar, meaning_bar = float(cfg["min_similarity"]), float(cfg["min_similarity_with_meaning"])
    share, min_words = float(cfg["min_concept_share"]), int(cfg["min_concept_words"])
    concepts = lexicon(config)
    when = max(whens)
    docs = [Brief(id=str(t["id"]), unit="", title=t["title"], body=t["description"], submitted_at=when)
            for t in topics] + [Brief(id="brief", unit="", title="", body=text, submitted_at=when) for text in texts]
    vectors = model.embed(docs)
    sims = (vectors[len(topics):] @ vectors[:len(topics)].T).toarray()
    topic_concepts = [concepts.concepts_in(f"{t['title']}\n{t['description']}") for t in topics]
    out = []
    for row, text, brief_when in zip(sims, texts, whens):
        brief_concepts = None
        hits = []
        for t, sim, wanted in zip(topics, row, topic_concepts):
            if datetime.fromisoformat(t["deadline"]) < brief_when or sim < min(words_bar, meaning_bar):
                continue
            hit = {"id": t["id"], "title": t["title"], "score": round(float(sim), 3), "by": "words",
                   "concepts": [], "words": []}
            if brief_concepts is None:
                brief_concepts = concepts.concepts_in(text)
            meant = concepts.match(wanted, brief_concepts, min_share=share, min_words=min_words)
            if meant is not None:
                hit["concepts"], hit["words"] = list(meant.concepts), list(meant.words)
            if sim >= words_bar:
                hits.append(hit)
            elif meant is not None and sim >= meaning_bar:
                hit["by"] = "meaning"
                hits.append(hit)
        out.append(hits)
    return out
