import marshmallow as ma

from ..api import DumpSchema, LoadSchema, text
from ..periods import PERIOD_KINDS
from .models import RANK_SIDES, SCOPE_KINDS
from .units import ThresholdsSchema


class RankingQuerySchema(LoadSchema):
    scope = ma.fields.String(required=True, validate=ma.validate.OneOf(SCOPE_KINDS))
    scope_id = ma.fields.Integer(required=True)
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(PERIOD_KINDS))
    start = ma.fields.Date(
        metadata={
            "description": "any day of the period; default: the latest published (public) or the current period (live)"
        }
    )
    side = ma.fields.String(load_default="total", validate=ma.validate.OneOf(RANK_SIDES))
    version = ma.fields.Integer(validate=ma.validate.Range(min=1), metadata={"description": "default: the latest"})
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


class PageOnlySchema(LoadSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


class PeriodOutSchema(DumpSchema):
    kind = ma.fields.String()
    start = ma.fields.Date()
    end = ma.fields.Date()
    label = ma.fields.String()


class SnapshotInfoSchema(DumpSchema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "null for live standings"})
    scope = ma.fields.String()
    scope_id = ma.fields.Integer()
    scope_name = ma.fields.String()
    period = ma.fields.Nested(PeriodOutSchema)
    side = ma.fields.String()
    version = ma.fields.Integer()
    supersedes_id = ma.fields.Integer(allow_none=True)
    superseded_by_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    generated_at = ma.fields.AwareDateTime()
    ledger_high_water = ma.fields.Integer(metadata={"description": "largest ledger entry id summed"})
    rule_set_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "rule versions of the entries summed"})
    checksum = ma.fields.String(metadata={"description": "SHA-256 of the rows"})
    ranked_count = ma.fields.Integer()
    row_count = ma.fields.Integer()


class PublicRowSchema(DumpSchema):
    """What a public board shows: no member ids, no phones, masked names where asked."""

    position = ma.fields.Integer()
    rank = ma.fields.Integer(allow_none=True, metadata={"description": "null: no points in the period (unranked)"})
    name = ma.fields.String(attribute="public_name")
    points = ma.fields.Float()


class StaffRowSchema(PublicRowSchema):
    member_id = ma.fields.Integer()
    full_name = ma.fields.String(attribute="name")
    masked = ma.fields.Boolean(metadata={"description": "shown as 某党员 on public boards"})
    reached_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "first reached this total (ties)"})


class PublicRankingSchema(DumpSchema):
    live = ma.fields.Boolean()
    notice = ma.fields.String(allow_none=True)
    snapshot = ma.fields.Nested(SnapshotInfoSchema)
    rows = ma.fields.List(ma.fields.Nested(PublicRowSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class LiveRankingSchema(PublicRankingSchema):
    rows = ma.fields.List(ma.fields.Nested(StaffRowSchema))


class MemberRankQuerySchema(LoadSchema):
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(PERIOD_KINDS))
    date = ma.fields.Date(metadata={"description": "any day of the period; default today"})
    side = ma.fields.String(load_default="total", validate=ma.validate.OneOf(RANK_SIDES))


class ScopeRankSchema(DumpSchema):
    scope = ma.fields.String()
    scope_id = ma.fields.Integer()
    scope_name = ma.fields.String()
    side = ma.fields.String()
    published = ma.fields.Boolean(metadata={"description": "false: live standings, not yet published"})
    snapshot_id = ma.fields.Integer(allow_none=True)
    rank = ma.fields.Integer(allow_none=True)
    position = ma.fields.Integer(allow_none=True)
    points = ma.fields.Float()
    ranked_count = ma.fields.Integer()
    member_count = ma.fields.Integer()


class MemberRankSchema(DumpSchema):
    member_id = ma.fields.Integer()
    period = ma.fields.Nested(PeriodOutSchema)
    side = ma.fields.String()
    scopes = ma.fields.List(ma.fields.Nested(ScopeRankSchema))


class CorrectionRequestSchema(LoadSchema):
    snapshot_id = ma.fields.Integer(required=True, strict=True)
    reason = text(300)


class ExportQuerySchema(LoadSchema):
    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(["xlsx", "csv"]))


class RedBlackQuerySchema(LoadSchema):
    area_id = ma.fields.Integer(required=True)
    start = ma.fields.Date(required=True, metadata={"description": "any day of the month"})


class RedBlackPublishSchema(LoadSchema):
    area_id = ma.fields.Integer(required=True, strict=True)
    start = ma.fields.Date(required=True, metadata={"description": "any day of the month"})


class UnitFiguresSchema(DumpSchema):
    position = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    unit_name = ma.fields.String()
    verdict = ma.fields.String(allow_none=True, metadata={"description": "red, black or null"})
    members = ma.fields.Integer(metadata={"description": "in-service party members"})
    registered_both = ma.fields.Integer()
    served_residence = ma.fields.Integer()
    participation_pct = ma.fields.Float(allow_none=True)
    residence_service_pct = ma.fields.Float(allow_none=True)
    points = ma.fields.Float()
    points_per_member = ma.fields.Float(allow_none=True)


class RedBlackSchema(DumpSchema):
    area_id = ma.fields.Integer()
    area_name = ma.fields.String()
    period = ma.fields.Nested(PeriodOutSchema)
    thresholds = ma.fields.Dict()
    preview = ma.fields.Boolean()
    published_id = ma.fields.Integer(allow_none=True)
    generated_at = ma.fields.AwareDateTime()
    checksum = ma.fields.String(allow_none=True)
    red = ma.fields.List(ma.fields.Nested(UnitFiguresSchema))
    black = ma.fields.List(ma.fields.Nested(UnitFiguresSchema))
    units = ma.fields.List(ma.fields.Nested(UnitFiguresSchema))


class ParticipationQuerySchema(LoadSchema):
    area_id = ma.fields.Integer(required=True)
    period = ma.fields.String(load_default="month", validate=ma.validate.OneOf(PERIOD_KINDS))
    start = ma.fields.Date(metadata={"description": "any day of the period; default today"})


class ParticipationSchema(DumpSchema):
    area_id = ma.fields.Integer()
    area_name = ma.fields.String()
    period = ma.fields.Nested(PeriodOutSchema)
    live = ma.fields.Boolean(metadata={"description": "computed now from the ledger, not a publication"})
    units = ma.fields.List(ma.fields.Nested(UnitFiguresSchema))


class AreaQuerySchema(LoadSchema):
    area_id = ma.fields.Integer(required=True)


class ThresholdsRequestSchema(ThresholdsSchema, LoadSchema):
    area_id = ma.fields.Integer(required=True, strict=True)


class ThresholdsOutSchema(DumpSchema):
    area_id = ma.fields.Integer()
    thresholds = ma.fields.Dict()
