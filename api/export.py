"""The unit statistics (通报) as CSV and XLSX, with Chinese headers; the download of either, or of
the Word 通报 (api/report_docx.py)."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from fastapi.responses import Response

from api.errors import NotFound
from api.formats import POINTS_EXCEL_FORMAT, format_points
from api.report_docx import report_docx
from review import clock
from review.cells import safe_cell
from review.periods import ended_months, month_ranges, period_words
from review.standings import rank_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

COLUMNS = [("rank", "排名"), ("unit", "单位"), ("submitted", "报送数"), ("adopted", "采用数"),
           ("adopted_county", "县级采用"), ("adopted_city", "市级采用"), ("adopted_province", "省级采用"),
           ("adopted_central", "中央采用"), ("adoption_rate", "采用率"), ("points", "得分"),
           ("problem_trend_share", "问题/苗头类占比"), ("months_without_adoption", "零采用月份"),
           ("with_errors", "有差错篇数"), ("error_rate", "差错率")]
# Spreadsheet number formats by column: shares as percentages, points with two decimals.
NUMBER_FORMATS = {"adoption_rate": "0.0%", "problem_trend_share": "0.0%", "error_rate": "0.0%",
                  "points": POINTS_EXCEL_FORMAT}
COUNTS = {"submitted", "adopted", "adopted_county", "adopted_city", "adopted_province", "adopted_central",
          "with_errors"}


def _cells(row: dict) -> list:
    """One unit's cells; text that a spreadsheet would read as a formula is made plain text."""
    values = {**row, "rank": rank_label(row["rank"], row.get("tied", False)),
              "months_without_adoption": month_ranges(row["months_without_adoption"])}
    return [safe_cell(values[key]) for key, _ in COLUMNS]


def _csv_cells(row: dict) -> list:
    """One unit's CSV cells: points written with the same precision as on the pages."""
    return [format_points(cell) if key == "points" else cell for (key, _), cell in zip(COLUMNS, _cells(row))]


def stats_csv(stats: list[dict]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read the Chinese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    for row in stats:
        writer.writerow(_csv_cells(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _display_width(value) -> int:
    """Columns a value takes in a spreadsheet: a CJK character (and a dash or quote in a Chinese font) is two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in str(value))


def _shown(cell) -> str:
    """A cell's value as the spreadsheet shows it (for its column's width)."""
    if isinstance(cell.value, (int, float)) and cell.number_format.endswith("%"):
        return f"{cell.value:.1%}"
    if isinstance(cell.value, float) and cell.number_format == "0.00":
        return f"{cell.value:.2f}"
    return "" if cell.value is None else str(cell.value)


def stats_xlsx(stats: list[dict], *, title: str, notes: Sequence[str] = ()) -> bytes:
    """An XLSX workbook ready to send: a title row, a bold frozen header, widths fit for Chinese,
    rates as percentages and points with two decimals, notes under the table; prints landscape
    on one page width."""

    book = Workbook()
    sheet = book.active
    sheet.title = "单位统计"
    sheet.append([safe_cell(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([label for _, label in COLUMNS])
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    for row in stats:
        sheet.append(_cells(row))
        for (key, _), cell in zip(COLUMNS, sheet[sheet.max_row]):
            cell.border = border
            if key in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[key]
            elif key in COUNTS:
                cell.number_format = "0"
            if key == "rank":
                cell.alignment = Alignment(horizontal="center")
            elif key in ("unit", "months_without_adoption"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [_display_width(label) for _, label in COLUMNS]
    for cells in sheet.iter_rows(min_row=3, max_row=sheet.max_row):
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], _display_width(_shown(cell)))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(40, width + 2)
    for note in notes:
        sheet.append([])
        sheet.append([safe_cell(note)])
    sheet.freeze_panes = "A3"  # the title and the header stay in view
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(stats: list[dict], start, end, fmt: str, *, config, units: Sequence[str] = ()):
    """The statistics for `start`..`end` as a download: CSV, XLSX or the Word 通报 (which also
    names the `units` that sent nothing)."""


    report = config.section("report")
    name = f"units-{start:%Y%m%d}-{end:%Y%m%d}"
    title = f"{period_words(start, end)}{report['area']}政务信息报送采用情况"
    months = list(stats[0]["adopted_by_month"]) if stats else []
    notes = ["注:本月尚未结束,未计入零采用月份。"] if len(ended_months(months, clock.today())) < len(months) else []
    if fmt == "csv":
        return Response(stats_csv(stats), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(stats_xlsx(stats, title=title, notes=notes),
                        media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    if fmt == "docx":
        return Response(report_docx(stats, start, end, units=units, config=report, issued_on=clock.today()),
                        media_type=DOCX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.docx"'})
    raise NotFound("导出格式应为 csv、xlsx 或 docx", code="not_found")
