"""The formal 通报 as a Word document, in the usual form of an office's notice.

Title, addressee, "现将……通报如下：", the period's totals, one table per group of units (each
group ranked on its own, equal points 并列), the units commended and those named for sending
nothing or having nothing adopted, a closing paragraph, the issuing office and the date.
Wording and grouping come from the `[report]` table of the configuration. Unit names are
written as text runs only (python-docx escapes them), so no name becomes a field or a link.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from review.cells import plain_text
from review.periods import chinese_date, period_words
from review.standings import competition_ranks, group_units, rank_label

# GB/T 9704 (党政机关公文格式): title in 小标宋 二号, body in 仿宋 三号, headings 黑体 / 楷体.
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE = 22, 16, 12
TABLE_COLUMNS = ("排名", "单位", "报送", "采用", "采用率", "得分")
NUMERALS = "一二三四五六七八九十"


def report_docx(stats: Sequence[Mapping], start: date, end: date, *, units: Sequence[str],
                config: Mapping, issued_on: date) -> bytes:
    """The Word 通报 for `start`..`end` from the unit statistics (`ReviewService.unit_stats`);
    `units` are all reporting units (those absent from `stats` sent nothing); `config` is the
    configuration's `[report]` table."""

    period = period_words(start, end)
    area = config["area"]
    doc = Document()
    _page(doc)
    _paragraph(doc, f"关于{period}{area}政务信息报送采用情况的通报", font=TITLE_FONT, size=TITLE_SIZE,
               align="center", indent=False)
    _paragraph(doc, "")
    _paragraph(doc, config["addressee"], indent=False)
    month_word = period + "份" if period.endswith("月") and "至" not in period else period
    _paragraph(doc, f"现将{month_word}{area}政务信息报送采用情况通报如下：")

    heading = iter(NUMERALS)
    _paragraph(doc, f"{next(heading)}、总体情况", font=HEADING_FONT)
    _paragraph(doc, _summary(stats, period, area))

    _paragraph(doc, f"{next(heading)}、各单位报送采用情况", font=HEADING_FONT)
    by_name = {row["unit"]: row for row in stats}
    groups = group_units([row["unit"] for row in stats], config["groups"], config["other_group"])
    for n, (group, names) in enumerate(groups.items()):
        _paragraph(doc, f"（{NUMERALS[n]}）{group}", font=SUBHEADING_FONT)
        _table(doc, [by_name[name] for name in names])

    commended = [row["unit"] for row in stats if row["rank"] <= config["commend_top"] and row["points"] > 0]
    silent = sorted(set(units) - set(by_name))
    unadopted = [row["unit"] for row in stats if row["adopted"] == 0]
    if commended or silent or unadopted:
        _paragraph(doc, f"{next(heading)}、通报表扬和需要改进的单位", font=HEADING_FONT)
    if commended:
        _paragraph(doc, f"对得分居前的{_names(commended)}予以通报表扬。")
    if silent:
        _paragraph(doc, f"本期未报送信息的单位：{_names(silent)}。")
    if unadopted:
        _paragraph(doc, f"本期报送信息未被采用的单位：{_names(unadopted)}。")
    _paragraph(doc, config["closing"])

    _paragraph(doc, "")
    _paragraph(doc, config["issuer"], align="right", indent=False)
    _paragraph(doc, chinese_date(issued_on), align="right", indent=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _summary(stats: Sequence[Mapping], period: str, area: str) -> str:
    """The period's totals in one sentence, with adoptions by level."""
    submitted = sum(row["submitted"] for row in stats)
    adopted = sum(row["adopted"] for row in stats)
    if not submitted:
        return f"{period}，{area}各单位未报送信息。"
    levels = [(name, sum(row[f"adopted_{code}"] for row in stats))
              for code, name in (("central", "中央"), ("province", "省级"), ("city", "市级"), ("county", "县级"))]
    by_level = "、".join(f"{name}采用{count}条" for name, count in levels if count)
    text = (f"{period}，{area}共有{len(stats)}个单位报送信息{submitted}条，被采用{adopted}条，"
            f"采用率{adopted / submitted:.1%}")
    return text + (f"，其中{by_level}。" if by_level else "。")


def _names(names: Sequence[str]) -> str:
    return "、".join(plain_text(name) for name in names)


def _table(doc, rows: Sequence[Mapping]) -> None:
    """One group's table, ranked within the group: equal points share a rank (并列)."""

    table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, TABLE_COLUMNS):
        _cell(cell, label, bold=True)
    ranks = competition_ranks([row["points"] for row in rows])
    for row, (rank, tied) in zip(rows, ranks):
        values = (rank_label(rank, tied), plain_text(row["unit"]), str(row["submitted"]), str(row["adopted"]),
                  f"{row['adoption_rate']:.1%}", f"{row['points']:.2f}")
        for cell, value in zip(table.add_row().cells, values):
            _cell(cell, value)
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if i != 1:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(doc, "")


def _cell(cell, text: str, *, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    _font(paragraph.add_run(text), BODY_FONT, TABLE_SIZE, bold=bold)


def _paragraph(doc, text: str, *, font: str = BODY_FONT, size: int = BODY_SIZE, align: str = "left",
               indent: bool = True):
    """A paragraph of one run; body paragraphs open with a two-character indent."""

    paragraph = doc.add_paragraph()
    paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(size * 2)
    if text:
        _font(paragraph.add_run(plain_text(text)), font, size)
    return paragraph


def _font(run, name: str, size: int, *, bold: bool = False) -> None:
    """Set a run's font for Latin and Chinese text alike (Word keeps a separate East Asian font)."""

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _page(doc) -> None:
    """A4 with the margins of GB/T 9704."""

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
