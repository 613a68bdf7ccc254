from typing import Any

import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs, text
from ..periods import PERIOD_KINDS
from .models import ADJUSTMENT_CAUSES, ADJUSTMENT_STATUSES, BENEFICIARY_GROUPS, ENTRY_KINDS
from .rules import ACTIVITIES, RuleBodySchema

_points_out: dict[str, Any] = {"metadata": {"description": "points (stored as tenths)"}}


class RuleSetSchema(DumpSchema):
    id = ma.fields.Integer()
    area_id = ma.fields.Integer()
    version = ma.fields.Integer()
    effective_from = ma.fields.Date()
    body = ma.fields.Dict()
    note = ma.fields.String()
    published_at = ma.fields.AwareDateTime()
    published_by_id = ma.fields.Integer(allow_none=True)


class RuleSetCreateSchema(LoadSchema):
    area_id = ma.fields.Integer(required=True, strict=True)
    effective_from = ma.fields.Date(required=True)
    body = ma.fields.Nested(RuleBodySchema, required=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class RuleSetQuerySchema(PageArgs):
    area_id = ma.fields.Integer()


class ServiceArgsMixin:
    community_id = ma.fields.Integer(required=True, strict=True)
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    hours = ma.fields.Decimal(places=2, as_string=False, validate=ma.validate.Range(min=0, max=24), allow_none=True)
    occurred_at = ma.fields.AwareDateTime(required=True)
    urgent = ma.fields.Boolean(load_default=False)
    beneficiary_group = ma.fields.String(validate=ma.validate.OneOf(BENEFICIARY_GROUPS), allow_none=True)
    activity = ma.fields.String(validate=ma.validate.OneOf(ACTIVITIES), allow_none=True)


class PreviewRequestSchema(ServiceArgsMixin, LoadSchema):
    member_id = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "count this member's caps (self or scoped staff)"}
    )


class PreviewSchema(DumpSchema):
    points = ma.fields.Float()
    lines = ma.fields.List(ma.fields.String())
    explanation = ma.fields.String()
    rule_set_id = ma.fields.Integer()
    rule_version = ma.fields.Integer()
    rule_area_id = ma.fields.Integer()
    side = ma.fields.String(allow_none=True)


class AwardRequestSchema(ServiceArgsMixin, LoadSchema):
    member_id = ma.fields.Integer(required=True, strict=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class AdjustmentRequestSchema(LoadSchema):
    member_id = ma.fields.Integer(required=True, strict=True)
    community_id = ma.fields.Integer(required=True, strict=True)
    points = ma.fields.Decimal(
        required=True, places=1, as_string=False, validate=ma.validate.Range(min=-1000, max=1000)
    )
    reason = text(200)
    idempotency_key = ma.fields.String(
        validate=ma.validate.Length(min=8, max=80), metadata={"description": "repeat the same key to make a retry safe"}
    )


class PendingAdjustmentSchema(DumpSchema):
    """An adjustment above the cap, waiting for (or decided by) a second approver."""

    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    member_name = ma.fields.Function(lambda p: p.member.name)
    community_id = ma.fields.Integer()
    points = ma.fields.Function(lambda p: p.amount / 10, **_points_out)
    reason = ma.fields.String()
    cause = ma.fields.String(
        metadata={"enum": list(ADJUSTMENT_CAUSES), "description": "above the per-entry cap, or past the monthly sum"}
    )
    status = ma.fields.String(metadata={"enum": list(ADJUSTMENT_STATUSES)})
    requested_by_id = ma.fields.Integer()
    requester_role = ma.fields.String(metadata={"description": "the approver needs this role or a higher one"})
    requested_at = ma.fields.AwareDateTime()
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    entry_id = ma.fields.Integer(allow_none=True, metadata={"description": "the ledger entry, once approved"})


class AdjustmentQuerySchema(PageArgs):
    status = ma.fields.String(load_default="pending", validate=ma.validate.OneOf(ADJUSTMENT_STATUSES))
    community_id = ma.fields.Integer()
    member_id = ma.fields.Integer()


class AdjustmentRejectSchema(LoadSchema):
    reason = text(200)


class ReverseRequestSchema(LoadSchema):
    reason = text(200)


class EntrySchema(DumpSchema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    points = ma.fields.Function(lambda e: e.amount / 10, **_points_out)
    side = ma.fields.String()
    kind = ma.fields.String()
    community_id = ma.fields.Integer()
    unit_id = ma.fields.Integer(allow_none=True)
    category = ma.fields.String(allow_none=True)
    source_type = ma.fields.String()
    source_id = ma.fields.Integer(allow_none=True)
    rule_set_id = ma.fields.Integer(allow_none=True)
    hours = ma.fields.Function(lambda e: e.hours_tenths / 10 if e.hours_tenths is not None else None, allow_none=True)
    explanation = ma.fields.String()
    occurred_at = ma.fields.AwareDateTime()
    booked_at = ma.fields.AwareDateTime()
    reverses_id = ma.fields.Integer(allow_none=True)
    actor_id = ma.fields.Integer(allow_none=True)


class EntryQuerySchema(PageArgs):
    community_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    kind = ma.fields.String(validate=ma.validate.OneOf(ENTRY_KINDS))
    start = ma.fields.Date(metadata={"description": "booked on or after (local date)"})
    end = ma.fields.Date(metadata={"description": "booked before (local date)"})


class PeriodArgs(LoadSchema):
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(PERIOD_KINDS))
    date = ma.fields.Date(metadata={"description": "any day in the period; default today"})


class MemberPointsQuerySchema(PeriodArgs):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))


