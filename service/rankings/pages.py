"""Ranking pages: the public board, the member's rank card, the staff dashboard, 红黑榜 review, exports."""

from __future__ import annotations

from datetime import date, datetime, UTC

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..database import db
from ..errors import DomainError
from ..periods import PERIOD_KINDS, Period, app_timezone, local_day, period_containing
from ..people.auth import current_scope
from ..places.models import Area
from ..web.forms import EmptyForm
from ..web.helpers import label, page_action
from ..web.public_pages import public_page
from . import charts, dashboard, service, units
from .models import AREA_SCOPES, RANK_SIDES
from .export import export_download
from .schemas import RedBlackPublishSchema

pages = Blueprint(
    "rankings_pages", __name__, template_folder="templates", static_folder="static", static_url_path="/static/rankings"
)

BOARD_SIZE = 10


def _now() -> datetime:
    return datetime.now(UTC)


def _choice(value, allowed, default):
    return value if value in allowed else default


def _date_arg(name: str) -> date | None:
    """A date from the query string or the form; None when absent or malformed."""
    try:
        return date.fromisoformat(request.values.get(name, "")[:10])
    except ValueError:
        return None


@pages.app_context_processor
def _rank_helpers():
    def member_rank_card(member_id: int):
        return service.member_rank_card(db.session, member_id, _now(), app_timezone())

    return {
        "member_rank_card": member_rank_card,
        "rank_scope_label": lambda k: label(service.SCOPE_LABELS, k),
        "rank_side_label": lambda k: label(service.SIDE_LABELS, k),
    }


# --- the public board --------------------------------------------------------------------


@pages.get("/boards/<int:area_id>")
def board(area_id: int):
    """The public ranking board of an area: large screens and phones, refreshed every minute.
    The same for everyone who asks, so it is rendered once per few seconds (web/public_pages.py),
    keyed by what it shows (not the raw query string, which anyone can vary)."""
    kind = _choice(request.args.get("period"), PERIOD_KINDS, "month")
    side = _choice(request.args.get("side"), RANK_SIDES, "total")
    day = _date_arg("start")
    key = ("board", area_id, kind, side, day, str(get_locale()))
    return public_page(key, lambda: _render_board(area_id, kind, side, day))


def _render_board(area_id: int, kind: str, side: str, day: date | None):
    tz = app_timezone()
    area = db.session.get(Area, area_id)
    if area is None or area.kind not in AREA_SCOPES:
        return render_template("error.html", status=404, message=_("区域不存在")), 404
    if day is not None:
        asked = period_containing(kind, day, tz)
        snapshot = service.latest_version(db.session, area.kind, area.id, kind, asked.start, side)
    else:
        snapshot = service.latest_published(db.session, area.kind, area.id, kind, side)
        asked = None
    top, period, red_black = [], asked, None
    if snapshot is not None:
        period = Period(snapshot.period_kind, snapshot.period_start, snapshot.period_end, tz)
        top = [r for r in service.snapshot_rows(db.session, snapshot, 0, BOARD_SIZE) if r["rank"] is not None]
        if kind == "month" and area.kind in units.LIST_AREA_KINDS:
            published = units._existing(db.session, area.id, period)
            if published is not None:
                red_black = units.figures_of(published)
    ranks = [r["rank"] for r in top]
    for r in top:
        r["tied"] = ranks.count(r["rank"]) > 1
    return render_template(
        "rankings/board.html",
        area=area,
        snapshot=snapshot,
        period=period,
        kind=kind,
        side=side,
        podium=top[:3],
        rest=top[3:],
        red_black=red_black,
        previous=period.previous() if period else None,
        following=period.next() if period else None,
    )


# --- staff: dashboard, exports, 红黑榜 review ------------------------------------------------


def _staff_areas(scope, kinds=AREA_SCOPES) -> list[Area]:
    ids = {g.area_id for g in scope.area_grants}
    if not ids:
        return []
    return list(db.session.scalars(select(Area).where(Area.id.in_(ids), Area.kind.in_(kinds)).order_by(Area.path)))


