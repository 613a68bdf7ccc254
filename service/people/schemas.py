import marshmallow as ma

from ..api import ClockTime, DumpSchema, LoadSchema, PageArgs, UpdateSchema, text
from ..i18n import N_, render_message
from .models import PARTY_STATUSES, ROLES

NO_ADDRESS_YET = N_("暂无楼栋")


def _address(member) -> str:
    return member.home_building.name if member.home_building is not None else render_message(NO_ADDRESS_YET)


class WindowSchema(LoadSchema):
    weekday = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=0, max=6), metadata={"description": "0 = Monday"}
    )
    start = ClockTime(required=True, metadata={"example": "09:00"})
    end = ClockTime(required=True, metadata={"example": "12:00"})


class WindowOutSchema(DumpSchema):
    weekday = ma.fields.Integer()
    start = ClockTime(attribute="start_minute")
    end = ClockTime(attribute="end_minute")


class MemberSchema(DumpSchema):
    """A member as scoped staff (or the member) see it."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String()
    party_status = ma.fields.String()
    unit_id = ma.fields.Integer(allow_none=True)
    home_building_id = ma.fields.Integer(allow_none=True)
    no_address_yet = ma.fields.Function(
        lambda m: m.home_building_id is None,
        metadata={"description": "no home building recorded yet: listed under the unit's paired communities"},
    )
    address = ma.fields.Function(_address, metadata={"description": "the home building's name, or 暂无楼栋"})
    skills = ma.fields.Function(lambda m: [s.code for s in m.skills])
    availability = ma.fields.List(ma.fields.Nested(WindowOutSchema))
    active = ma.fields.Boolean()
    hide_public = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


_windows = ma.fields.List(ma.fields.Nested(WindowSchema), validate=ma.validate.Length(max=28))
_skills = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=40)), validate=ma.validate.Length(max=30))


class MemberCreateSchema(LoadSchema):
    name = text(50)
    phone = text(20)
    party_status = ma.fields.String(required=True, validate=ma.validate.OneOf(PARTY_STATUSES))
    unit_id = ma.fields.Integer(strict=True, allow_none=True)
    home_building_id = ma.fields.Integer(strict=True, allow_none=True)
    skills = _skills
    availability = _windows
    active = ma.fields.Boolean()
    hide_public = ma.fields.Boolean()


class MemberUpdateSchema(UpdateSchema):
    """Staff may change any of these; a member changing themself only skills, availability, hide_public."""

    name = text(50, required=False)
    phone = text(20, required=False)
    party_status = ma.fields.String(validate=ma.validate.OneOf(PARTY_STATUSES))
    unit_id = ma.fields.Integer(strict=True, allow_none=True)
    home_building_id = ma.fields.Integer(strict=True, allow_none=True)
    skills = _skills
    availability = _windows
    active = ma.fields.Boolean()
    hide_public = ma.fields.Boolean()


class MemberQuerySchema(PageArgs):
    q = ma.fields.String(validate=ma.validate.Length(max=50), metadata={"description": "name contains"})
    phone = ma.fields.String(validate=ma.validate.Length(max=20))
    party_status = ma.fields.String(validate=ma.validate.OneOf(PARTY_STATUSES))
    unit_id = ma.fields.Integer()
    area_id = ma.fields.Integer(metadata={"description": "home within this area's subtree"})
    skill = ma.fields.String(validate=ma.validate.Length(max=40))
    active = ma.fields.Boolean()


class SkillSchema(DumpSchema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    name_en = ma.fields.String()


class SkillCreateSchema(LoadSchema):
    code = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=40), ma.validate.Regexp(r"^[a-z][a-z0-9_]*$")]
    )
    name = text(40)
    name_en = ma.fields.String(validate=ma.validate.Length(max=60), load_default="")


class RoleGrantSchema(DumpSchema):
    id = ma.fields.Integer()
    account_id = ma.fields.Integer()
    account_name = ma.fields.String(attribute="account.name")
    role = ma.fields.String()
    area_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    granted_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    revoked_at = ma.fields.AwareDateTime(allow_none=True)


class RoleGrantCreateSchema(LoadSchema):
    phone = text(20, metadata={"description": "the account's phone; a new account is made if none"})
    role = ma.fields.String(required=True, validate=ma.validate.OneOf([r for r in ROLES if r != "member"]))
    area_id = ma.fields.Integer(strict=True, allow_none=True)
    unit_id = ma.fields.Integer(strict=True, allow_none=True)
    name = text(50, required=False, metadata={"description": "for a new account"})
    password = ma.fields.String(
        load_only=True,
        validate=ma.validate.Length(min=8, max=128),
        metadata={"description": "initial password for a new account"},
    )


class RoleGrantUpdateSchema(UpdateSchema):
    revoked = ma.fields.Boolean(
        required=True, validate=ma.validate.Equal(True), metadata={"description": "grants are revoked, never edited"}
    )


class RoleGrantQuerySchema(PageArgs):
    account_id = ma.fields.Integer()
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    area_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    include_revoked = ma.fields.Boolean(load_default=False)


class TokenRequestSchema(LoadSchema):
    phone = text(20)
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=128))


def _password() -> ma.fields.String:
    return ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=128))


class PasswordChangeSchema(LoadSchema):
    """The account holder's new password; the current one is asked, the new one twice."""

    current_password = _password()
    new_password = _password()
    confirm_password = _password()


class TokenSchema(DumpSchema):
    token = ma.fields.String()
    token_type = ma.fields.Constant("Bearer")
    expires_at = ma.fields.AwareDateTime()
    account_id = ma.fields.Integer()


class GrantBriefSchema(DumpSchema):
    role = ma.fields.String()
    area_id = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)


class MeSchema(DumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    phone = ma.fields.String()
    member_id = ma.fields.Integer(allow_none=True)
    grants = ma.fields.List(ma.fields.Nested(GrantBriefSchema))


class MemberLinkSchema(DumpSchema):
    member_id = ma.fields.Integer(attribute="id")
    name = ma.fields.String()


class MemberDataSchema(DumpSchema):
    member = ma.fields.Dict()
    account = ma.fields.Dict(allow_none=True)
    registrations = ma.fields.List(ma.fields.Dict())
    claims = ma.fields.List(ma.fields.Dict())
    ledger = ma.fields.List(ma.fields.Dict())
    notifications = ma.fields.List(ma.fields.Dict())