class SidesSchema(DumpSchema):
    total = ma.fields.Float()
    residence = ma.fields.Float()
    unit = ma.fields.Float()
    other = ma.fields.Float()


class PeriodSchema(DumpSchema):
    kind = ma.fields.String()
    start = ma.fields.Date()
    end = ma.fields.Date()
    label = ma.fields.String()


class MemberEntriesSchema(DumpSchema):
    items = ma.fields.List(ma.fields.Nested(EntrySchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class MemberPointsSchema(DumpSchema):
    member_id = ma.fields.Integer()
    period = ma.fields.Nested(PeriodSchema)
    totals = ma.fields.Nested(SidesSchema)
    all_time = ma.fields.Nested(SidesSchema)
    entries = ma.fields.Nested(MemberEntriesSchema)


class CategorySchema(DumpSchema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(lambda: CategoryItemSchema()))


class ItemSchema(DumpSchema):
    id = ma.fields.Integer()
    category_id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()


class CategoryItemSchema(DumpSchema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()


class ItemCreateSchema(LoadSchema):
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    code = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=40), ma.validate.Regexp(r"^[a-z][a-z0-9_]*$")]
    )
    name = text(60)
    name_en = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))


class EvaluationRequestSchema(LoadSchema):
    member_id = ma.fields.Integer(required=True, strict=True)
    month = ma.fields.Date(required=True, metadata={"description": "any day of the month evaluated"})
    rating = ma.fields.String(required=True, validate=ma.validate.OneOf(["excellent", "good", "fair", "poor"]))
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class EvaluationSchema(DumpSchema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    period_start = ma.fields.Date()
    rating = ma.fields.String()
    comment = ma.fields.String()


class SideStatsSchema(DumpSchema):
    services = ma.fields.Integer()
    hours = ma.fields.Float()
    points = ma.fields.Float()


class DoubleEvaluationRowSchema(DumpSchema):
    member_id = ma.fields.Integer()
    name = ma.fields.String()
    party_status = ma.fields.String()
    by_side = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(SideStatsSchema))
    total_points = ma.fields.Float()
    evaluation = ma.fields.Dict(allow_none=True)


class DoubleEvaluationSchema(DumpSchema):
    unit_id = ma.fields.Integer()
    unit_name = ma.fields.String()
    period = ma.fields.Nested(PeriodSchema)
    rows = ma.fields.List(ma.fields.Nested(DoubleEvaluationRowSchema))


class DoubleEvaluationQuerySchema(PeriodArgs):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "xlsx"]))


class GradeRequestSchema(LoadSchema):
    area_id = ma.fields.Integer(required=True, strict=True)
    period = ma.fields.String(load_default="year", validate=ma.validate.OneOf(PERIOD_KINDS))
    date = ma.fields.Date(required=True)


class GradeResultSchema(DumpSchema):
    member_id = ma.fields.Integer()
    position = ma.fields.Integer()
    points = ma.fields.Function(lambda r: r.points / 10)
    grade = ma.fields.String()


class GradeRunSchema(DumpSchema):
    id = ma.fields.Integer()
    area_id = ma.fields.Integer()
    period_kind = ma.fields.String()
    period_start = ma.fields.Date()
    rule_set_id = ma.fields.Integer()
    method = ma.fields.String()
    computed_at = ma.fields.AwareDateTime()
    results = ma.fields.List(ma.fields.Nested(GradeResultSchema))
