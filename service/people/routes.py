from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..errors import NotFound, Unauthorized
from ..i18n import N_
from ..places.service import get_area
from . import service
from .accounts import authenticate, issue_token, revoke_token
from . import throttle
from .phones import normalise_phone
from .privacy import member_data
from .auth import BEARER_REQUIRED, bearer_token, current_account, require_scope
from .schemas import (
    MemberLinkSchema,
    MemberCreateSchema,
    MemberDataSchema,
    MemberQuerySchema,
    MemberSchema,
    MemberUpdateSchema,
    MeSchema,
    RoleGrantCreateSchema,
    RoleGrantQuerySchema,
    RoleGrantSchema,
    RoleGrantUpdateSchema,
    SkillCreateSchema,
    SkillSchema,
    TokenRequestSchema,
    TokenSchema,
)

members = Blueprint("members", __name__, url_prefix="/api/v1/members", description="成员 Members")
grants = Blueprint("role_grants", __name__, url_prefix="/api/v1/role-grants", description="角色授权 Role grants")
skills = Blueprint("skills", __name__, url_prefix="/api/v1/skills", description="技能词表 Skills vocabulary")
auth = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录 Authentication")


@auth.route("/token")
class Token(MethodView):
    @throttle.per_address
    @throttle.per_account
    @auth.arguments(TokenRequestSchema)
    @auth.response(201, TokenSchema)
    def post(self, data):
        """Exchange phone and password for a bearer token (expiring, revocable)."""
        phone = normalise_phone(data["phone"])
        account = authenticate(db.session, phone, data["password"], current_app.config["PASSWORD_HASH"])
        token, row = issue_token(db.session, account, current_app.config["API_TOKEN_HOURS"])
        db.session.commit()
        return {"token": token, "expires_at": row.expires_at, "account_id": account.id}

    @auth.response(204)
    def delete(self):
        """Revoke the token presented in the Authorization header."""
        token = bearer_token()
        if not token or current_account() is None:
            raise Unauthorized(BEARER_REQUIRED)
        revoke_token(db.session, token)
        db.session.commit()


@auth.route("/me")
class Me(MethodView):
    @auth.response(200, MeSchema)
    def get(self):
        require_scope()
        return current_account()


@auth.route("/me/member-link")
class MemberLink(MethodView):
    @auth.response(200, MemberLinkSchema)
    def get(self):
        """The member record with this account's phone that waits for the holder's confirmation
        (404 when there is none, or the account already acts as a member)."""
        require_scope()
        account = current_account()
        member = service.linkable_member(db.session, account) if account is not None else None
        if member is None:
            raise NotFound(N_("没有可关联的成员档案"))
        return member

    @auth.response(200, MemberLinkSchema)
    def post(self):
        """The holder confirms that record is theirs: from now on the account also acts as that member."""
        member = service.confirm_member_link(db.session, require_scope())
        db.session.commit()
        return member


@members.route("")
class Members(MethodView):
    @members.arguments(MemberQuerySchema, location="query")
    @members.response(200, page_of(MemberSchema))
    def get(self, args):
        scope = require_scope()
        page, per_page = args.pop("page"), args.pop("per_page")
        area_id = args.pop("area_id", None)
        area_path = get_area(db.session, scope, area_id).path if area_id is not None else None
        return paginate(db.session, service.list_members(scope, area_path=area_path, **args), page, per_page)

    @members.arguments(MemberCreateSchema)
    @members.response(201, MemberSchema)
    def post(self, data):
        member = service.create_member(db.session, require_scope(), data)
        db.session.commit()
        return member


@members.route("/<int:member_id>")
class MemberItem(MethodView):
    @members.response(200, MemberSchema)
    def get(self, member_id):
        return service.get_member(db.session, require_scope(), member_id)

    @members.arguments(MemberUpdateSchema)
    @members.response(200, MemberSchema)
    def patch(self, data, member_id):
        scope = require_scope()
        member = service.update_member(db.session, scope, service.get_member(db.session, scope, member_id), data)
        db.session.commit()
        return member


@members.route("/<int:member_id>/export")
class MemberExport(MethodView):
    @members.response(200, MemberDataSchema)
    def get(self, member_id):
        """Everything kept about you, as one JSON document (the member themself only)."""
        return member_data(db.session, require_scope(), member_id)


@grants.route("")
class Grants(MethodView):
    @grants.arguments(RoleGrantQuerySchema, location="query")
    @grants.response(200, page_of(RoleGrantSchema))
    def get(self, args):
        page, per_page = args.pop("page"), args.pop("per_page")
        return paginate(db.session, service.list_grants(require_scope(), **args), page, per_page)

    @grants.arguments(RoleGrantCreateSchema)
    @grants.response(201, RoleGrantSchema)
    def post(self, data):
        grant = service.create_grant(
            db.session, require_scope(), hash_params=current_app.config["PASSWORD_HASH"], **data
        )
        db.session.commit()
        return grant


@grants.route("/<int:grant_id>")
class GrantItem(MethodView):
    @grants.response(200, RoleGrantSchema)
    def get(self, grant_id):
        return service.get_grant(db.session, require_scope(), grant_id)

    @grants.arguments(RoleGrantUpdateSchema)
    @grants.response(200, RoleGrantSchema)
    def patch(self, data, grant_id):
        scope = require_scope()
        grant = service.revoke_grant(db.session, scope, service.get_grant(db.session, scope, grant_id))
        db.session.commit()
        return grant


@skills.route("")
class Skills(MethodView):
    @skills.response(200, SkillSchema(many=True))
    def get(self):
        require_scope()
        return service.list_skills(db.session)

    @skills.arguments(SkillCreateSchema)
    @skills.response(201, SkillSchema)
    def post(self, data):
        tag = service.create_skill(db.session, require_scope(), **data)
        db.session.commit()
        return tag
