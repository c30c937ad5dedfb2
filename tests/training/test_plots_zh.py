"""The evaluation report's plots in Chinese: SVG text the browser draws, real unit names.

The plots keep their text as SVG <text> (no glyph outlines), so a reader's browser draws
the characters with its own fonts. In Chromium each Chinese character of the labels is
drawn, off screen, in the font the plot asks for and compared pixel by pixel: a missing
glyph is drawn as the same empty box for every character, so distinct characters that
come out identical, or identical to a character no font has, are missing glyphs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from review.brief import CATEGORIES, CATEGORY_NAMES_ZH
from review.readers import load_briefs
from training.evaluate import evaluate_model_detail
from training.report import write_report

from tests.api.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import ROOT, SAMPLES

SVG = "{http://www.w3.org/2000/svg}"
HAN = re.compile(r"[\u4e00-\u9fff]")
PLOTS = ("confusion.svg", "per_class.svg", "reliability.svg", "precision_at_k.svg", "by_month.svg",
         "by_unit.svg", "comparison.svg")
# Only the held-out set was evaluated, as when no brief is new to the champion.
COMPARISON = {"champion": {"heldout": {"n": 120, "macro_f1": 0.91, "adoption_auc": 0.80, "accepted_accuracy": 0.93}},
              "challenger": {"heldout": {"n": 120, "macro_f1": 0.88, "adoption_auc": 0.83,
                                         "accepted_accuracy": 0.90}}}


@pytest.fixture(scope="module")
def report(tmp_path_factory, trained_model_dir, config):
    """A report of the session model on the held-out set, with a held-out-only comparison."""
    from models import load_model

    model = load_model(trained_model_dir)
    evaluation = evaluate_model_detail(model, load_briefs(ROOT / "data_samples" / "heldout.jsonl"), config=config,
                                       name="挑战者,固定留出集")
    out = tmp_path_factory.mktemp("report")
    write_report(out, evaluation, data=load_briefs(SAMPLES), title="重新训练报告", comparison=COMPARISON,
                 decision="v2 未上线")
    return out


def _texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def test_plots_are_svg_with_chinese_text_not_outlines(report):
    page = (report / "index.html").read_text(encoding="utf-8")
    assert set(re.findall(r'<img src="([^"]+)"', page)) == set(PLOTS)
    for name in PLOTS:
        source = (report / name).read_text(encoding="utf-8")
        texts = _texts(report / name)
        assert any(HAN.search(t) for t in texts), name  # Chinese labels, as text
        # no glyph outlines: outlined text would be <path id="DejaVuSans-…"> glyphs that each
        # text group <use>s; here every text group holds a <text> and nothing else draws letters
        assert not re.search(r'<path id="[A-Za-z]+-[0-9a-f]+"', source), name
        groups = [g for g in ET.parse(report / name).getroot().iter(f"{SVG}g") if g.get("id", "").startswith("text_")]
        assert groups and all(list(g.iter(f"{SVG}text")) and not list(g.iter(f"{SVG}use")) for g in groups), name
        assert not re.search(r"\b(predicted|labelled|champion|challenger|adoption rate|briefs|model)\b",
                             " ".join(texts)), name
    names = [CATEGORY_NAMES_ZH[c] for c in CATEGORIES]
    for name in ("confusion.svg", "per_class.svg", "by_unit.svg"):
        assert set(names) <= set(_texts(report / name)), name
    assert "混淆矩阵(120 条)" in _texts(report / "confusion.svg")


def test_unit_plot_names_the_units_and_the_page_has_no_none(report):
    page = (report / "index.html").read_text(encoding="utf-8")
    briefs = load_briefs(SAMPLES)
    counts = {}
    for b in briefs:
        counts[b.unit] = counts.get(b.unit, 0) + 1
    top = sorted(counts, key=lambda u: (-counts[u], u))[:15]
    texts = _texts(report / "by_unit.svg")
    assert [t for t in texts if t in counts] == top  # real names, in order of volume
    assert not any(re.fullmatch(r"U\d\d", t) for t in texts)
    for unit in top:
        assert f"<tr><td>{unit}</td><td>{counts[unit]}</td>" in page
    # only the test set actually used is in the table; the page says the other was not done
    assert "None" not in page and "n=" not in page
    assert "时间切分测试集(" not in page and "固定留出集(120 条)" in page and "本次未做时间切分测试。" in page
    assert {"固定留出集", "类别 macro-F1", "采用 AUC", "当前模型", "挑战者(新模型)"} <= set(_texts(report / "comparison.svg"))
    assert not any("时间切分" in t for t in _texts(report / "comparison.svg"))
    assert page.count('<a href="/admin#models">返回模型管理</a>') == 2  # top and bottom


# Draws each character alone in the given font on a canvas and returns a digest of its pixels.
GLYPHS_JS = """([chars, font]) => {
  const canvas = new OffscreenCanvas(64, 64);  // the page is an SVG document: no HTML canvas element
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const digest = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = '40px ' + font;
    ctx.fillStyle = '#000';
    ctx.fillText(ch, 8, 48);
    const data = ctx.getImageData(0, 0, 64, 64).data;
    let h = 0, ink = 0;
    for (let i = 3; i < data.length; i += 4) { h = (h * 31 + data[i]) >>> 0; ink += data[i] > 0; }
    return [h, ink];
  };
  return {chars: chars.map(digest), missing: digest('\\u{F0000}'), missing2: digest('\\u{F0001}')};
}"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chromium_draws_every_chinese_label_of_the_plots(report, browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto((report / "index.html").as_uri())
    page.wait_for_load_state("load")
    sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == len(PLOTS) and all(ok and w > 200 and h > 150 for ok, w, h in sizes), sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # plots scale down
    screenshot(page, "report-plots-zh")
    for name in ("by_unit.svg", "confusion.svg", "comparison.svg"):
        page.goto((report / name).as_uri())
        labels = page.evaluate("Array.from(document.querySelectorAll('text'))"
                               ".map(t => [t.textContent, getComputedStyle(t).fontFamily, t.getBBox().width])")
        chinese = [(text, font, width) for text, font, width in labels if HAN.search(text)]
        assert chinese and all(width > 0 for _, _, width in chinese), name
        font = chinese[0][1]
        chars = sorted({ch for text, _, _ in chinese for ch in text if HAN.match(ch)})
        result = page.evaluate(GLYPHS_JS, [chars, font])
        # a character no font has: the box Chromium draws for any missing glyph
        assert result["missing"] == result["missing2"]
        digests = [tuple(d) for d in result["chars"]]
        missing = [ch for ch, d in zip(chars, digests) if d == tuple(result["missing"]) or d[1] == 0]
        assert not missing, f"{name}: drawn as missing glyphs: {''.join(missing)}"
        assert len(set(digests)) == len(chars), name  # every character its own glyph
    context.close()
