"""What the API answers: one response model per shape, so the OpenAPI document says it.

Every route declares one of these. A field a response may leave out has a default and is
left out (routes serialise with `exclude_unset`), as the service always did; a field that
may be null says `| None`. Models forbid extra fields, so a key the service adds without
declaring it here fails the tests that call the route (and schemathesis checks every
response against these schemas).

One thing, kept in one module past the usual 500 lines: the declarations of what the API
answers, read together when a route changes and checked together by the OpenAPI tests.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the review of one brief (review/result.py's JSON contract) -----------------------------

class FixOut(Out):
    start: int
    end: int
    text: str


class FlagOut(Out):
    code: str = Field(description="稳定的检查代码,例如 too_long、stale")
    severity: str = Field(description="info / warning / error")
    message: str = Field(description="中文说明和修改建议")
    evidence: str
    span: list[int] | None = Field(None, description="证据在正文中的首个位置 [起, 止](无位置时省略)")
    spans: list[list[int]] | None = Field(None, description="证据的全部位置")
    suggestion: str | None = Field(None, description="确定的改法(有时才给)")
    fixes: list[FixOut] | None = Field(None, description="改法对应的每一处替换")


class DuplicateOut(Out):
    id: str
    unit: str
    similarity: float
    kind: str = Field(description="copy 雷同 / same_event 同一事件")
    submitted_at: str | None = None


class AdoptionOut(Out):
    probability: float
    expected_points: float
    level_probs: dict[str, float]


class EventTimeOut(Out):
    text: str
    start: int
    end: int
    begin: str
    until: str


class EvidenceOut(Out):
    text: str
    start: int
    end: int
    weight: float


class ReviewOut(Out):
    id: str
    unit: str | None
    category: str
    category_scores: dict[str, float]
    urgent: bool
    urgent_probability: float
    adoption: AdoptionOut
    priority: float
    priority_reasons: dict[str, float]
    flags: list[FlagOut]
    duplicates: list[DuplicateOut]
    event_time: EventTimeOut | None = Field(None, description="时效检查读到的事件时间(正文未写时间时为 null)")
    category_evidence: list[EvidenceOut] = Field(default_factory=list, description="最能说明所判类别的词句")
    model_version: str


class ModelBriefOut(Out):
    id: str
    unit: str
    title: str
    lead: str
    level: str
    similarity: float


class FixedDraftOut(Out):
    title: str
    body: str
    applied: int


class CheckOut(ReviewOut):
    model_briefs: list[ModelBriefOut] = Field(default_factory=list, description="同类已采用的范文")
    fixed: FixedDraftOut | None = Field(None, description="fix=true 时:应用确定改法后的稿件")


# --- a stored brief ---------------------------------------------------------------------------

class VersionOut(Out):
    version: int
    title: str
    body: str
    submitted_at: str


class DecisionOut(Out):
    id: int
    action: str
    level: str | None
    compiled: bool
    category: str | None
    text: str
    editor_id: int | None
    created_at: str
    undoes_id: int | None
    undone: bool


class PointsOut(Out):
    submitted: float
    adoption: float
    instruction: float
    total: float


class TopicMatchOut(Out):
    id: int
    title: str
    score: float | None
    by: str = Field(description="words 字面相近 / meaning 意思相近 / editor 编辑指定")
    by_zh: str | None = Field(None, description="by 的中文")
    concepts: list[str]
    words: list[str]


class TopicRefOut(Out):
    id: int
    title: str


class FollowupOut(Out):
    id: int
    brief_id: str
    brief_title: str
    unit: str
    level: str
    instruction: str
    due_at: str
    calendar_covered: bool
    status: str
    status_zh: str
    feedback: str | None
    feedback_at: str | None
    created_at: str


class SignoffOut(Out):
    version: int
    by: str
    action: str
    action_zh: str
    text: str
    created_at: str


class ChainReportOut(Out):
    id: str
    stage: str
    stage_zh: str
    title: str
    status: str
    submitted_at: str


class ChainOut(Out):
    id: str
    unit: str
    title: str
    reports: list[ChainReportOut]
    closed: bool
    last_at: str
    update_due: str | None
    overdue: bool


class ChainSuggestionOut(Out):
    chain_id: str
    title: str
    reports: int
    similarity: float


class PriorityReasonOut(Out):
    sign: str = Field(description="+ 提高 / - 降低 / 空:类别")
    text: str


class PriorityWordsOut(Out):
    verdict: str
    reasons: list[PriorityReasonOut]
    text: str
    weights: dict[str, float]


class BriefOut(Out):
    id: str
    unit: str
    status: str
    version: int
    category: str
    urgent: bool
    priority: float
    title: str
    body: str
    submitted_at: str
    versions: list[VersionOut]
    review: ReviewOut | None
    decisions: list[DecisionOut]
    points: PointsOut
    topics: list[TopicMatchOut]
    detached_topics: list[TopicRefOut]
    followups: list[FollowupOut]
    signoffs: list[SignoffOut]
    chain: ChainOut | None
    chain_suggestion: ChainSuggestionOut | None
    priority_words: PriorityWordsOut
    cluster_id: str | None


class SummaryOut(Out):
    id: str
    unit: str
    status: str
    title: str
    category: str
    urgent: bool
    priority: float
    submitted_at: str


class ListedBriefOut(SummaryOut):
    snippet: str | None = Field(None, description="搜索时:命中关键词的片段")


class BriefPageOut(Out):
    total: int
    items: list[ListedBriefOut]


class ClusterMemberOut(Out):
    id: str
    unit: str
    title: str
    status: str
    submitted_at: str


class QueueItemOut(SummaryOut):
    topics: list[TopicMatchOut]
    flags: list[str] = Field(description="检查发现的问题代码")
    priority_reasons: dict[str, float]
    priority_words: PriorityWordsOut
    cluster_id: str | None
    cluster_size: int
    cluster_others: list[ClusterMemberOut] | None = Field(None, description="collapse=true 时:同一事件的其他信息")


class QueuePageOut(Out):
    total: int
    items: list[QueueItemOut]


class FullnessOut(Out):
    brief_id: str
    figures: int
    causes: int
    proposals: int
    score: int
    unit: str
    title: str


class DraftSentenceOut(Out):
    text: str
    source_id: str
    unit: str


class MergedDraftOut(Out):
    title: str
    sentences: list[DraftSentenceOut]
    text: str


class ClusterOut(Out):
    id: str
    members: list[ClusterMemberOut]
    fullest: FullnessOut
    draft: MergedDraftOut


class ClusterAdoptedOut(Out):
    id: str
    level: str
    members: list[BriefOut]


class BulkDecidedOut(Out):
    id: str
    title: str


class BulkRefusedOut(Out):
    id: str
    code: str
    message: str


class BulkOut(Out):
    decided: list[BulkDecidedOut]
    refused: list[BulkRefusedOut]


class TopicOut(Out):
    id: int
    title: str
    description: str
    deadline: str
    created_at: str


# --- accounts, settings, audit -------------------------------------------------------------

class HealthOut(Out):
    status: str
    model_version: str


class TokenOut(Out):
    access_token: str
    token_type: str


class UserOut(Out):
    username: str
    role: str
    unit: str | None
    active: bool
    unit_head: bool


class SettingOut(Out):
    key: str
    label: str
    group: str
    unit: str
    value: float | int | str
    file_value: float | int | str
    overridden: bool


class SettingChangeOut(Out):
    key: str
    label: str
    old: float | int | str
    new: float | int | str


class SettingsChangedOut(Out):
    changes: list[SettingChangeOut]
    settings: list[SettingOut]


class RosterEntryOut(Out):
    name: str
    unit: str
    title: str
    from_: str = Field(alias="from")
    to: str

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UploadedOut(Out):
    by: int | None = Field(description="上传者的用户编号")
    at: str


class RosterOut(Out):
    entries: list[RosterEntryOut]
    uploaded: UploadedOut | None


class AuditItemOut(Out):
    id: int
    user: str | None
    action: str
    target: str
    target_title: str | None
    is_brief: bool
    detail: dict[str, Any] = Field(description="随操作而异的细节(例如设置的新旧值)")
    created_at: str


class AuditPageOut(Out):
    total: int
    limit: int
    offset: int
    items: list[AuditItemOut]
    actions: list[str]


class UnitStatsOut(Out):
    unit: str
    submitted: int
    adopted: int
    points: float
    adopted_county: int
    adopted_city: int
    adopted_province: int
    adopted_central: int
    adopted_by_month: dict[str, int]
    with_errors: int
    errors_by_code: dict[str, int]
    feedback_on_time: int
    feedback_late: int
    feedback_missing: int
    rank: int
    tied: bool
    adoption_rate: float
    problem_trend_share: float
    error_rate: float
    months_without_adoption: list[str]


class UnitStatsPageOut(Out):
    from_: str = Field(alias="from")
    to: str
    units: list[UnitStatsOut]

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- the learning loop ------------------------------------------------------------------------

class MetricsOut(Out):
    n: int
    macro_f1: float | None
    accepted_accuracy: float | None
    adoption_auc: float | None


class SnapshotOut(Out):
    hash: str
    size: int
    created_at: str
    sources: dict[str, int]
    corrected: int
    excluded_heldout: int
    label_counts: dict[str, int]
    adoption_known: int


class RunOut(Out):
    version: str
    champion: str | None
    promoted: bool
    reason: str
    comparison: dict[str, dict[str, MetricsOut]]
    snapshot: SnapshotOut
    backend: str
    sizes: dict[str, int]
    tolerance: float
    report: str
    finished_at: str | None = None


class DecisionRecordOut(Out):
    promoted: bool
    reason: str
    champion: str | None
    tolerance: float
    champion_metrics: dict[str, MetricsOut] | None


class ModelVersionOut(Out):
    version: str
    promoted: bool
    status: str
    parent: str | None
    created_at: str
    backend: str
    training_data_hash: str
    training_size: int
    label_counts: dict[str, int]
    metrics: dict[str, MetricsOut]
    decision: DecisionRecordOut | None


class ModelsOut(Out):
    promoted: str | None
    serving: str | None
    refused: str | None
    versions: list[ModelVersionOut]
    runs: list[RunOut]


class ServingOut(Out):
    promoted: str
    serving: str
    previous: str | None = None


class ProgressOut(Out):
    at: str
    message: str


class JobErrorOut(Out):
    code: str
    message: str


class JobOut(Out):
    id: str
    kind: str
    status: str
    created_at: str
    finished_at: str | None
    step: str
    progress: list[ProgressOut]
    result: RunOut | None
    error: JobErrorOut | None


class ReportOut(Out):
    name: str
    url: str
    created_at: str


class CandidateOut(Out):
    category: str
    probability: float


class UncertainItemOut(SummaryOut):
    margin: float
    candidates: list[CandidateOut]


class UncertainOut(Out):
    model_version: str
    total_open: int
    items: list[UncertainItemOut]


class TypedRoute(APIRoute):
    """A route that leaves out what its response left out (`exclude_unset`), rather than
    writing every optional field as null: the JSON stays what the service has always sent."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["response_model_exclude_unset"] = True  # FastAPI always passes it (False)
        super().__init__(*args, **kwargs)
