from datetime import datetime, UTC

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..errors import Invalid
from ..i18n import N_
from ..periods import app_timezone
from ..people.auth import require_scope
from ..people.scope import MANAGE
from . import service
from .schemas import (
    ClaimBatchResultSchema,
    BatchVerifySchema,
    ClaimQuerySchema,
    ClaimRequestSchema,
    ClaimSchema,
    DoneSchema,
    MemberClaimQuerySchema,
    ReasonSchema,
    TaskActionSchema,
    TaskCreateSchema,
    TaskHallItemSchema,
    TaskPublicSchema,
    TaskQuerySchema,
    TaskStaffSchema,
    TaskUpdateSchema,
)

api = Blueprint("tasks", __name__, url_prefix="/api/v1", description="任务与认领 Tasks and claims")


def now() -> datetime:
    return datetime.now(UTC)


def _task_for(scope, task):
    """Staff over the task's community see the beneficiary group; members do not."""
    if scope.covers(task.community.path):
        return task
    return jsonify(TaskPublicSchema().dump(task))


def _with_position(claim):
    claim.waitlist_position = service.waitlist_position(db.session, claim)
    return claim


@api.route("/tasks")
class Tasks(MethodView):
    @api.arguments(TaskQuerySchema, location="query")
    @api.response(200, page_of(TaskStaffSchema))
    def get(self, args):
        """Staff: tasks in their scope. Members: tasks they may take part in (the task hall)."""
        scope = require_scope()
        tz = app_timezone()
        if scope.is_staff:
            stmt = service.list_tasks(
                scope,
                community_id=args.get("community_id"),
                status=args.get("status"),
                day=args.get("date"),
                skill=args.get("skill"),
                tz=tz,
            )
            return paginate(db.session, stmt, args["page"], args["per_page"])
        if scope.member_id is None:
            raise Invalid(N_("只有成员或工作人员可以查看任务"))
        result = service.task_hall(
            db.session,
            scope.member_id,
            now(),
            community_id=args.get("community_id"),
            day=args.get("date"),
            skill=args.get("skill"),
            tz=tz,
            page=args["page"],
            per_page=args["per_page"],
            as_rows=True,
        )
        # Members get the public view (no beneficiary group), already serialised, so the
        # staff response schema is bypassed rather than applied on top.
        result["items"] = TaskHallItemSchema(many=True).dump(result["items"])
        return jsonify(result)

    @api.arguments(TaskCreateSchema)
    @api.response(201, TaskStaffSchema)
    def post(self, data):
        """Create a task, from one or more accepted needs or standing alone (activity, patrol, service item)."""
        task = service.create_task(db.session, require_scope(), data, now())
        db.session.commit()
        return task


@api.route("/tasks/<int:task_id>")
class TaskItem(MethodView):
    @api.response(200, TaskStaffSchema)
    def get(self, task_id):
        scope = require_scope()
        return _task_for(scope, service.get_task(db.session, scope, task_id))

    @api.arguments(TaskUpdateSchema)
    @api.response(200, TaskStaffSchema)
    def patch(self, data, task_id):
        """Change a task; claimants are notified, freed slots go to the waitlist."""
        scope = require_scope()
        task = service.update_task(
            db.session, scope, service.get_task(db.session, scope, task_id, at_least=MANAGE), data, now()
        )
        db.session.commit()
        return task


def _task_action(action):
    def post(self, data, task_id):
        scope = require_scope()
        task = service.get_task(db.session, scope, task_id, at_least=MANAGE)
        task = service.change_task_status(db.session, scope, task, action, now(), data.get("reason", ""))
        db.session.commit()
        return task

    post.__doc__ = f"Task transition: {action}."
    return post


for _action in ("publish", "start", "complete", "cancel"):
    view = type(
        f"Task{_action.title()}",
        (MethodView,),
        {"post": api.response(200, TaskStaffSchema)(api.arguments(TaskActionSchema)(_task_action(_action)))},
    )
    api.route(f"/tasks/<int:task_id>/{_action}", endpoint=f"task_{_action}")(view)


