"""Matcher endpoints and pages: candidates, recommendations, dispatch and invitations."""

from __future__ import annotations

from datetime import datetime, UTC

from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..periods import app_timezone
from ..people.auth import require_scope
from . import invitations, service
from .schemas import (
    AcceptedSchema,
    CandidatesSchema,
    DeclinedSchema,
    DeclineSchema,
    DispatchPlanSchema,
    DispatchRequestSchema,
    DispatchSendSchema,
    InvitationQuerySchema,
    InvitationSchema,
    InviteSchema,
    LimitArgs,
    RecommendedTasksSchema,
    WhyNotSchema,
)

api = Blueprint("matching", __name__, url_prefix="/api/v1", description="匹配与派单 Matching and dispatch")


def now() -> datetime:
    return datetime.now(UTC)


@api.route("/tasks/<int:task_id>/candidates")
class Candidates(MethodView):
    @api.arguments(LimitArgs, location="query")
    @api.response(200, CandidatesSchema)
    def get(self, args, task_id):
        """Staff: the best members for a task, ranked, with score, breakdown and reasons in words."""
        return service.candidates_for_task(
            db.session, require_scope(), task_id, now(), args["limit"], tz=app_timezone()
        )


@api.route("/tasks/<int:task_id>/candidates/<int:member_id>/why-not")
class WhyNot(MethodView):
    @api.response(200, WhyNotSchema)
    def get(self, task_id, member_id):
        """Staff: why a member is not suggested (the first hard filter that excludes them), or their rank."""
        return service.why_not(db.session, require_scope(), task_id, member_id, now(), tz=app_timezone())


@api.route("/members/<int:member_id>/recommended-tasks")
class RecommendedTasks(MethodView):
    @api.arguments(LimitArgs, location="query")
    @api.response(200, RecommendedTasksSchema)
    def get(self, args, member_id):
        """Open tasks ranked for a member (the member, or staff who may see the member)."""
        pairs = service.recommended_tasks(
            db.session, require_scope(), member_id, now(), args["limit"], tz=app_timezone()
        )
        return {"member_id": member_id, "items": [s | {"task": task} for task, s in pairs]}


@api.route("/dispatch/preview")
class DispatchPreview(MethodView):
    @api.arguments(DispatchRequestSchema)
    @api.response(200, DispatchPlanSchema)
    def post(self, data):
        """Staff: who the dispatch would invite, why, and what stays unfilled and why. Writes nothing."""
        plan = service.preview_dispatch(
            db.session,
            require_scope(),
            data["area_id"],
            data["from_"],
            data["to"],
            now(),
            tz=app_timezone(),
            method=data["method"],
        )
        return plan.as_dict()


@api.route("/dispatch")
class Dispatch(MethodView):
    @api.arguments(DispatchSendSchema)
    @api.response(201, DispatchPlanSchema)
    def post(self, data):
        """Staff: assign the open slots of the area's tasks in [from, to) optimally and send the invitations."""
        plan = service.send_dispatch(
            db.session,
            require_scope(),
            data["area_id"],
            data["from_"],
            data["to"],
            now(),
            tz=app_timezone(),
            method=data["method"],
            hours=data.get("hours"),
        )
        db.session.commit()
        return plan.as_dict()


@api.route("/tasks/<int:task_id>/invitations")
class TaskInvitations(MethodView):
    @api.arguments(InviteSchema)
    @api.response(201, InvitationSchema)
    def post(self, data, task_id):
        """Staff: invite one member to a task (they accept or decline before the deadline)."""
        invitation = invitations.invite(
            db.session, require_scope(), task_id, data["member_id"], now(), tz=app_timezone(), hours=data.get("hours")
        )
        db.session.commit()
        return invitation


@api.route("/invitations")
class MyInvitations(MethodView):
    @api.arguments(InvitationQuerySchema, location="query")
    @api.response(200, page_of(InvitationSchema))
    def get(self, args):
        """The caller's own invitations, newest first."""
        stmt = invitations.list_mine(require_scope(), args.get("status"))
        return paginate(db.session, stmt, args["page"], args["per_page"])


@api.route("/invitations/<int:invitation_id>/accept")
class Accept(MethodView):
    @api.response(200, AcceptedSchema)
    def post(self, invitation_id):
        """Accept: the slot is claimed atomically (409 when it is gone)."""
        invitation, claim = invitations.accept(db.session, require_scope(), invitation_id, now())
        db.session.commit()
        return {"invitation": invitation, "claim": claim}


@api.route("/invitations/<int:invitation_id>/decline")
class Decline(MethodView):
    @api.arguments(DeclineSchema)
    @api.response(200, DeclinedSchema)
    def post(self, data, invitation_id):
        """Decline: the slot goes to the next best candidate not yet invited."""
        invitation, nxt = invitations.decline(
            db.session, require_scope(), invitation_id, now(), data["reason"], tz=app_timezone()
        )
        db.session.commit()
        return {"invitation": invitation, "next_invitation_id": nxt.id if nxt else None}


from . import models as _models  # noqa: E402,F401  (tables known to metadata and Alembic)
