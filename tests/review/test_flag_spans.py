"""Flags mark every occurrence of their evidence, not only the first."""

from datetime import datetime

from review.analysis import analyse
from review.brief import CATEGORIES, SHANGHAI, Brief
from review.checks import CheckContext, run_checks
from review.config import load_config
from review.result import Flag

CONFIG = load_config(None)
SUBMITTED = datetime(2026, 5, 20, 16, 0, tzinfo=SHANGHAI)

BOASTFUL = Brief(
    id="b1", unit="清河县农业农村局", title="我县农村人居环境整治取得空前成效",
    body=("5月以来,我县投入资金1200万元,对12个乡镇开展人居环境整治,村容村貌发生了翻天覆地的变化,"
          "这一做法史无前例,彻底解决了垃圾围村问题。群众满意度达到空前的96%。"),
    submitted_at=SUBMITTED)


def _context(brief, category="experience"):
    scores = {c: (0.9 if c == category else 0.025) for c in CATEGORIES}
    return CheckContext(config=CONFIG, analysis=analyse(brief, CONFIG), category=category, category_scores=scores,
                        urgent=False)


def _flag(brief, code, category="experience"):
    flags = [f for f in run_checks(brief, _context(brief, category)) if f.code == code]
    assert len(flags) == 1, flags
    return flags[0]


def test_exaggeration_lists_every_superlative_in_title_and_body_in_order():
    flag = _flag(BOASTFUL, "exaggeration")
    words = [BOASTFUL.text[a:b] for a, b in flag.spans]
    assert words == ["空前", "翻天覆地", "史无前例", "彻底解决", "空前"]
    assert [a for a, _ in flag.spans] == sorted(a for a, _ in flag.spans)
    # The first occurrence stays the evidence and the single span, as before.
    assert flag.span == flag.spans[0] and flag.evidence == "空前"
    assert flag.spans[0][1] <= len(BOASTFUL.title) < flag.spans[1][0]


def test_json_keeps_span_and_adds_spans():
    out = _flag(BOASTFUL, "exaggeration").to_dict()
    assert out["span"] == out["spans"][0]
    assert len(out["spans"]) == 5 and all(isinstance(s, list) and len(s) == 2 for s in out["spans"])


def test_classified_marks_every_marking():
    brief = Brief(id="c1", unit="清河县农业农村局", title="关于春耕备耕情况的报告",
                  body="秘密★1年\n全县春耕备耕物资储备充足,化肥到位3.2万吨。\n(内部资料 注意保存)", submitted_at=SUBMITTED)
    flag = _flag(brief, "classified")
    assert [brief.text[a:b] for a, b in flag.spans] == ["秘密", "内部资料"]


def test_routine_news_marks_every_meeting_verb_of_the_title():
    brief = Brief(id="r1", unit="安平县应急管理局", title="安平县召开安全生产会议并部署检查工作",
                  body="5月19日,县应急管理局召开全县安全生产工作会议,会议强调要提高认识、压实责任。",
                  submitted_at=SUBMITTED)
    flag = _flag(brief, "routine_news", category="routine")
    words = [brief.text[a:b] for a, b in flag.spans]
    assert len(words) >= 2 and all(a < len(brief.title) for a, _ in flag.spans), words
    assert flag.span == flag.spans[0]


def test_a_flag_built_with_one_span_has_it_as_its_only_occurrence():
    assert Flag("stale", "warning", "m", "4月28日", (3, 8)).spans == ((3, 8),)
    assert Flag("stale", "warning", "m", "x", spans=((1, 2), (5, 6))).span == (1, 2)
    assert "spans" not in Flag("title_missing", "warning", "m").to_dict()
