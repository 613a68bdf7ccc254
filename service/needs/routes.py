from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..extensions import limiter
from ..periods import app_timezone
from ..people.auth import bearer_token, current_account, current_scope, require_scope
from ..places.service import get_area
from . import service
from .settings import form_limit, now, setting, submitted_phone_key, track_limit
from .schemas import (
    DepartmentCreateSchema,
    DepartmentQuerySchema,
    DepartmentSchema,
    DepartmentUpdateSchema,
    NeedAcceptSchema,
    NeedCreateSchema,
    NeedDetailSchema,
    NeedDisclosureSchema,
    NeedFeedbackSchema,
    NeedPolicySchema,
    NeedPolicyUpdateSchema,
    NeedPublicQuerySchema,
    NeedQuerySchema,
    NeedReceiptSchema,
    NeedRejectSchema,
    NeedReopenSchema,
    NeedResolveSchema,
    NeedStaffSchema,
    NeedTrackingSchema,
    NeedTransferSchema,
)

api = Blueprint("needs", __name__, url_prefix="/api/v1", description="诉求 Needs")

PUBLIC: dict[str, list] = {"security": []}  # OpenAPI: these take no bearer token


def signed_in_api_caller() -> bool:
    # Staff recording needs through the API are accountable by token; only the public door is throttled.
    return bearer_token() is not None and current_account() is not None


@api.route("/needs")
class Needs(MethodView):
    @api.arguments(NeedQuerySchema, location="query")
    @api.response(200, page_of(NeedStaffSchema))
    def get(self, args):
        """Needs in the caller's scope: overdue first, then by due time."""
        scope = require_scope()
        area_path = get_area(db.session, scope, args["area_id"]).path if args.get("area_id") is not None else None
        stmt = service.list_needs(
            scope, now=now(), status=args.get("status"), area_path=area_path, overdue=args.get("overdue")
        )
        return paginate(db.session, stmt, args["page"], args["per_page"])

    @limiter.limit(form_limit, exempt_when=signed_in_api_caller)
    @limiter.limit(form_limit, key_func=submitted_phone_key, exempt_when=signed_in_api_caller)
    @api.arguments(NeedCreateSchema)
    @api.response(201, NeedReceiptSchema)
    @api.doc(security=[{}, {"bearer": []}])
    def post(self, data):
        """Submit a need. Without a token: the resident's own door (keep the tracking code).
        With a staff token: recorded on a resident's behalf (敲门问需), urgency and 五类人群 allowed."""
        if bearer_token() is not None:
            need = service.record_need(
                db.session, require_scope(), data, now=now(), max_photo_bytes=setting("NEED_PHOTO_MAX_BYTES")
            )
        else:
            need = service.submit_public(db.session, data, now=now(), max_photo_bytes=setting("NEED_PHOTO_MAX_BYTES"))
        db.session.commit()
        return need


@api.route("/needs/<int:need_id>")
class NeedItem(MethodView):
    @api.response(200, NeedDetailSchema)
    def get(self, need_id):
        """One need with its full history (scoped staff)."""
        return service.get_need(db.session, require_scope(), need_id)


def _act(need_id: int, action, **kwargs):
    scope = require_scope()
    need = service.get_need(db.session, scope, need_id)
    action(db.session, scope, need, now=now(), **kwargs)
    db.session.commit()
    return need


@api.route("/needs/<int:need_id>/accept")
class Accept(MethodView):
    @api.arguments(NeedAcceptSchema)
    @api.response(200, NeedDetailSchema)
    def post(self, data, need_id):
        """受理, naming the owner (首问负责; the caller by default)."""
        return _act(need_id, service.accept, **data)


@api.route("/needs/<int:need_id>/reject")
class Reject(MethodView):
    @api.arguments(NeedRejectSchema)
    @api.response(200, NeedDetailSchema)
    def post(self, data, need_id):
        """不予受理, with a reason the resident reads."""
        return _act(need_id, service.reject, **data)


