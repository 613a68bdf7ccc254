import marshmallow as ma
from flask import Blueprint as PageBlueprint
from flask import redirect, render_template, url_for
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..api import DumpSchema, LoadSchema
from ..database import db
from ..people.auth import require_scope
from ..web.forms import EmptyForm
from . import service

api = Blueprint("notifications", __name__, url_prefix="/api/v1", description="站内通知 Inbox")
pages = PageBlueprint("notification_pages", __name__, template_folder="templates")


class NotificationSchema(DumpSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    # Put together in the request's language (Accept-Language, else the account's language).
    title = ma.fields.String(attribute="shown_title")
    body = ma.fields.String(attribute="shown_body")
    link = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)


class InboxSchema(DumpSchema):
    unread = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(NotificationSchema))


class MarkReadSchema(LoadSchema):
    id = ma.fields.Integer(strict=True, allow_none=True, metadata={"description": "one notification; all when absent"})


class MarkedSchema(DumpSchema):
    marked = ma.fields.Integer()


@api.route("/notifications")
class Inbox(MethodView):
    @api.response(200, InboxSchema)
    def get(self):
        """The caller's inbox, newest first, with the unread count."""
        scope = require_scope()
        return {
            "unread": service.unread_count(db.session, scope.account_id),
            "items": service.inbox(db.session, scope.account_id),
        }


@api.route("/notifications/read")
class MarkRead(MethodView):
    @api.arguments(MarkReadSchema)
    @api.response(200, MarkedSchema)
    def post(self, data):
        scope = require_scope()
        marked = service.mark_read(db.session, scope.account_id, data.get("id"))
        db.session.commit()
        return {"marked": marked}


@pages.get("/inbox")
@login_required
def inbox():
    items = service.inbox(db.session, current_user.id)
    return render_template("notifications/inbox.html", items=items)


@pages.post("/inbox/read")
@login_required
def mark_all_read():
    if EmptyForm().validate_on_submit():
        service.mark_read(db.session, current_user.id)
        db.session.commit()
    return redirect(url_for("notification_pages.inbox")), 303
