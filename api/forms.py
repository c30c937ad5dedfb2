"""Drafts from the pages' forms: read into a `Brief`, or refused with a plain Chinese message.

The engine's record errors are written for files and the JSON API ("记录 draft,字段 body:……");
a person at a form needs to hear what to fill in ("请填写正文"), never a record id, a field
name or a command-line option.
"""

from __future__ import annotations

from datetime import datetime

from review.brief import Brief
from review.errors import BriefError, RecordError
from review.records import MAX_FIELD_CHARS, parse_record, read_draft

FIELD_NAMES_ZH = {"title": "标题", "body": "正文", "unit": "报送单位", "id": "编号", "submitted_at": "报送时间",
                  "event_at": "事件时间"}


class FormError(BriefError):
    """A form that cannot be used as sent; `message` says in plain words what to change."""

    code = "invalid_form"


def plain_message(exc: RecordError) -> str:
    """A record error as a sentence for the person at the form."""
    name = FIELD_NAMES_ZH.get(exc.field or "", "")
    if exc.code == "empty_brief" and exc.field:
        return "请填写正文(也可以只写标题,或上传 .docx、.txt 文件)"
    if exc.code == "missing_field" and name:
        return f"请填写{name}"
    if exc.code == "invalid_type" and name:
        return f"{name}应为文字"
    if exc.code == "field_too_large" and name:
        return f"{name}太长了,请删减到 {MAX_FIELD_CHARS} 字以内"
    if exc.code == "invalid_date" and name:
        return f"{name}不是有效的时间,请写成“2026-03-05T10:30:00”这样的格式"
    message = exc.message
    for field, label in FIELD_NAMES_ZH.items():
        message = message.replace(f"字段 {field}", label)
    return message


def read_form_draft(title: str, body: str, *, unit: str, submitted_at: datetime, brief_id: str = "draft",
                    file_name: str | None = None, file_data: bytes | None = None) -> Brief:
    """The draft a form sent (typed, or an uploaded file); `FormError` in plain Chinese otherwise."""
    try:
        if file_name:
            return read_draft(file_name, file_data, unit=unit, submitted_at=submitted_at, title=title or None)
        return parse_record({"id": brief_id, "unit": unit, "title": title, "body": body},
                            default_submitted_at=submitted_at)
    except RecordError as exc:
        raise FormError(plain_message(exc), code=exc.code) from None
