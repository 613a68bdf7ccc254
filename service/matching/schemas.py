import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs
from ..tasks.schemas import ClaimSchema, TaskPublicSchema

INVITATION_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn")


class LimitArgs(LoadSchema):
    limit = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=50))


class MatchReasonSchema(DumpSchema):
    key = ma.fields.String()
    zh = ma.fields.String()
    en = ma.fields.String()


class MatchReasonTextSchema(DumpSchema):
    zh = ma.fields.String()
    en = ma.fields.String()


class MatchExclusionSchema(DumpSchema):
    code = ma.fields.String()
    zh = ma.fields.String()
    en = ma.fields.String()


class _Explained(DumpSchema):
    score = ma.fields.Float(allow_none=True)
    breakdown = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    reasons = ma.fields.List(ma.fields.Nested(MatchReasonSchema))
    text = ma.fields.Nested(MatchReasonTextSchema)


class CandidateSchema(_Explained):
    rank = ma.fields.Integer()
    member_id = ma.fields.Integer()
    name = ma.fields.String()
    invitation = ma.fields.String(allow_none=True, metadata={"description": "status of a live invitation to this task"})


class CandidatesSchema(DumpSchema):
    task_id = ma.fields.Integer()
    open_slots = ma.fields.Integer(metadata={"description": "slots - taken - pending invitations"})
    considered = ma.fields.Integer(metadata={"description": "members weighed"})
    items = ma.fields.List(ma.fields.Nested(CandidateSchema))


class WhyNotSchema(_Explained):
    task_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    name = ma.fields.String()
    eligible = ma.fields.Boolean()
    excluded = ma.fields.Nested(
        MatchExclusionSchema,
        allow_none=True,
        metadata={"description": "the first hard filter that excludes the member"},
    )
    rank = ma.fields.Integer(allow_none=True, metadata={"description": "place among the kept candidates"})
    claim = ma.fields.String(allow_none=True)
    invitation = ma.fields.String(allow_none=True)


class RecommendedTaskSchema(_Explained):
    task = ma.fields.Nested(TaskPublicSchema)


class RecommendedTasksSchema(DumpSchema):
    member_id = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(RecommendedTaskSchema))


class DispatchRequestSchema(LoadSchema):
    area_id = ma.fields.Integer(required=True, strict=True)
    from_ = ma.fields.AwareDateTime(required=True, data_key="from")
    to = ma.fields.AwareDateTime(required=True)
    method = ma.fields.String(load_default="exact", validate=ma.validate.OneOf(("exact", "greedy")))


class DispatchSendSchema(DispatchRequestSchema):
    hours = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=1, max=720),
        metadata={"description": "answer deadline in hours (default: area setting or 24)"},
    )


class AssignmentSchema(_Explained):
    task_id = ma.fields.Integer()
    task_title = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    member_id = ma.fields.Integer()
    name = ma.fields.String()


class UnfilledReasonSchema(DumpSchema):
    code = ma.fields.String()
    slots = ma.fields.Integer()
    zh = ma.fields.String()
    en = ma.fields.String()


class UnfilledSchema(DumpSchema):
    task_id = ma.fields.Integer()
    task_title = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    open = ma.fields.Integer()
    filled = ma.fields.Integer()
    reasons = ma.fields.List(ma.fields.Nested(UnfilledReasonSchema))


class SkippedSchema(DumpSchema):
    task_id = ma.fields.Integer()
    member_id = ma.fields.Integer()
    reason = ma.fields.String()


class DispatchPlanSchema(DumpSchema):
    area_id = ma.fields.Integer()
    area_name = ma.fields.String()
    from_ = ma.fields.AwareDateTime(data_key="from", attribute="from")
    to = ma.fields.AwareDateTime()
    solver = ma.fields.String(metadata={"description": "exact (min-cost flow) or greedy (fallback)"})
    note = ma.fields.String()
    tasks = ma.fields.Integer()
    slots = ma.fields.Integer()
    filled = ma.fields.Integer()
    score = ma.fields.Float()
    assignments = ma.fields.List(ma.fields.Nested(AssignmentSchema))
    unfilled = ma.fields.List(ma.fields.Nested(UnfilledSchema))
    dispatch_id = ma.fields.Integer(allow_none=True)
    invitation_ids = ma.fields.List(ma.fields.Integer())
    skipped = ma.fields.List(ma.fields.Nested(SkippedSchema))


class InviteSchema(LoadSchema):
    member_id = ma.fields.Integer(required=True, strict=True)
    hours = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=720))


class InvitationSchema(DumpSchema):
    id = ma.fields.Integer()
    task_id = ma.fields.Integer()
    task_title = ma.fields.String(attribute="task.title")
    starts_at = ma.fields.AwareDateTime(attribute="task.starts_at")
    member_id = ma.fields.Integer()
    status = ma.fields.String()
    reason = ma.fields.String()
    score = ma.fields.Float(allow_none=True)
    dispatch_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    answered_at = ma.fields.AwareDateTime(allow_none=True)


class InvitationQuerySchema(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(INVITATION_STATUSES))


class DeclineSchema(LoadSchema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=500))


class AcceptedSchema(DumpSchema):
    invitation = ma.fields.Nested(InvitationSchema)
    claim = ma.fields.Nested(ClaimSchema)


class DeclinedSchema(DumpSchema):
    invitation = ma.fields.Nested(InvitationSchema)
    next_invitation_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "the slot was offered to this invitation"}
    )
