"""Request validation errors in Chinese: which field, and what it should be.

pydantic describes a failure by a stable `type` and a context; each type a client can
cause gets a Chinese sentence here, so no English from the library reaches a user.
"""

from __future__ import annotations

import re
from typing import Any

# Where a value was sent, as a user would say it.
_PLACES = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头", "cookie": "Cookie", "form": "表单"}

_MESSAGES = {
    "missing": "缺少此项",
    "extra_forbidden": "不是可用的字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
    "date_type": "应为日期,例如 2026-03-05",
    "date_parsing": "应为日期,例如 2026-03-05",
    "date_from_datetime_parsing": "应为日期,例如 2026-03-05",
    "date_from_datetime_inexact": "应为日期,例如 2026-03-05",
    "datetime_type": "应为时间,例如 2026-03-05T10:30:00+08:00",
    "datetime_parsing": "应为时间,例如 2026-03-05T10:30:00+08:00",
    "datetime_from_date_parsing": "应为时间,例如 2026-03-05T10:30:00+08:00",
    "datetime_object_invalid": "不是有效的时间",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "too_long": "项数过多",
}


def describe(errors: list[dict[str, Any]]) -> str:
    """The first validation error as one Chinese sentence naming the field."""
    if not errors:
        return "请求格式错误"
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ())]
    place = _PLACES.get(loc[0], "") if loc else ""
    field = ".".join(loc[1:]) if loc and loc[0] in _PLACES else ".".join(loc)
    kind = first.get("type", "")
    if kind == "value_error":  # our own validators raise ValueError with a Chinese message
        said = str((first.get("ctx") or {}).get("error", ""))
        if "UploadFile" in said:
            reason = "应为上传的文件"
        else:
            reason = said if re.search(r"[\u4e00-\u9fff]", said) else "取值无效"
    else:
        template = _MESSAGES.get(kind, "取值无效")
        ctx = {k: _plain(v) for k, v in (first.get("ctx") or {}).items()}
        try:
            reason = template.format(**ctx)
        except (KeyError, IndexError):
            reason = template.split("{")[0].strip() or "取值无效"
    if kind in ("json_invalid", "json_type") or not field:
        return f"请求格式错误:{place or '请求体'}{reason}"
    return f"请求格式错误:{place}{field} {reason}"


def _plain(value: Any) -> str:
    """A context value as a user reads it (pydantic quotes literals: 'adopt' or 'return')."""
    return str(value).replace("' or '", "、").replace("', '", "、").strip("'")
