import marshmallow as ma

from ..api import DumpSchema, ErrorDetailSchema, LoadSchema, PageArgs, text
from ..i18n import N_
from .models import SIDES, STATUSES
from .service import ACTIONS, BATCH_LIMIT


class RegistrationSchema(DumpSchema):
    id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    member_name = ma.fields.String(attribute="member.name")
    community_id = ma.fields.Integer()
    community_name = ma.fields.String(attribute="community.name")
    side = ma.fields.String(metadata={"enum": list(SIDES)})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    override_reason = ma.fields.String(allow_none=True, metadata={"description": "why staff filed against the rule"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "why it was rejected or withdrawn"})
    filed_by_id = ma.fields.Integer(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "when it stopped being active"})
    superseded_by_id = ma.fields.Integer(allow_none=True)


class RegistrationEventSchema(DumpSchema):
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.Function(lambda e: e.actor.name if e.actor else None)
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    reason = ma.fields.String(allow_none=True)


class RegistrationDetailSchema(RegistrationSchema):
    events = ma.fields.List(ma.fields.Nested(RegistrationEventSchema))


class RegistrationCreateSchema(LoadSchema):
    community_id = ma.fields.Integer(required=True, strict=True)
    side = ma.fields.String(required=True, validate=ma.validate.OneOf(SIDES))
    member_id = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "staff only: file for this member"}
    )
    override_reason = ma.fields.String(
        allow_none=True,
        validate=ma.validate.Length(max=500),
        metadata={"description": "staff only: why the residence/pairing rule is set aside"},
    )


class RejectSchema(LoadSchema):
    reason = text(500)


class WithdrawSchema(LoadSchema):
    reason = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=500))


NOTHING_TICKED = N_("请先勾选要审核的报到")


class BatchSchema(LoadSchema):
    ids = ma.fields.List(
        ma.fields.Integer(strict=True),
        required=True,
        validate=[ma.validate.Length(min=1, error=NOTHING_TICKED), ma.validate.Length(max=BATCH_LIMIT)],
        error_messages={"required": NOTHING_TICKED},
    )
    action = ma.fields.String(required=True, validate=ma.validate.OneOf(ACTIONS))
    reason = ma.fields.String(
        allow_none=True, validate=ma.validate.Length(max=500), metadata={"description": "required to reject"}
    )


class BatchItemSchema(DumpSchema):
    id = ma.fields.Integer()
    ok = ma.fields.Boolean()
    status = ma.fields.Integer(metadata={"description": "the HTTP status this id alone would have had"})
    registration = ma.fields.Nested(RegistrationSchema)
    error = ma.fields.Nested(ErrorDetailSchema, metadata={"description": "(409) details hold the allowed actions"})


class BatchResultSchema(DumpSchema):
    results = ma.fields.List(ma.fields.Nested(BatchItemSchema))


class RegistrationQuerySchema(PageArgs):
    community_id = ma.fields.Integer()
    side = ma.fields.String(validate=ma.validate.OneOf(SIDES))
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    member_id = ma.fields.Integer()


class MemberRegistrationsSchema(DumpSchema):
    member_id = ma.fields.Integer(attribute="member.id")
    complete = ma.fields.Boolean()
    missing = ma.fields.List(ma.fields.String(), metadata={"description": "sides without an approved registration"})
    active = ma.fields.Method("_active", metadata={"description": "side → community id of the approved ones"})
    pending = ma.fields.Method("_pending", metadata={"description": "side → community id of those waiting"})
    items = ma.fields.List(ma.fields.Nested(RegistrationSchema), attribute="history")

    def _active(self, status):
        return {side: s.active.community_id for side, s in status.sides.items() if s.active}

    def _pending(self, status):
        return {side: s.pending.community_id for side, s in status.sides.items() if s.pending}


class ComplianceQuerySchema(LoadSchema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "xlsx")))


class ComplianceRowSchema(DumpSchema):
    member_id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String()
    missing = ma.fields.List(ma.fields.String())
    residence_status = ma.fields.String(metadata={"description": "approved, pending or missing"})
    residence_community = ma.fields.String(allow_none=True)
    unit_status = ma.fields.String()
    unit_community = ma.fields.String(allow_none=True)


class ComplianceSchema(DumpSchema):
    unit_id = ma.fields.Integer()
    unit_name = ma.fields.String()
    total = ma.fields.Integer(metadata={"description": "in-service party members of the unit"})
    complete = ma.fields.Integer(metadata={"description": "of them, approved on both sides"})
    rows = ma.fields.List(ma.fields.Nested(ComplianceRowSchema))
