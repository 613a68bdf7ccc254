from datetime import datetime, UTC

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..errors import NotFound
from ..exports import download
from ..i18n import N_
from ..periods import app_timezone, period_containing, today
from ..people.auth import require_scope
from ..people.idempotency import once
from ..people.service import get_member
from . import adjustments, service
from .catalogue import add_item, list_catalogue
from .export import double_evaluation_xlsx
from .models import PendingAdjustment, RuleSet
from .rules import Service
from .schemas import (
    AdjustmentQuerySchema,
    AdjustmentRejectSchema,
    AdjustmentRequestSchema,
    AwardRequestSchema,
    CategorySchema,
    DoubleEvaluationQuerySchema,
    DoubleEvaluationSchema,
    EntryQuerySchema,
    EntrySchema,
    EvaluationRequestSchema,
    EvaluationSchema,
    GradeRequestSchema,
    GradeRunSchema,
    ItemCreateSchema,
    ItemSchema,
    MemberPointsQuerySchema,
    MemberPointsSchema,
    PendingAdjustmentSchema,
    PreviewRequestSchema,
    PreviewSchema,
    ReverseRequestSchema,
    RuleSetCreateSchema,
    RuleSetQuerySchema,
    RuleSetSchema,
)

api = Blueprint("points", __name__, url_prefix="/api/v1", description="红色积分 Points: rules, ledger, 双评价, grades")


def _service_from(data) -> Service:
    return Service(
        category=data["category"],
        occurred_at=data["occurred_at"],
        hours=data.get("hours"),
        urgent=data.get("urgent", False),
        beneficiary_group=data.get("beneficiary_group"),
        activity=data.get("activity"),
    )


def _period(args):
    tz = app_timezone()
    return period_containing(args.get("period", "month"), args.get("date") or today(tz), tz)


@api.route("/service-categories")
class Catalogue(MethodView):
    @api.response(200, CategorySchema(many=True))
    def get(self):
        """The service catalogue: classes and their items."""
        require_scope()
        return list_catalogue(db.session)


@api.route("/service-items")
class CatalogueItems(MethodView):
    @api.arguments(ItemCreateSchema)
    @api.response(201, ItemSchema)
    def post(self, data):
        """Add an item to a class (city admins)."""
        item = add_item(db.session, require_scope(), **data)
        db.session.commit()
        return item


@api.route("/point-rules")
class RuleSets(MethodView):
    @api.arguments(RuleSetQuerySchema, location="query")
    @api.response(200, page_of(RuleSetSchema))
    def get(self, args):
        """Published rule sets, newest version first (rules are public policy)."""
        require_scope()
        return paginate(
            db.session, service.list_rule_sets(db.session, area_id=args.get("area_id")), args["page"], args["per_page"]
        )

    @api.arguments(RuleSetCreateSchema)
    @api.response(201, RuleSetSchema)
    def post(self, data):
        """Publish a new version of an area's rules, effective from a date."""
        rule_set = service.publish_rule_set(db.session, require_scope(), **data)
        db.session.commit()
        return rule_set


@api.route("/point-rules/<int:rule_set_id>")
class RuleSetItem(MethodView):
    @api.response(200, RuleSetSchema)
    def get(self, rule_set_id):
        require_scope()
        rule_set = db.session.get(RuleSet, rule_set_id)
        if rule_set is None:
            raise NotFound(N_("积分规则不存在"))
        return rule_set


@api.route("/point-rules/preview")
class Preview(MethodView):
    @api.arguments(PreviewRequestSchema)
    @api.response(200, PreviewSchema)
    def post(self, data):
        """Points for a hypothetical piece of service, with the computation line by line."""
        scope = require_scope()
        member_id = data.get("member_id")
        if member_id is not None:
            get_member(db.session, scope, member_id)
        result = service.preview(
            db.session,
            community_id=data["community_id"],
            service=_service_from(data),
            tz=app_timezone(),
            member_id=member_id,
        )
        db.session.rollback()
        return result


@api.route("/points/awards")
class Awards(MethodView):
    @api.arguments(AwardRequestSchema)
    @api.response(201, EntrySchema)
    def post(self, data):
        """Record verified service directly (scoped admins); the same service twice is one entry."""
        entry = service.record_service(
            db.session,
            require_scope(),
            member_id=data["member_id"],
            community_id=data["community_id"],
            service=_service_from(data),
            note=data["note"],
            tz=app_timezone(),
        )
        db.session.commit()
        return entry


@api.route("/points/adjustments")
class Adjustments(MethodView):
    @api.arguments(AdjustmentQuerySchema, location="query")
    @api.response(200, page_of(PendingAdjustmentSchema))
    def get(self, args):
        """Adjustment requests in the communities the caller manages (pending ones by default)."""
        stmt = adjustments.list_adjustments(
            require_scope(),
            status=args["status"],
            community_id=args.get("community_id"),
            member_id=args.get("member_id"),
        )
        return paginate(db.session, stmt, args["page"], args["per_page"])

    @api.arguments(AdjustmentRequestSchema)
    @api.response(201, EntrySchema)
    @api.alt_response(
        202,
        schema=PendingAdjustmentSchema,
        description="above the cap (per entry, or the member's monthly sum): waits for a second approver",
        success=True,
    )
    def post(self, data):
        """A manual adjustment with a reason (scoped admins; audited). Above the cap it is not posted
        but waits for a second admin of the same or higher role (four-eyes): 202 with the request.

        Repeating a request with the same ``idempotency_key`` (same caller, same body) answers
        with the first answer again; the same key with a different body is 409
        ``idempotency_key_reused``. Keys are the caller's own: another account's equal key is
        another request."""
        scope = require_scope()
        key = data.get("idempotency_key")

        def perform():
            return service.adjust(
                db.session,
                scope,
                member_id=data["member_id"],
                community_id=data["community_id"],
                points=data["points"],
                reason=data["reason"],
                key=adjustments.ledger_key(scope.account_id, key),
                now=datetime.now(UTC),
                tz=app_timezone(),
                cap=adjustments.configured_cap(),
            )

        def dump(result):
            if isinstance(result, PendingAdjustment):
                return PendingAdjustmentSchema().dump(result)
            return EntrySchema().dump(result)

        result = once(
            db.session,
            scope.account_id,
            key,
            perform,
            dump,
            status=lambda r: 202 if isinstance(r, PendingAdjustment) else 201,
        )
        db.session.commit()
        if isinstance(result, PendingAdjustment):
            return jsonify(PendingAdjustmentSchema().dump(result)), 202
        return result


