"""Standing pairs and visit rhythms: API and pages."""

from __future__ import annotations

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
from . import service
from .schemas import (
    PairCreateSchema,
    PairEndSchema,
    PairMemberSchema,
    PairQuerySchema,
    PairStaffSchema,
    RhythmQuerySchema,
    RhythmUpdateSchema,
    RhythmViewSchema,
    VisitQuerySchema,
    VisitSchema,
)

api = Blueprint("pairs", __name__, url_prefix="/api/v1", description="结对帮扶 Standing pairs and visits")


def now() -> datetime:
    return datetime.now(UTC)


def _for(scope, pair):
    """Staff over the resident see the phone; the paired member sees it masked."""
    if scope.covers(pair.beneficiary.place_path):
        return pair
    return jsonify(PairMemberSchema().dump(pair))


@api.route("/pairs")
class Pairs(MethodView):
    @api.arguments(PairQuerySchema, location="query")
    @api.response(200, page_of(PairStaffSchema))
    def get(self, args):
        """Staff: pairs whose resident lives in their scope. Members: their own pairs (phones masked)."""
        scope = require_scope()
        if scope.paths():
            stmt = service.list_pairs(
                scope,
                community_id=args.get("community_id"),
                member_id=args.get("member_id"),
                group=args.get("group"),
                active=args["active"],
            )
            return paginate(db.session, stmt, args["page"], args["per_page"])
        if scope.member_id is None:
            raise Invalid(N_("只有成员或工作人员可以查看结对"))
        result = paginate(
            db.session, service.member_pairs(scope.member_id, active=args["active"]), args["page"], args["per_page"]
        )
        result["items"] = PairMemberSchema(many=True).dump(result["items"])
        return jsonify(result)

    @api.arguments(PairCreateSchema)
    @api.response(201, PairStaffSchema)
    def post(self, data):
        """Pair a member with a resident of the five groups (an existing record, or a new one described here).
        A periodic rhythm's first visit task is invited to the member at once."""
        pair = service.create_pair(db.session, require_scope(), data, now(), app_timezone())
        db.session.commit()
        return pair


@api.route("/pairs/<int:pair_id>")
class PairItem(MethodView):
    @api.response(200, PairStaffSchema)
    def get(self, pair_id):
        scope = require_scope()
        return _for(scope, service.get_pair(db.session, scope, pair_id))


@api.route("/pairs/<int:pair_id>/end")
class PairEnd(MethodView):
    @api.arguments(PairEndSchema)
    @api.response(200, PairStaffSchema)
    def post(self, data, pair_id):
        """End a pair: no more visits; the current visit's task is cancelled unless already reported done."""
        pair = service.end_pair(db.session, require_scope(), pair_id, data["reason"], now())
        db.session.commit()
        return pair


@api.route("/visit-rhythms")
class Rhythms(MethodView):
    @api.arguments(RhythmQuerySchema, location="query")
    @api.response(200, RhythmViewSchema)
    def get(self, args):
        """Each group's visit rhythm at an area, and where it comes from (the deepest area that sets it, or 五见)."""
        return service.rhythm_view(db.session, require_scope(), args["area_id"])

    @api.arguments(RhythmQuerySchema, location="query")
    @api.arguments(RhythmUpdateSchema)
    @api.response(200, RhythmViewSchema)
    def put(self, args, data):
        """Set this area's rhythm for the groups given; null clears it (the area above applies)."""
        view = service.set_rhythm(db.session, require_scope(), args["area_id"], data["rhythms"], now())
        db.session.commit()
        return view


@api.route("/visits")
class Visits(MethodView):
    @api.arguments(VisitQuerySchema, location="query")
    @api.response(200, page_of(VisitSchema))
    def get(self, args):
        """Visits of pairs in the caller's scope; status=overdue lists those whose period ended unverified."""
        scope = require_scope()
        if args.get("status") == "overdue":
            stmt = service.overdue_query(scope, now(), days=args["days"], community_id=args.get("community_id"))
            if args.get("pair_id") is not None:
                stmt = stmt.where(service.Visit.pair_id == args["pair_id"])
        else:
            stmt = service.list_visits(
                scope, status=args.get("status"), pair_id=args.get("pair_id"), community_id=args.get("community_id")
            )
        result = paginate(db.session, stmt, args["page"], args["per_page"])
        service.annotate_visits(db.session, result["items"])
        return result
