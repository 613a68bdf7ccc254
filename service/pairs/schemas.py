"""Standing pairs, visit rhythms and visits on the wire. Staff see the resident's phone; members see it masked."""

import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs, text
from ..people.phones import mask_phone
from .models import GROUPS, RHYTHMS, VISIT_STATUSES


class BeneficiaryStaffSchema(DumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone: ma.fields.Field = ma.fields.String(allow_none=True)  # masked in BeneficiaryMemberSchema
    beneficiary_group = ma.fields.String()
    community_id = ma.fields.Integer()
    place_id = ma.fields.Integer()
    place_name = ma.fields.String(attribute="place.name")


class BeneficiaryMemberSchema(BeneficiaryStaffSchema):
    phone = ma.fields.Function(lambda b: mask_phone(b.phone) if b.phone else None, allow_none=True)


class PairStaffSchema(DumpSchema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    member_name = ma.fields.String(attribute="member.name")
    beneficiary_id = ma.fields.Integer()
    beneficiary = ma.fields.Nested(BeneficiaryStaffSchema)
    group = ma.fields.String(
        metadata={"description": "五类人群 when paired: special, hardship, key, volunteer, ordinary"}
    )
    community_id = ma.fields.Integer()
    community_name = ma.fields.String(attribute="community.name")
    active = ma.fields.Boolean()
    started_at = ma.fields.AwareDateTime()
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    end_reason = ma.fields.String()
    created_by_id = ma.fields.Integer(allow_none=True)


class PairMemberSchema(PairStaffSchema):
    beneficiary = ma.fields.Nested(BeneficiaryMemberSchema)


class PairCreateSchema(LoadSchema):
    member_id = ma.fields.Integer(required=True, strict=True)
    beneficiary_id = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "an existing resident record; otherwise describe one"}
    )
    resident_name = text(50, required=False)
    resident_phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20))
    place_id = ma.fields.Integer(
        strict=True, metadata={"description": "the resident's building (or compound, grid, community)"}
    )
    beneficiary_group = ma.fields.String(validate=ma.validate.OneOf(GROUPS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class PairEndSchema(LoadSchema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class PairQuerySchema(PageArgs):
    community_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    group = ma.fields.String(validate=ma.validate.OneOf(GROUPS))
    active = ma.fields.Boolean(load_default=True)


class RhythmQuerySchema(LoadSchema):
    area_id = ma.fields.Integer(required=True)


class RhythmUpdateSchema(LoadSchema):
    rhythms = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(GROUPS)),
        values=ma.fields.String(validate=ma.validate.OneOf(RHYTHMS), allow_none=True),
        required=True,
        metadata={"description": "group → daily, weekly, monthly, at_activities, at_consultations; null inherits"},
    )


class RhythmItemSchema(DumpSchema):
    group = ma.fields.String()
    rhythm = ma.fields.String()
    periodic = ma.fields.Boolean()
    source_area_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: the 五见 default"})
    source_area_name = ma.fields.String(allow_none=True)
    set_here = ma.fields.Boolean()


class RhythmViewSchema(DumpSchema):
    area_id = ma.fields.Integer()
    area_name = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(RhythmItemSchema))


class VisitSchema(DumpSchema):
    id = ma.fields.Integer()
    pair_id = ma.fields.Integer()
    member_id = ma.fields.Integer(attribute="pair.member_id")
    member_name = ma.fields.String(attribute="pair.member.name")
    beneficiary_id = ma.fields.Integer(attribute="pair.beneficiary_id")
    beneficiary_name = ma.fields.String(attribute="pair.beneficiary.name")
    group = ma.fields.String(attribute="pair.beneficiary_group")
    rhythm = ma.fields.String()
    period_start = ma.fields.Date()
    period_end = ma.fields.Date(metadata={"description": "the first day after the period"})
    due_at = ma.fields.AwareDateTime()
    task_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String()
    claim_status = ma.fields.String(allow_none=True)


class VisitQuerySchema(PageArgs):
    status = ma.fields.String(
        validate=ma.validate.OneOf(VISIT_STATUSES + ("overdue",)),
        metadata={"description": "overdue: period ended without a verified claim"},
    )
    pair_id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    days = ma.fields.Integer(
        load_default=30,
        validate=ma.validate.Range(min=1, max=366),
        metadata={"description": "with status=overdue: how many days back"},
    )
