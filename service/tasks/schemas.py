import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs, UpdateSchema, text
from ..points.models import BENEFICIARY_GROUPS
from ..points.rules import ACTIVITIES
from .models import CLAIM_POLICIES, CLAIM_STATUSES, TASK_KINDS, TASK_STATUSES

_skills = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=40)), validate=ma.validate.Length(max=10))


class TaskPublicSchema(DumpSchema):
    """A task as members see it (no beneficiary group: that is for staff only)."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    kind = ma.fields.String()
    activity = ma.fields.String(allow_none=True)
    community_id = ma.fields.Integer()
    community_name = ma.fields.String(attribute="community.name")
    place_id = ma.fields.Integer()
    place_name = ma.fields.String(attribute="place.name")
    category = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    slots = ma.fields.Integer()
    taken = ma.fields.Integer()
    required_skills = ma.fields.List(ma.fields.String())
    preferred_skills = ma.fields.List(ma.fields.String())
    claim_policy = ma.fields.String()
    status = ma.fields.String()
    urgent = ma.fields.Boolean()


class TaskHallItemSchema(TaskPublicSchema):
    """The same fields, read from the task hall's plain rows (names already joined in)."""

    community_name = ma.fields.String()
    place_name = ma.fields.String()


class TaskStaffSchema(TaskPublicSchema):
    beneficiary_group = ma.fields.String(allow_none=True)
    need_ids = ma.fields.List(ma.fields.Integer())
    created_by_id = ma.fields.Integer(allow_none=True)


class TaskCreateSchema(LoadSchema):
    title = text(100)
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    community_id = ma.fields.Integer(required=True, strict=True)
    place_id = ma.fields.Integer(strict=True, allow_none=True)
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    kind = ma.fields.String(load_default="service", validate=ma.validate.OneOf(TASK_KINDS))
    activity = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(ACTIVITIES))
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    slots = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=500))
    required_skills = _skills
    preferred_skills = _skills
    claim_policy = ma.fields.String(load_default="registered", validate=ma.validate.OneOf(CLAIM_POLICIES))
    urgent = ma.fields.Boolean(load_default=False)
    beneficiary_group = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(BENEFICIARY_GROUPS))
    need_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list, validate=ma.validate.Length(max=20))
    publish = ma.fields.Boolean(load_default=True, metadata={"description": "open at once, or keep as a draft"})


class TaskUpdateSchema(UpdateSchema):
    title = text(100, required=False)
    description = ma.fields.String(validate=ma.validate.Length(max=2000))
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    slots = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=500))
    required_skills = _skills
    preferred_skills = _skills
    urgent = ma.fields.Boolean()


class TaskActionSchema(LoadSchema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))


class TaskQuerySchema(PageArgs):
    community_id = ma.fields.Integer()
    status = ma.fields.String(validate=ma.validate.OneOf(TASK_STATUSES))
    date = ma.fields.Date()
    skill = ma.fields.String(validate=ma.validate.Length(max=40))


class ClaimRequestSchema(LoadSchema):
    waitlist = ma.fields.Boolean(load_default=True, metadata={"description": "join the waitlist when full"})


class ClaimSchema(DumpSchema):
    id = ma.fields.Integer()
    task_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    claimed_at = ma.fields.AwareDateTime(allow_none=True)
    checked_in_at = ma.fields.AwareDateTime(allow_none=True)
    done_at = ma.fields.AwareDateTime(allow_none=True)
    hours = ma.fields.Function(lambda c: c.hours_tenths / 10 if c.hours_tenths is not None else None, allow_none=True)
    note = ma.fields.String()
    reason = ma.fields.String()
    late_cancel = ma.fields.Boolean()
    ledger_entry_id = ma.fields.Integer(allow_none=True)
    waitlist_position = ma.fields.Integer(allow_none=True)


class DoneSchema(LoadSchema):
    hours = ma.fields.Decimal(required=True, places=1, as_string=False, validate=ma.validate.Range(min=0.1, max=24))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class ReasonSchema(LoadSchema):
    reason = text(300)


class ClaimQuerySchema(PageArgs):
    status = ma.fields.String(load_default="done", validate=ma.validate.OneOf(CLAIM_STATUSES))
    community_id = ma.fields.Integer()


class MemberClaimQuerySchema(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(CLAIM_STATUSES))


class BatchVerifySchema(LoadSchema):
    ids = ma.fields.List(ma.fields.Integer(strict=True), required=True, validate=ma.validate.Length(min=1, max=200))


class ClaimBatchResultSchema(DumpSchema):
    id = ma.fields.Integer()
    ok = ma.fields.Boolean()
    status = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    code = ma.fields.String(allow_none=True, metadata={"description": "the error's stable code, when not ok"})
