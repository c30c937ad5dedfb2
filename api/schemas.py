"""Request bodies of the API (pydantic); responses are the service's plain dicts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from review import clock

MAX_OFFSET = 10_000_000  # far past any archive; keeps OFFSET inside every database's integer


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD is a day (pydantic would read `0` as 1970-01-01)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return value.strip()
    if isinstance(value, date):
        return value
    raise ValueError("应为日期,格式 年-月-日,例如 2026-03-05")


def _within_years(value: date) -> date:
    if not clock.in_range(value):
        raise ValueError(f"应在 {clock.FIRST_YEAR}—{clock.LAST_YEAR} 年之间")
    return value


OfficeDate = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_within_years)]
def _iso_moment(value: object) -> object:
    """Only an ISO 8601 string is a time (pydantic would read `0` as 1970-01-01T00:00Z)."""
    if isinstance(value, (str, datetime)):
        return value
    raise ValueError("应为时间,格式 年-月-日T时:分,例如 2026-03-05T10:30:00+08:00")


OfficeMoment = Annotated[datetime, BeforeValidator(_iso_moment), AfterValidator(_within_years)]


class DraftIn(BaseModel):
    """A draft to self-check or a brief to submit."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=500, description="标题")
    body: str = Field("", max_length=100_000, description="正文")
    unit: str | None = Field(None, max_length=200, description="报送单位(自查时可选)")
    event_at: OfficeMoment | None = Field(None, description="事件时间(可选,默认从正文读取)")


class DecisionIn(BaseModel):
    """An editor's decision on a brief."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["adopt", "instruction", "return", "reject", "recategorise"]
    level: str | None = Field(None, description="采用级别 county/city/province/central,或批示级别 county/city/province")
    compiled: bool = Field(False, description="仅在综合编辑稿中使用")
    category: str | None = Field(None, description="更正后的类别")
    text: str = Field("", max_length=5000, description="批示内容或退回意见")
    handling_units: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=20, description="批示的承办单位(默认为报送单位),各开一项督办")


class ChainIn(BaseModel):
    """A brief confirmed as a 续报 or 终报 of its unit's chain."""

    model_config = ConfigDict(extra="forbid")
    chain_id: str = Field(..., min_length=1, max_length=64, description="初报的信息编号")
    stage: Literal["update", "final"] = Field("update", description="update 续报 / final 终报")


class FeedbackIn(BaseModel):
    """A handling unit's 落实反馈 on a 批示."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=5000, description="落实反馈")


class BulkDecisionIn(BaseModel):
    """One decision for several briefs at once (only 不采用)."""

    model_config = ConfigDict(extra="forbid")
    brief_ids: list[Annotated[str, Field(max_length=64)]] = Field(..., min_length=1, max_length=500,
                                                                  description="信息编号")
    action: Literal["reject"] = Field("reject", description="决定类型:目前只有 reject(不采用)")
    text: str = Field("", max_length=5000, description="意见(每条信息记录同一条)")


class ClusterAdoptionIn(BaseModel):
    """An editor adopting a same-event cluster's merged piece (综合信息)."""

    model_config = ConfigDict(extra="forbid")
    level: str = Field(description="采用级别 county/city/province/central")
    text: str = Field("", max_length=20000, description="编辑修改后的综合信息正文")


class TopicIn(BaseModel):
    """A 约稿 topic an editor publishes."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., min_length=1, max_length=200, description="约稿题目")
    description: str = Field("", max_length=5000, description="说明")
    deadline: OfficeMoment = Field(..., description="截止时间")


class UserIn(BaseModel):
    """A user an administrator creates."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., min_length=1, max_length=80, description="用户名")
    password: str = Field(..., min_length=8, max_length=200, description="密码(至少 8 位)")
    role: Literal["officer", "editor", "admin"] = Field(..., description="角色")
    unit: str | None = Field(None, max_length=200, description="报送单位(信息员必填)")
    unit_head: bool = Field(False, description="单位负责人:审签本单位信息后才报送信息科(仅信息员)")


class SignoffIn(BaseModel):
    """A unit head's 审签 of a brief."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["approve", "return"] = Field(..., description="approve 同意报送 / return 退回修改")
    text: str = Field("", max_length=5000, description="退回意见(退回时必填)")


class ErrorOut(BaseModel):
    """Every error the service answers: a stable code for programs, a Chinese message for people."""

    code: str = Field(..., description="稳定的错误代码,例如 invalid_request、not_found")
    message: str = Field(..., description="中文说明")


_ERRORS = {
    400: "请求体无法解析(invalid_body)", 401: "未登录、登录已过期或已退出(unauthorized)",
    403: "角色无权操作(forbidden)或 CSRF 校验失败", 404: "不存在或无权查看(not_found)",
    405: "不支持该请求方法", 409: "冲突(如重复、状态不允许)", 413: "请求内容超过上限(payload_too_large)",
    422: "请求格式或取值错误(invalid_request 等)", 429: "登录失败次数过多(too_many_attempts)",
}
# Declared on every operation, so the OpenAPI document says what an error looks like
# (FastAPI would otherwise declare its own 422 shape, which this service never sends).
ERROR_RESPONSES = {status: {"model": ErrorOut, "description": text} for status, text in _ERRORS.items()}