@api.route("/needs/<int:need_id>/transfer")
class Transfer(MethodView):
    @api.arguments(NeedTransferSchema)
    @api.response(200, NeedDetailSchema)
    def post(self, data, need_id):
        """转单 to a department, due by its date (社区吹哨、部门报到)."""
        return _act(need_id, service.transfer, tz=app_timezone(), **data)


@api.route("/needs/<int:need_id>/resolve")
class Resolve(MethodView):
    @api.arguments(NeedResolveSchema)
    @api.response(200, NeedDetailSchema)
    def post(self, data, need_id):
        """办结, with the result (shown to the resident and on the public page)."""
        return _act(need_id, service.resolve, **data)


@api.route("/needs/<int:need_id>/reopen")
class Reopen(MethodView):
    @api.arguments(NeedReopenSchema)
    @api.response(200, NeedDetailSchema)
    def post(self, data, need_id):
        """Send a resolved need back to its owner."""
        return _act(need_id, service.reopen, **data)


@api.route("/needs/track/<code>")
class Track(MethodView):
    @limiter.limit(track_limit)
    @api.response(200, NeedTrackingSchema)
    @api.doc(**PUBLIC)
    def get(self, code):
        """The resident's need and its history, by tracking code (no account)."""
        return service.tracking_view(service.get_by_code(db.session, code))


@api.route("/needs/track/<code>/feedback")
class Feedback(MethodView):
    @limiter.limit(track_limit)
    @api.arguments(NeedFeedbackSchema)
    @api.response(200, NeedTrackingSchema)
    @api.doc(**PUBLIC)
    def post(self, data, code):
        """回访: 1–5 stars. 3 and up closes the need; 1–2 send it back to its owner."""
        need = service.get_by_code(db.session, code)
        service.give_feedback(db.session, need, now=now(), scope=current_scope(), **data)
        db.session.commit()
        return service.tracking_view(need)


@api.route("/needs/public")
class Public(MethodView):
    @api.arguments(NeedPublicQuerySchema, location="query")
    @api.response(200, NeedDisclosureSchema)
    @api.doc(**PUBLIC)
    def get(self, args):
        """结果公示 for a community or street: figures and finished needs, no names or phones."""
        return service.disclosure(db.session, args["area_id"], page=args["page"], per_page=args["per_page"])


@api.route("/departments")
class Departments(MethodView):
    @api.arguments(DepartmentQuerySchema, location="query")
    @api.response(200, DepartmentSchema(many=True))
    def get(self, args):
        """Departments needs can be transferred to."""
        require_scope()
        return service.list_departments(db.session, args["include_inactive"])

    @api.arguments(DepartmentCreateSchema)
    @api.response(201, DepartmentSchema)
    def post(self, data):
        """Add a department (city admins)."""
        department = service.create_department(db.session, require_scope(), **data)
        db.session.commit()
        return department


@api.route("/departments/<int:department_id>")
class DepartmentItem(MethodView):
    @api.arguments(DepartmentUpdateSchema)
    @api.response(200, DepartmentSchema)
    def patch(self, data, department_id):
        """Rename, change the usual span, or retire a department (city admins)."""
        department = service.update_department(db.session, require_scope(), department_id, data)
        db.session.commit()
        return department


@api.route("/need-policies/<int:area_id>")
class Policy(MethodView):
    @api.response(200, NeedPolicySchema)
    def get(self, area_id):
        """An area's time limits (hours) and those in force there."""
        return service.policy_for(db.session, require_scope(), area_id)

    @api.arguments(NeedPolicyUpdateSchema)
    @api.response(200, NeedPolicySchema)
    def put(self, data, area_id):
        """Set an area's time limits; null hands that urgency to the area above."""
        policy = service.set_policy(db.session, require_scope(), area_id, **data)
        db.session.commit()
        return policy
