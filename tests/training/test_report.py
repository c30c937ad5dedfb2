"""`briefs evaluate --report DIR`: a self-contained HTML page whose plots exist and are real SVGs."""

import json
import re
import xml.etree.ElementTree as ET

import numpy as np
from typer.testing import CliRunner

from cli.main import app
from training.evaluate import precision_at_k
from training.report import reliability

from tests.conftest import ROOT

EXPECTED = {"confusion.svg", "per_class.svg", "reliability.svg", "precision_at_k.svg", "by_month.svg",
            "by_unit.svg", "comparison.svg"}


def test_report_page_references_valid_pngs_and_nothing_outside(tmp_path, trained_model_dir, monkeypatch):
    from models.registry import ModelRegistry

    root = tmp_path / "registry"
    registry = ModelRegistry(root)
    registry.ensure_initial(trained_model_dir)
    registry.register_dir(trained_model_dir, parent="v1")
    monkeypatch.setenv("BRIEFS_MODEL_ROOT", str(root))
    monkeypatch.delenv("BRIEFS_MODEL_DIR", raising=False)
    monkeypatch.delenv("BRIEFS_CONFIG", raising=False)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["evaluate", str(ROOT / "data_samples" / "heldout.jsonl"), "--report", str(out),
                                      "--compare", "v2"])
    assert result.exit_code == 0, result.output
    page = (out / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert set(sources) == EXPECTED
    for name in sources:
        svg = ET.parse(out / name).getroot()  # a complete, well-formed SVG document
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        assert float(svg.get("width").removesuffix("pt")) > 200 and float(svg.get("height").removesuffix("pt")) > 150
    # self-contained: no scripts, styles, fonts or images from anywhere else
    assert not re.search(r"(src|href)=\"(https?:)?//", page) and "<script" not in page
    assert "模型评估报告:v1" in page and "混淆矩阵" in page
    assert metrics_unit_names_listed(out, page)
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert sum(map(sum, metrics["metrics"]["full"]["confusion"])) == 120
    # v2 is the same model under another name: the comparison shows identical numbers
    assert metrics["comparison"]["champion"] == metrics["comparison"]["challenger"]


def metrics_unit_names_listed(out, page):
    """The unit plot names its units; the page's table lists each of them."""
    rows = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["by_unit"]
    return rows and all(f"<tr><td>{r['group']}</td><td>{r['n']}</td>" in page for r in rows)


def test_reliability_bins_and_precision_at_k():
    probs = np.array([0.05, 0.1, 0.15, 0.9, 0.95, 0.5])
    outcome = np.array([0, 0, 1, 1, 1, 0], dtype=float)
    bins = reliability(probs, outcome, bins=4)
    assert [b["n"] for b in bins] == [3, 1, 2]
    assert bins[0]["observed"] == 1 / 3 and bins[-1]["observed"] == 1.0
    assert precision_at_k(np.array([True, True, False, True]), (1, 3, 10)) == {1: 1.0, 3: 2 / 3, 4: 0.75}