@api.route("/tasks/<int:task_id>/claims")
class TaskClaims(MethodView):
    @api.arguments(ClaimRequestSchema)
    @api.response(201, ClaimSchema)
    def post(self, data, task_id):
        """Claim a slot; when full, join the waitlist (unless waitlist=false: then 409)."""
        claim = service.claim_as_member(db.session, require_scope(), task_id, now(), waitlist=data["waitlist"])
        db.session.commit()
        return _with_position(claim)


@api.route("/claims")
class Claims(MethodView):
    @api.arguments(ClaimQuerySchema, location="query")
    @api.response(200, page_of(ClaimSchema))
    def get(self, args):
        """The verification queue (staff): claims reported done, oldest first."""
        stmt = service.verification_queue(require_scope(), community_id=args.get("community_id"), status=args["status"])
        return paginate(db.session, stmt, args["page"], args["per_page"])


@api.route("/claims/verify-batch")
class VerifyBatch(MethodView):
    @api.arguments(BatchVerifySchema)
    @api.response(200, ClaimBatchResultSchema(many=True))
    def post(self, data):
        """Verify many claims; each succeeds or fails on its own."""
        results = service.verify_many(db.session, require_scope(), data["ids"], now(), app_timezone())
        db.session.commit()
        return results


@api.route("/claims/<int:claim_id>")
class ClaimItem(MethodView):
    @api.response(200, ClaimSchema)
    def get(self, claim_id):
        return _with_position(service.get_claim(db.session, require_scope(), claim_id))

    @api.response(200, ClaimSchema)
    def delete(self, claim_id):
        """Cancel your claim (or waitlist place) before the task starts; the slot goes to the waitlist."""
        claim = service.cancel_claim(db.session, require_scope(), claim_id, now())
        db.session.commit()
        return claim


@api.route("/claims/<int:claim_id>/check-in")
class CheckIn(MethodView):
    @api.response(200, ClaimSchema)
    def post(self, claim_id):
        claim = service.check_in(db.session, require_scope(), claim_id, now())
        db.session.commit()
        return claim


@api.route("/claims/<int:claim_id>/done")
class Done(MethodView):
    @api.arguments(DoneSchema)
    @api.response(200, ClaimSchema)
    def post(self, data, claim_id):
        claim = service.report_done(db.session, require_scope(), claim_id, data["hours"], data["note"], now())
        db.session.commit()
        return claim


@api.route("/claims/<int:claim_id>/verify")
class Verify(MethodView):
    @api.response(200, ClaimSchema)
    def post(self, claim_id):
        claim = service.verify_claim(db.session, require_scope(), claim_id, now(), app_timezone())
        db.session.commit()
        return claim


@api.route("/claims/<int:claim_id>/reject")
class Reject(MethodView):
    @api.arguments(ReasonSchema)
    @api.response(200, ClaimSchema)
    def post(self, data, claim_id):
        claim = service.reject_claim(db.session, require_scope(), claim_id, data["reason"], now())
        db.session.commit()
        return claim


@api.route("/claims/<int:claim_id>/no-show")
class NoShow(MethodView):
    @api.response(200, ClaimSchema)
    def post(self, claim_id):
        claim = service.mark_no_show(db.session, require_scope(), claim_id, now(), app_timezone())
        db.session.commit()
        return claim


@api.route("/members/<int:member_id>/claims")
class MemberClaims(MethodView):
    @api.arguments(MemberClaimQuerySchema, location="query")
    @api.response(200, page_of(ClaimSchema))
    def get(self, args, member_id):
        stmt = service.member_claims(db.session, require_scope(), member_id, status=args.get("status"))
        return paginate(db.session, stmt, args["page"], args["per_page"])
