from datetime import datetime, UTC

from flask.views import MethodView
from flask_smorest import Blueprint

from ..database import db
from ..errors import NotFound
from ..periods import app_timezone, period_containing, today
from ..people.auth import require_scope
from . import service, units
from .export import export_download
from .schemas import (
    AreaQuerySchema,
    CorrectionRequestSchema,
    ExportQuerySchema,
    LiveRankingSchema,
    MemberRankQuerySchema,
    MemberRankSchema,
    PageOnlySchema,
    ParticipationQuerySchema,
    ParticipationSchema,
    PublicRankingSchema,
    RankingQuerySchema,
    RedBlackPublishSchema,
    RedBlackQuerySchema,
    RedBlackSchema,
    SnapshotInfoSchema,
    ThresholdsOutSchema,
    ThresholdsRequestSchema,
)

api = Blueprint(
    "rankings",
    __name__,
    url_prefix="/api/v1",
    description="排名 Rankings: published snapshots, live standings, member ranks, 红黑榜",
)


def _now() -> datetime:
    return datetime.now(UTC)


@api.route("/rankings")
class PublishedRanking(MethodView):
    @api.arguments(RankingQuerySchema, location="query")
    @api.response(200, PublicRankingSchema)
    def get(self, args):
        """A published ranking (latest version unless ``version``): public, names masked where asked.

        404 until the period is published. Without ``start``, the latest period published."""
        tz = app_timezone()
        if args.get("start"):
            period = service.period_of(args["period"], args["start"], tz)
            snapshot = service.published(
                db.session, args["scope"], args["scope_id"], period, args["side"], args.get("version")
            )
        else:
            ref = service.resolve_scope(db.session, args["scope"], args["scope_id"])
            snapshot = service.latest_published(db.session, ref.kind, ref.id, args["period"], args["side"])
            if snapshot is None:
                raise NotFound(service.NOT_PUBLISHED)
        return service.public_board(db.session, snapshot, tz, args["page"], args["per_page"])


@api.route("/rankings/live")
class LiveRanking(MethodView):
    @api.arguments(RankingQuerySchema, location="query")
    @api.response(200, LiveRankingSchema)
    def get(self, args):
        """Live standings from the ledger as it is now, marked "实时, 未公示" (staff over the scope)."""
        scope = require_scope()
        tz = app_timezone()
        now = _now()
        period = service.period_of(args["period"], args.get("start") or today(tz), tz)
        standing = service.live(db.session, scope, args["scope"], args["scope_id"], period, args["side"], now)
        return service.live_board(db.session, standing, args["page"], args["per_page"])


@api.route("/rankings/<int:snapshot_id>")
class SnapshotItem(MethodView):
    @api.arguments(PageOnlySchema, location="query")
    @api.response(200, PublicRankingSchema)
    def get(self, args, snapshot_id):
        """Any published snapshot by id, superseded versions included (public)."""
        snapshot = service.get_snapshot(db.session, snapshot_id)
        return service.public_board(db.session, snapshot, app_timezone(), args["page"], args["per_page"])


@api.route("/rankings/<int:snapshot_id>/export")
class SnapshotExport(MethodView):
    @api.arguments(ExportQuerySchema, location="query")
    @api.response(200, description="XLSX or CSV download")
    def get(self, args, snapshot_id):
        """Every row of a snapshot as XLSX or CSV (staff over its scope; names in full, no phones)."""
        name, rows = service.export_table(db.session, require_scope(), snapshot_id, app_timezone())
        return export_download(name, rows, args["format"])


@api.route("/rankings/corrections")
class Corrections(MethodView):
    @api.arguments(CorrectionRequestSchema)
    @api.response(201, SnapshotInfoSchema)
    def post(self, data):
        """Recompute a published ranking and publish it as a new version superseding it (street/city admins)."""
        tz = app_timezone()
        snapshot = service.correct(db.session, require_scope(), data["snapshot_id"], data["reason"], _now(), tz)
        db.session.commit()
        return service.describe(db.session, snapshot, tz)


@api.route("/members/<int:member_id>/rank")
class MemberRank(MethodView):
    @api.arguments(MemberRankQuerySchema, location="query")
    @api.response(200, MemberRankSchema)
    def get(self, args, member_id):
        """A member's rank in each scope they belong to: published if the period is, live otherwise (self or staff)."""
        tz = app_timezone()
        period = period_containing(args["period"], args.get("date") or today(tz), tz)
        return service.member_ranks(db.session, require_scope(), member_id, period, args["side"], _now())


@api.route("/unit-participation")
class UnitParticipation(MethodView):
    @api.arguments(ParticipationQuerySchema, location="query")
    @api.response(200, ParticipationSchema)
    def get(self, args):
        """Units of an area ranked by participation for a period, live (staff over the area)."""
        tz = app_timezone()
        period = service.period_of(args["period"], args.get("start") or today(tz), tz)
        return units.participation(db.session, require_scope(), args["area_id"], period, _now())


@api.route("/red-black-lists")
class RedBlackLists(MethodView):
    @api.arguments(RedBlackQuerySchema, location="query")
    @api.response(200, RedBlackSchema)
    def get(self, args):
        """A published 红黑榜 (public): every unit's figures, red and black ones listed apart."""
        tz = app_timezone()
        published = units.get_published(db.session, args["area_id"], units.month_of(args["start"], tz))
        return units.view_dict(
            published.area,
            units.month_of(published.period_start, tz),
            published.thresholds,
            units.figures_of(published),
            published=published,
        )

    @api.arguments(RedBlackPublishSchema)
    @api.response(201, RedBlackSchema)
    @api.alt_response(200, schema=RedBlackSchema, description="already published: the list as it was")
    def post(self, data):
        """Publish a month's 红黑榜 after review (street/city admins); publishing again changes nothing."""
        tz = app_timezone()
        published, created = units.publish(
            db.session, require_scope(), data["area_id"], units.month_of(data["start"], tz), _now()
        )
        db.session.commit()
        body = units.view_dict(
            published.area,
            units.month_of(published.period_start, tz),
            published.thresholds,
            units.figures_of(published),
            published=published,
        )
        return body, 201 if created else 200


@api.route("/red-black-lists/preview")
class RedBlackPreview(MethodView):
    @api.arguments(RedBlackQuerySchema, location="query")
    @api.response(200, RedBlackSchema)
    def get(self, args):
        """The list as it would be published now, for review (staff over the area)."""
        tz = app_timezone()
        view = units.preview(db.session, require_scope(), args["area_id"], units.month_of(args["start"], tz), _now())
        return units.view_dict(
            view.area,
            view.period,
            view.thresholds,
            view.figures,
            published=view.published,
            generated_at=view.generated_at,
            preview_=True,
        )


@api.route("/red-black-lists/settings")
class RedBlackSettings(MethodView):
    @api.arguments(AreaQuerySchema, location="query")
    @api.response(200, ThresholdsOutSchema)
    def get(self, args):
        """The thresholds in force for an area (its own, its ancestors', or the defaults)."""
        require_scope()
        area = units.list_area(db.session, args["area_id"])
        return {"area_id": area.id, "thresholds": units.thresholds_for(db.session, area)}

    @api.arguments(ThresholdsRequestSchema)
    @api.response(200, ThresholdsOutSchema)
    def put(self, data):
        """Set some of an area's thresholds (street/city admins); the rest stay inherited."""
        area_id = data.pop("area_id")
        thresholds = units.set_thresholds(db.session, require_scope(), area_id, data)
        db.session.commit()
        return {"area_id": area_id, "thresholds": thresholds}
