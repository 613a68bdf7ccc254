"""双报到 API: parse, call the service, commit, answer."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..people.auth import require_scope
from . import service
from ..exports import download
from .export import compliance_xlsx
from .schemas import (
    BatchResultSchema,
    BatchSchema,
    ComplianceQuerySchema,
    ComplianceSchema,
    MemberRegistrationsSchema,
    RegistrationCreateSchema,
    RegistrationDetailSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    RejectSchema,
    WithdrawSchema,
)

api = Blueprint("registrations", __name__, url_prefix="/api/v1", description="双报到 Registrations")


@api.route("/registrations")
class Registrations(MethodView):
    @api.arguments(RegistrationQuerySchema, location="query")
    @api.response(200, page_of(RegistrationSchema))
    def get(self, args):
        """Registrations the caller may see: their own, their communities', their unit's members'."""
        scope = require_scope()
        page, per_page = args.pop("page"), args.pop("per_page")
        return paginate(db.session, service.list_registrations(scope, **args), page, per_page)

    @api.arguments(RegistrationCreateSchema)
    @api.response(201, RegistrationDetailSchema)
    def post(self, data):
        """File a registration (pending). Staff managing the community may file for a member
        (``member_id``) and set the residence/pairing rule aside with ``override_reason``."""
        registration = service.file_registration(db.session, require_scope(), **data)
        db.session.commit()
        return registration


@api.route("/registrations/batch")
class Batch(MethodView):
    @api.arguments(BatchSchema)
    @api.response(200, BatchResultSchema)
    def post(self, data):
        """Approve or reject many; each id answers on its own (``ok``, ``status``, ``error``)."""
        results = service.decide_many(db.session, require_scope(), data["ids"], data["action"], data.get("reason"))
        db.session.commit()
        return {"results": results}


@api.route("/registrations/<int:registration_id>")
class RegistrationItem(MethodView):
    @api.response(200, RegistrationDetailSchema)
    def get(self, registration_id):
        """One registration with its history (who, when, why)."""
        return service.get_registration(db.session, require_scope(), registration_id)


def _transition(registration_id, action, **kwargs):
    scope = require_scope()
    registration = service.get_registration(db.session, scope, registration_id)
    registration = action(db.session, scope, registration, **kwargs)
    db.session.commit()
    return registration


@api.route("/registrations/<int:registration_id>/approve")
class Approve(MethodView):
    @api.response(200, RegistrationDetailSchema)
    def post(self, registration_id):
        """Approve a pending registration (community admin); an older approved one on the same side is superseded."""
        return _transition(registration_id, service.approve)


@api.route("/registrations/<int:registration_id>/reject")
class Reject(MethodView):
    @api.arguments(RejectSchema)
    @api.response(200, RegistrationDetailSchema)
    def post(self, data, registration_id):
        """Reject a pending registration, with a reason (community admin)."""
        return _transition(registration_id, service.reject, reason=data["reason"])


@api.route("/registrations/<int:registration_id>/withdraw")
class Withdraw(MethodView):
    @api.arguments(WithdrawSchema)
    @api.response(200, RegistrationDetailSchema)
    def post(self, data, registration_id):
        """The member withdraws their own approved registration."""
        return _transition(registration_id, service.withdraw, reason=data.get("reason"))


@api.route("/members/<int:member_id>/registrations")
class MemberRegistrations(MethodView):
    @api.response(200, MemberRegistrationsSchema)
    def get(self, member_id):
        """A member's 双报到: what is active, waiting and missing, and every registration ever filed."""
        return service.member_status(db.session, require_scope(), member_id)


@api.route("/units/<int:unit_id>/compliance")
class Compliance(MethodView):
    @api.arguments(ComplianceQuerySchema, location="query")
    @api.response(200, ComplianceSchema)
    def get(self, args, unit_id):
        """In-service party members of the unit who have not completed both registrations.
        ``?format=xlsx`` answers the same list as a spreadsheet."""
        report = service.compliance(db.session, require_scope(), unit_id)
        if args["format"] == "xlsx":
            return download(f"{report['unit_name']}-双报到未完成名单.xlsx", compliance_xlsx(report))
        return report
