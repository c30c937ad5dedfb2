"""The unit statistics (通报) as CSV and XLSX, with Chinese headers."""

from __future__ import annotations

import csv
import io

from api.formats import POINTS_EXCEL_FORMAT, format_points
from review.cells import safe_cell

COLUMNS = [("rank", "排名"), ("unit", "单位"), ("submitted", "报送数"), ("adopted", "采用数"),
           ("adopted_county", "县级采用"), ("adopted_city", "市级采用"), ("adopted_province", "省级采用"),
           ("adopted_central", "中央采用"), ("adoption_rate", "采用率"), ("points", "得分"),
           ("problem_trend_share", "问题/苗头类占比"), ("months_without_adoption", "零采用月份")]


def _cells(row: dict) -> list:
    """One unit's cells; text that a spreadsheet would read as a formula is made plain text."""
    return [safe_cell("、".join(row[key]) if key == "months_without_adoption" else row[key]) for key, _ in COLUMNS]


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


def stats_xlsx(stats: list[dict], *, title: str) -> bytes:
    """An XLSX workbook with one sheet of the statistics."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "单位统计"
    sheet.append([f"信息报送采用情况通报({title})"])
    sheet.append([label for _, label in COLUMNS])
    points_column = [key for key, _ in COLUMNS].index("points") + 1
    for row in stats:
        sheet.append(_cells(row))
        sheet.cell(row=sheet.max_row, column=points_column).number_format = POINTS_EXCEL_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(stats: list[dict], start, end, fmt: str):
    """The statistics for `start`..`end` as a download: CSV or XLSX."""
    from fastapi.responses import Response

    from api.errors import NotFound

    name = f"units-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "csv":
        return Response(stats_csv(stats), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(stats_xlsx(stats, title=f"{start}至{end}"),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    raise NotFound("导出格式应为 csv 或 xlsx", code="not_found")
