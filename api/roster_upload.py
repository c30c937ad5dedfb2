"""The leaders' roster an administrator uploads on the admin page (CSV or XLSX).

The roster (name, unit, title, from, to) is what the `name_title` check reads a brief
against. The configuration file gives one (`proofreading.leaders`, `roster_file`); an
uploaded roster replaces `proofreading.leaders` through the editable settings (stored in
the `settings` table, applied without a restart, audited). Headers may be English
(name,unit,title,from,to) or Chinese (姓名,单位,职务,任职起始,任职截止); dates are
YYYY-MM-DD or Excel dates; an empty "to" means still in office. Every row is checked
before anything is stored, and the first bad row is named in the message.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook

from api.errors import ServiceError
from review.errors import ConfigError, RecordError
from review.proofread import roster_role
from review.wordfile import check_zip_bounds

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
HEADERS = {"name": "name", "姓名": "name", "unit": "unit", "单位": "unit", "title": "title", "职务": "title",
           "from": "from", "任职起始": "from", "起始日期": "from", "任职时间": "from", "to": "to", "任职截止": "to",
           "截止日期": "to", "离任时间": "to"}
COLUMNS = ("name", "unit", "title", "from", "to")


class RosterError(ServiceError):
    code, status = "invalid_roster", 422


def read_roster_upload(filename: str, data: bytes) -> list[dict]:
    """The roster entries of an uploaded file, checked: [{name, unit, title, from, to}]."""
    if not data:
        raise RosterError("上传的名单文件是空的")
    if len(data) > MAX_BYTES:
        raise RosterError(f"名单文件超过 {MAX_BYTES // (1024 * 1024)} MB,请只保留姓名、单位、职务、任职起止五列")
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(data, filename)
    elif lower.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise RosterError("名单文件应为 .csv 或 .xlsx(表头:姓名、单位、职务、任职起始、任职截止)")
    return _entries(rows)


def _csv_rows(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterError("名单文件不是 UTF-8 或 GBK 编码的文本")
    if "\x00" in text:
        raise RosterError("名单文件里有空字符(NUL),不像 CSV 文本")
    rows = []
    for row in csv.reader(io.StringIO(text)):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            raise RosterError(f"名单超过 {MAX_ROWS} 行")
    return rows


def _xlsx_rows(data: bytes, filename: str) -> list[list]:
    try:
        check_zip_bounds(data, filename, what="Excel(.xlsx)文件", code="roster")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise RosterError(f"名单超过 {MAX_ROWS} 行")
        book.close()
    except RecordError as exc:
        raise RosterError(exc.message, code=exc.code) from None
    except RosterError:
        raise
    except Exception:  # openpyxl raises many kinds on a broken workbook; none of them is the user's to read
        raise RosterError(f"{filename} 不是有效的 Excel(.xlsx)文件") from None
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _entries(rows: list[list]) -> list[dict]:
    rows = [[_cell(v) for v in row] for row in rows if any(_cell(v) for v in row)]
    if not rows:
        raise RosterError("名单文件里没有内容")
    header = [HEADERS.get(h.strip().lower(), HEADERS.get(h.strip())) for h in rows[0]]
    missing = [c for c in ("name", "unit", "title", "from") if c not in header]
    if missing:
        raise RosterError("名单第一行应为表头:姓名、单位、职务、任职起始、任职截止(或 name,unit,title,from,to),"
                          f"缺少:{'、'.join(missing)}")
    entries = []
    for number, row in enumerate(rows[1:], 2):
        entry = {c: "" for c in COLUMNS}
        for key, value in zip(header, row):
            if key is not None:
                entry[key] = value
        try:
            role = roster_role(entry, f"第 {number} 行")
        except ConfigError as exc:
            raise RosterError(f"名单{exc}") from None
        if role.until is not None and role.until < role.since:
            raise RosterError(f"名单第 {number} 行:任职截止 {role.until} 早于任职起始 {role.since}")
        if any(len(entry[c]) > 100 for c in ("name", "unit", "title")):
            raise RosterError(f"名单第 {number} 行:姓名、单位或职务超过 100 字")
        entries.append({"name": role.name, "unit": role.unit, "title": role.title, "from": role.since.isoformat(),
                        "to": role.until.isoformat() if role.until else ""})
    if not entries:
        raise RosterError("名单只有表头,没有人员")
    return entries
