"""Needs on the wire, one schema per audience: the resident (tracking code), scoped staff, the public."""

import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs, UpdateSchema, text
from ..i18n import N_
from ..database import utcnow
from ..points.models import BENEFICIARY_GROUPS
from .models import STATUSES, URGENCIES


class NeedCreateSchema(LoadSchema):
    community_id = ma.fields.Integer(required=True, strict=True)
    place_id = ma.fields.Integer(
        strict=True,
        allow_none=True,
        metadata={"description": "a compound, grid or building of the community (required from residents)"},
    )
    category = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=40, error=N_("请选择服务类别")),
        error_messages={"required": N_("请选择服务类别")},
        metadata={"description": "a service category code"},
    )
    description = text(2000, error_messages={"required": N_("请描述诉求（2000 字以内）")})
    resident_name = text(50, error_messages={"required": N_("请填写姓名（50 字以内）")})
    resident_phone = ma.fields.String(
        validate=ma.validate.Length(max=20),
        allow_none=True,
        metadata={"description": "required from residents; staff may omit it"},
    )
    urgency = ma.fields.String(validate=ma.validate.OneOf(URGENCIES), metadata={"description": "staff only"})
    beneficiary_group = ma.fields.String(
        validate=ma.validate.OneOf(BENEFICIARY_GROUPS),
        allow_none=True,
        metadata={"description": "五类人群; staff only"},
    )
    channel = ma.fields.String(
        validate=ma.validate.OneOf(["door_to_door", "staff"]),
        metadata={"description": "staff only: 敲门问需 (door_to_door) or 社区录入 (staff)"},
    )


class NeedReceiptSchema(DumpSchema):
    """What the submitter gets back: the tracking code is the resident's only key."""

    id = ma.fields.Integer()
    tracking_code = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime()