def _selected(areas: list[Area], scope) -> Area | None:
    wanted = request.args.get("area_id", type=int)
    if wanted is not None:
        area = db.session.get(Area, wanted)
        if area is not None and area.kind in AREA_SCOPES and scope.covers(area.path):
            return area
    return areas[0] if areas else None


@pages.get("/staff/dashboard")
@login_required
def staff_dashboard():
    scope = current_scope()
    areas = _staff_areas(scope)
    area = _selected(areas, scope)
    if area is None:
        return render_template("error.html", status=403, message=_("仪表盘提供给社区及以上的工作人员")), 403
    tz, now = app_timezone(), _now()
    weekly = dashboard.weekly_points(db.session, area, now, tz)
    needs = dashboard.needs_by_month(db.session, area, now, tz)
    month, unit_rows = dashboard.unit_participation(db.session, area, now, tz)
    shown = [f for f in unit_rows if f.members][: dashboard.UNITS_SHOWN]
    latest = {side: service.latest_published(db.session, area.kind, area.id, "month", side) for side in RANK_SIDES}
    return render_template(
        "rankings/dashboard.html",
        area=area,
        areas=areas,
        month=month,
        weekly_chart=charts.columns([(w.label[-3:], v) for w, v in weekly]),
        weekly_total=sum(v for _w, v in weekly),
        closure_chart=charts.columns(
            [(m.period.label[-2:], m.closure_pct) for m in needs or []], fmt="{:.0f}%", top=100
        ),
        satisfaction_chart=charts.columns(
            [(m.period.label[-2:], m.satisfaction_pct) for m in needs or []], fmt="{:.0f}%", top=100
        ),
        needs=needs,
        unit_chart=charts.rows([(f.name, units.percent(f.participation)) for f in shown]),
        unit_count=len(unit_rows),
        shown=shown,
        latest=latest,
        red_black_area=area.kind in units.LIST_AREA_KINDS,
    )


@pages.get("/staff/rankings/<int:snapshot_id>/export")
@login_required
def staff_export(snapshot_id: int):
    """The same export as the API, for staff signed in on the web (the API takes bearer tokens only)."""
    name, rows = service.export_table(db.session, current_scope(), snapshot_id, app_timezone())
    return export_download(name, rows, _choice(request.args.get("format"), ("xlsx", "csv"), "xlsx"))


@pages.route("/staff/red-black-lists", methods=["GET", "POST"])
@login_required
def red_black_review():
    """Preview a month's 红黑榜 and publish it (street and city admins)."""
    scope = current_scope()
    areas = _staff_areas(scope, units.LIST_AREA_KINDS)
    if not areas:
        return render_template("error.html", status=403, message=_("红黑榜由街道及以上的工作人员审核发布")), 403
    tz, now = app_timezone(), _now()
    area_id = request.values.get("area_id", type=int) or areas[0].id
    day = _date_arg("start") or period_containing("month", local_day(now, tz), tz).previous().start
    month = units.month_of(day, tz)
    if request.method == "POST":
        back = url_for("rankings_pages.red_black_review", area_id=area_id, start=month.start.isoformat())
        return page_action(
            lambda data: units.publish(db.session, scope, data["area_id"], units.month_of(data["start"], tz), now),
            schema=RedBlackPublishSchema(),
            back=back,
            notice=lambda published: _("红黑榜已发布") if published[1] else _("该月红黑榜此前已发布"),
        )
    try:
        view = units.preview(db.session, scope, area_id, month, now)
    except DomainError as error:
        return render_template("error.html", status=error.status, message=error.text()), error.status
    figures = units.figures_of(view.published) if view.published else view.figures
    return render_template(
        "rankings/red_black.html",
        view=view,
        figures=figures,
        areas=areas,
        form=EmptyForm(),
        month=month,
        previous=month.previous(),
        following=month.next(),
        may_publish=month.end_utc <= now and view.published is None,
    )