@api.route("/points/adjustments/<int:adjustment_id>/approve")
class ApproveAdjustment(MethodView):
    @api.response(200, PendingAdjustmentSchema)
    def post(self, adjustment_id):
        """A second admin approves a pending adjustment: the ledger entry is written (not the
        requester, not the member it is about; the same or a higher role than the requester's)."""
        pending = adjustments.approve(db.session, require_scope(), adjustment_id, now=datetime.now(UTC))
        db.session.commit()
        return pending


@api.route("/points/adjustments/<int:adjustment_id>/reject")
class RejectAdjustment(MethodView):
    @api.arguments(AdjustmentRejectSchema)
    @api.response(200, PendingAdjustmentSchema)
    def post(self, data, adjustment_id):
        """A second admin rejects a pending adjustment, with a reason; the ledger is unchanged."""
        pending = adjustments.reject(db.session, require_scope(), adjustment_id, data["reason"], now=datetime.now(UTC))
        db.session.commit()
        return pending


@api.route("/points/entries")
class Entries(MethodView):
    @api.arguments(EntryQuerySchema, location="query")
    @api.response(200, page_of(EntrySchema))
    def get(self, args):
        """Ledger entries in the caller's scope (by the community where the service happened)."""
        scope = require_scope()
        tz = app_timezone()
        bounds = {}
        if args.get("start"):
            bounds["start"] = datetime.combine(args["start"], datetime.min.time(), tz)
        if args.get("end"):
            bounds["end"] = datetime.combine(args["end"], datetime.min.time(), tz)
        stmt = service.list_entries(
            scope,
            community_id=args.get("community_id"),
            member_id=args.get("member_id"),
            kind=args.get("kind"),
            **bounds,
        )
        return paginate(db.session, stmt, args["page"], args["per_page"])


@api.route("/points/entries/<int:entry_id>")
class EntryItem(MethodView):
    @api.response(200, EntrySchema)
    def get(self, entry_id):
        return service.get_entry(db.session, require_scope(), entry_id)


@api.route("/points/entries/<int:entry_id>/reverse")
class Reverse(MethodView):
    @api.arguments(ReverseRequestSchema)
    @api.response(201, EntrySchema)
    def post(self, data, entry_id):
        """Cancel an entry with a reversal entry (at most once per entry)."""
        entry = service.reverse(db.session, require_scope(), entry_id, data["reason"])
        db.session.commit()
        return entry


@api.route("/members/<int:member_id>/points")
class MemberPoints(MethodView):
    @api.arguments(MemberPointsQuerySchema, location="query")
    @api.response(200, MemberPointsSchema)
    def get(self, args, member_id):
        """A member's points for a period: totals overall and by side (双积分), entries with explanations."""
        return service.member_points(
            db.session, require_scope(), member_id, _period(args), args["page"], args["per_page"]
        )


@api.route("/evaluations")
class Evaluations(MethodView):
    @api.arguments(EvaluationRequestSchema)
    @api.response(201, EvaluationSchema)
    def post(self, data):
        """The residence community's evaluation of a member for a month (双评价)."""
        evaluation = service.evaluate(
            db.session,
            require_scope(),
            member_id=data["member_id"],
            month=data["month"],
            rating=data["rating"],
            comment=data["comment"],
            now=datetime.now(UTC),
        )
        db.session.commit()
        return evaluation


@api.route("/units/<int:unit_id>/double-evaluation")
class DoubleEvaluation(MethodView):
    @api.arguments(DoubleEvaluationQuerySchema, location="query")
    @api.response(200, DoubleEvaluationSchema)
    @api.alt_response(
        200,
        description="XLSX when format=xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    def get(self, args, unit_id):
        """双评价: each member's service by side for the period, and the residence community's evaluation."""
        report = service.double_evaluation(db.session, require_scope(), unit_id, _period(args))
        if args["format"] == "xlsx":
            return download(
                f"{report['unit_name']}-双评价-{report['period']['label']}.xlsx", double_evaluation_xlsx(report)
            )
        return report


@api.route("/grades")
class Grades(MethodView):
    @api.arguments(GradeRequestSchema)
    @api.response(201, GradeRunSchema)
    def post(self, data):
        """Compute grades (评定等次) for an area and period under the rules in force; kept with that rule version."""
        tz = app_timezone()
        run = service.compute_grades(
            db.session,
            require_scope(),
            area_id=data["area_id"],
            period=period_containing(data["period"], data["date"], tz),
        )
        db.session.commit()
        return run


@api.route("/grades/<int:run_id>")
class GradeItem(MethodView):
    @api.response(200, GradeRunSchema)
    def get(self, run_id):
        return service.get_grade_run(db.session, require_scope(), run_id)