class NeedEventSchema(DumpSchema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.Function(lambda e: e.actor.name if e.actor else None, allow_none=True)
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String()


class NeedStaffSchema(DumpSchema):
    """A need as scoped staff see it, 五类人群 and the resident's phone included. The tracking code
    is masked: it is the resident's key to rate and reopen."""

    id = ma.fields.Integer()
    tracking_code = ma.fields.String(
        attribute="masked_tracking_code", metadata={"description": "masked (first two characters, then ****)"}
    )
    channel = ma.fields.String()
    status = ma.fields.String()
    community_id = ma.fields.Integer()
    community_name = ma.fields.String(attribute="community.name")
    place_id = ma.fields.Integer(allow_none=True)
    place_name = ma.fields.String()
    category = ma.fields.String()
    description = ma.fields.String()
    resident_name = ma.fields.String()
    resident_phone = ma.fields.String(allow_none=True)
    has_photo = ma.fields.Function(lambda n: bool(n.photo))
    urgency = ma.fields.String()
    beneficiary_group = ma.fields.String(allow_none=True)
    owner_id = ma.fields.Integer(allow_none=True)
    owner_name = ma.fields.Function(lambda n: n.owner.name if n.owner else None, allow_none=True)
    department_id = ma.fields.Integer(allow_none=True)
    department_name = ma.fields.Function(lambda n: n.department.name if n.department else None, allow_none=True)
    due_at = ma.fields.AwareDateTime()
    # Judged at the moment of answering: a need turns overdue without being touched.
    overdue = ma.fields.Function(lambda n: n.is_overdue(utcnow()))
    escalation_level = ma.fields.Integer()
    reject_reason = ma.fields.String(allow_none=True)
    result = ma.fields.String(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    rating_comment = ma.fields.String(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class NeedDetailSchema(NeedStaffSchema):
    events = ma.fields.List(ma.fields.Nested(NeedEventSchema))


class NeedQuerySchema(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    area_id = ma.fields.Integer(metadata={"description": "only needs placed in this area's subtree"})
    overdue = ma.fields.Boolean(metadata={"description": "true: only overdue; false: none overdue"})


class NeedAcceptSchema(LoadSchema):
    owner_account_id = ma.fields.Integer(
        strict=True, allow_none=True, metadata={"description": "首问负责人; the caller when absent"}
    )
    urgency = ma.fields.String(validate=ma.validate.OneOf(URGENCIES))
    beneficiary_group = ma.fields.String(validate=ma.validate.OneOf(BENEFICIARY_GROUPS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class NeedRejectSchema(LoadSchema):
    reason = text(500, metadata={"description": "shown to the resident"})


class NeedTransferSchema(LoadSchema):
    department_id = ma.fields.Integer(required=True, strict=True)
    due_at = ma.fields.AwareDateTime(metadata={"description": "the department's due date; its usual span when absent"})
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class NeedResolveSchema(LoadSchema):
    result = text(1000, metadata={"description": "shown to the resident and on the public page"})


class NeedReopenSchema(LoadSchema):
    reason = text(500)


class NeedFeedbackSchema(LoadSchema):
    stars = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=5, error=N_("请选择 1–5 星")),
        error_messages={"required": N_("请选择 1–5 星")},
    )
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))
    phone_last4 = ma.fields.String(
        load_default=None,
        validate=ma.validate.Regexp(r"^\d{4}$"),
        metadata={
            "description": "the last four digits of the phone the need was filed with (required when it has one)"
        },
    )


class NeedTrackingEventSchema(DumpSchema):
    at = ma.fields.AwareDateTime()
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String()


class NeedTrackingSchema(DumpSchema):
    """The resident's view through the tracking code: masked, never the 五类人群."""

    tracking_code = ma.fields.String()
    asks_phone_digits = ma.fields.Boolean(
        metadata={"description": "rating asks for the last four digits of the need's phone"}
    )
    status = ma.fields.String()
    category = ma.fields.String()
    community = ma.fields.String()
    place = ma.fields.String()
    description = ma.fields.String()
    resident_name = ma.fields.String()
    resident_phone = ma.fields.String()
    urgency = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime()
    owner = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    reject_reason = ma.fields.String(allow_none=True)
    result = ma.fields.String(allow_none=True)
    rating = ma.fields.Integer(allow_none=True)
    rating_comment = ma.fields.String(allow_none=True)
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    can_rate = ma.fields.Boolean()
    events = ma.fields.List(ma.fields.Nested(NeedTrackingEventSchema))


class DepartmentSchema(DumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    due_days = ma.fields.Integer()
    contact = ma.fields.String()
    active = ma.fields.Boolean()


class DepartmentQuerySchema(LoadSchema):
    include_inactive = ma.fields.Boolean(load_default=False)


class DepartmentCreateSchema(LoadSchema):
    name = text(60)
    due_days = ma.fields.Integer(load_default=5, strict=True, validate=ma.validate.Range(min=1, max=90))
    contact = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


class DepartmentUpdateSchema(UpdateSchema):
    name = text(60, required=False)
    due_days = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=90))
    contact = ma.fields.String(validate=ma.validate.Length(max=100))
    active = ma.fields.Boolean()


class NeedPolicySchema(DumpSchema):
    area_id = ma.fields.Integer()
    urgent_hours = ma.fields.Integer(allow_none=True)
    normal_hours = ma.fields.Integer(allow_none=True)
    effective_urgent_hours = ma.fields.Integer()
    effective_normal_hours = ma.fields.Integer()


class NeedPolicyUpdateSchema(LoadSchema):
    urgent_hours = ma.fields.Integer(
        required=True,
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2160),
        metadata={"description": "null: use the area above"},
    )
    normal_hours = ma.fields.Integer(
        required=True, strict=True, allow_none=True, validate=ma.validate.Range(min=1, max=2160)
    )


class NeedPublicQuerySchema(PageArgs):
    area_id = ma.fields.Integer(required=True, metadata={"description": "a community or a street"})


class NeedPublicAreaSchema(DumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()


class NeedPublicCountsSchema(DumpSchema):
    received = ma.fields.Integer()
    taken_on = ma.fields.Integer(metadata={"description": "accepted or later"})
    finished = ma.fields.Integer(metadata={"description": "resolved or closed"})
    rejected = ma.fields.Integer()
    in_hand = ma.fields.Integer()
    on_time = ma.fields.Integer()
    rated = ma.fields.Integer()


class NeedPublicItemSchema(DumpSchema):
    category = ma.fields.String()
    community = ma.fields.String()
    compound = ma.fields.String()
    submitted_at = ma.fields.AwareDateTime()
    resolved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    status = ma.fields.String()
    result = ma.fields.String()
    rating = ma.fields.Integer(allow_none=True)
    on_time = ma.fields.Boolean()


class NeedPublicPageSchema(DumpSchema):
    items = ma.fields.List(ma.fields.Nested(NeedPublicItemSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()


class NeedDisclosureSchema(DumpSchema):
    area = ma.fields.Nested(NeedPublicAreaSchema)
    counts = ma.fields.Nested(NeedPublicCountsSchema)
    closure_rate = ma.fields.Float(allow_none=True, metadata={"description": "办结率: finished / taken on"})
    on_time_rate = ma.fields.Float(allow_none=True, metadata={"description": "finished by the due time / finished"})
    average_rating = ma.fields.Float(allow_none=True, metadata={"description": "mean stars of rated closed needs"})
    items = ma.fields.Nested(NeedPublicPageSchema)
