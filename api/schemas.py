"""Request bodies of the API (pydantic); responses are the service's plain dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DraftIn(BaseModel):
    """A draft to self-check or a brief to submit."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=500, description="标题")
    body: str = Field("", max_length=100_000, description="正文")
    unit: str | None = Field(None, max_length=200, description="报送单位(自查时可选)")
    event_at: datetime | None = Field(None, description="事件时间(可选,默认从正文读取)")


class DecisionIn(BaseModel):
    """An editor's decision on a brief."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["adopt", "instruction", "return", "reject", "recategorise"]
    level: str | None = Field(None, description="采用级别 county/city/province/central,或批示级别 county/city/province")
    compiled: bool = Field(False, description="仅在综合编辑稿中使用")
    category: str | None = Field(None, description="更正后的类别")
    text: str = Field("", max_length=5000, description="批示内容或退回意见")


class TopicIn(BaseModel):
    """A 约稿 topic an editor publishes."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(..., min_length=1, max_length=200, description="约稿题目")
    description: str = Field("", max_length=5000, description="说明")
    deadline: datetime = Field(..., description="截止时间")


class UserIn(BaseModel):
    """A user an administrator creates."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., min_length=1, max_length=100, description="用户名")
    password: str = Field(..., min_length=8, max_length=200, description="密码(至少 8 位)")
    role: Literal["officer", "editor", "admin"] = Field(..., description="角色")
    unit: str | None = Field(None, max_length=200, description="报送单位(信息员必填)")
