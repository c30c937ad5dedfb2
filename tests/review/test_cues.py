"""The one-pass cue scan finds what each cue list's regular expression finds."""

import random

from review.cues import scan
from review.lexicon import CATEGORY_CUES, MEETING_VERBS, WORDS


def test_every_list_matches_its_regex(sample_records):
    rnd = random.Random(3)
    words = [w for ws in WORDS.values() for w in ws]
    texts = [r.get("title", "") for r in sample_records.values()] + [r.get("body", "") for r in sample_records.values()]
    # Cue words run together, cut and overlapping: longer and shorter words of several lists at one place;
    # characters outside the BMP and ASCII between them (offsets are in characters, not bytes).
    texts += ["".join(rnd.choice(words)[rnd.randint(0, 1):] if rnd.random() < 0.7 else rnd.choice("的和在\n，12😀𠮷a")
                      for _ in range(rnd.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        found = scan(text)
        for pattern in WORDS:
            assert found[pattern] == tuple(m.span() for m in pattern.finditer(text)), (pattern.pattern[:30], text)


def test_longest_word_at_a_place_and_no_overlap_within_a_list():
    found = scan("召开检查指导会议")
    assert [("召开检查指导会议"[a:b]) for a, b in found[CATEGORY_CUES["routine"]]] == ["召开", "检查指导", "会议"]
    assert [("召开检查指导会议"[a:b]) for a, b in found[MEETING_VERBS]] == ["召开", "检查", "会议"]
    assert found.count(CATEGORY_CUES["problem"]) == 0


def test_figures_of_the_text_from_title_and_body(sample_briefs):
    from review.cues import figures_in_text
    from review.lexicon import FIGURE

    rnd = random.Random(4)
    pairs = [(b.title, b.body) for b in sample_briefs]
    # Titles ending where a figure could run on over the line break into the body, and where it cannot.
    ends = ["12", "三", "万", " ", "同比增长", "下降", "３", "%", "元", "。", "3.", "共"]
    starts = ["万元", "5%", "  8个", "人次", "9", "余户", "，", "起"]
    pairs += [(rnd.choice(["全县", "今年", ""]) + rnd.choice(ends), rnd.choice(starts) + rnd.choice(["较上年", "。"]))
              for _ in range(2000)]
    pairs += [("", "同比增长 5"), ("标题", ""), ("", "")]
    for title, body in pairs:
        text = f"{title}\n{body}" if title and body else title or body
        assert figures_in_text(title, body) == tuple(m.start() for m in FIGURE.finditer(text)), (title, body)
