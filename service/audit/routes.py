from datetime import datetime

import marshmallow as ma
from flask import Blueprint as PageBlueprint
from flask import render_template, request
from flask.views import MethodView
from flask_login import login_required
from flask_smorest import Blueprint

from ..api import DumpSchema, PageArgs, page_of, paginate
from ..database import db
from ..errors import DomainError
from ..periods import app_timezone
from ..people.auth import current_scope, require_scope
from .service import list_events

api = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计日志 Audit log")
pages = PageBlueprint("audit_pages", __name__, template_folder="templates")


class AuditEventSchema(DumpSchema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    object_type = ma.fields.String()
    object_id = ma.fields.Integer(allow_none=True)
    area_path = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()


class AuditQuerySchema(PageArgs):
    action = ma.fields.String(validate=ma.validate.Length(max=60), metadata={"description": "prefix, e.g. points."})
    actor_id = ma.fields.Integer()
    object_type = ma.fields.String(validate=ma.validate.Length(max=40))
    start = ma.fields.Date()
    end = ma.fields.Date()


def _bounds(args):
    tz = app_timezone()
    out = {}
    for key in ("start", "end"):
        if args.get(key):
            out[key] = datetime.combine(args[key], datetime.min.time(), tz)
    return out


@api.route("/audit-events")
class AuditEvents(MethodView):
    @api.arguments(AuditQuerySchema, location="query")
    @api.response(200, page_of(AuditEventSchema))
    def get(self, args):
        """Approvals, verifications, rule changes, adjustments, reversals, grants and logins in your scope."""
        stmt = list_events(
            require_scope(),
            action=args.get("action"),
            actor_id=args.get("actor_id"),
            object_type=args.get("object_type"),
            **_bounds(args),
        )
        return paginate(db.session, stmt, args["page"], args["per_page"])


@pages.get("/staff/audit")
@login_required
def audit_page():
    action = (request.args.get("action") or "").strip()[:60] or None
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10000))
    try:
        stmt = list_events(current_scope(), action=action)
    except DomainError as error:
        return render_template("error.html", status=error.status, message=error.text()), error.status
    result = paginate(db.session, stmt, page, 50)
    return render_template("audit/list.html", result=result, action=action or "")
