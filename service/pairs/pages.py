"""Pair pages: staff pairs, the create form, the overdue visits and the rhythm editor; the member's pairs."""

from __future__ import annotations

from datetime import datetime, UTC

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..database import db
from ..i18n import N_
from ..periods import app_timezone
from ..people.auth import current_scope
from ..people.scope import MANAGE
from ..places.models import Area
from ..web.forms import load_body
from ..web.helpers import page_action
from . import service
from .schemas import PairCreateSchema, PairEndSchema, RhythmUpdateSchema
from .models import GROUP_LABELS, GROUPS, PERIODIC, RHYTHM_LABELS, RHYTHMS, VISIT_STATUSES

pages = Blueprint("pairs_pages", __name__, template_folder="templates")

PER_PAGE = 30
VISIT_STATUS_LABELS = {
    "due": N_("待生成"),
    "invited": N_("待走访"),
    "done": N_("已走访"),
    "missed": N_("未走访"),
    "cancelled": N_("已取消"),
}
assert set(VISIT_STATUS_LABELS) == set(VISIT_STATUSES)


def _now() -> datetime:
    return datetime.now(UTC)


def _labels() -> dict:
    return {
        "group_label": lambda g: _(GROUP_LABELS[g]) if g in GROUP_LABELS else g,
        "rhythm_label": lambda r: _(RHYTHM_LABELS[r]) if r in RHYTHM_LABELS else r,
        "visit_status_label": lambda s: _(VISIT_STATUS_LABELS[s]) if s in VISIT_STATUS_LABELS else s,
    }


def _forbidden(message: str):
    return render_template("error.html", status=403, message=message), 403


def _manage_communities(scope) -> list[Area]:
    return list(
        db.session.scalars(
            select(Area).where(Area.kind == "community", scope.within(Area.path, MANAGE)).order_by(Area.path).limit(200)
        )
    )


def _buildings(community: Area | None) -> list[Area]:
    if community is None:
        return []
    from ..needs.service import places_of

    groups, buildings = places_of(db.session, community)
    return buildings or groups


def _staff_page(scope, status: int = 200, form=None):
    """The staff page: create form, active pairs, overdue visits."""
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10000))
    stmt = service.list_pairs(scope, active=True)
    pairs = db.session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    more = len(pairs) > PER_PAGE
    pairs = pairs[:PER_PAGE]
    overdue = service.overdue_visits(db.session, scope, _now(), limit=50)
    communities = _manage_communities(scope)
    chosen = request.values.get("community_id", type=int)
    community = next((c for c in communities if c.id == chosen), communities[0] if communities else None)
    return render_template(
        "pairs/staff.html",
        pairs=pairs,
        page=page,
        more=more,
        overdue=overdue,
        communities=communities,
        community=community,
        places=_buildings(community),
        groups=GROUPS,
        form=form or {},
        manage=bool(scope.paths(MANAGE)),
        **_labels(),
    ), status


@pages.get("/staff/pairs")
@login_required
def staff_pairs():
    scope = current_scope()
    if not scope.paths():
        return _forbidden(_("仅工作人员可见"))
    return _staff_page(scope)


@pages.post("/staff/pairs")
@login_required
def create_pair():
    scope = current_scope()
    if not scope.paths(MANAGE):
        return _forbidden(_("只有社区及以上管理员可以结对"))

    def pair_up(data: dict):
        member = service.member_for_phone(db.session, scope, request.form.get("member_phone", ""))
        return service.create_pair(db.session, scope, data | {"member_id": member.id}, _now(), app_timezone())

    return page_action(
        pair_up,
        # the member is named by phone on the page, by id on the API
        schema=PairCreateSchema(partial=("member_id",)),
        back=url_for("pairs_pages.staff_pairs"),
        form_page=lambda _errors: _staff_page(scope, 200, request.form)[0],
        notice=lambda pair: _(
            "已结对：%(member)s — %(resident)s", member=pair.member.name, resident=pair.beneficiary.name
        ),
    )


@pages.post("/staff/pairs/<int:pair_id>/end")
@login_required
def end_pair(pair_id: int):
    return page_action(
        lambda data: service.end_pair(db.session, current_scope(), pair_id, data["reason"], _now()),
        schema=PairEndSchema(),
        back=url_for("pairs_pages.staff_pairs"),
        notice=_("结对已解除"),
    )


def _rhythm_areas(scope) -> list[Area]:
    """Areas a staff member may set rhythms for: their own roots and the communities below them."""
    roots = list(db.session.scalars(select(Area).where(Area.path.in_(scope.paths(MANAGE))).order_by(Area.path)))
    seen = {a.id for a in roots}
    return roots + [c for c in _manage_communities(scope) if c.id not in seen]


@pages.route("/staff/pairs/rhythms", methods=["GET", "POST"])
@login_required
def rhythms():
    scope = current_scope()
    areas = _rhythm_areas(scope)
    if not areas:
        return _forbidden(_("只有社区及以上管理员可以设置走访频次"))
    chosen = request.values.get("area_id", type=int)
    area = next((a for a in areas if a.id == chosen), areas[0])
    if request.method == "POST":
        body = {"rhythms": {group: request.form.get(f"rhythm_{group}") or None for group in GROUPS}}
        return page_action(
            lambda: service.set_rhythm(
                db.session, scope, area.id, load_body(RhythmUpdateSchema(), body)["rhythms"], _now()
            ),
            back=url_for("pairs_pages.rhythms", area_id=area.id),
            notice=_("走访频次已保存"),
        )
    view = service.rhythm_view(db.session, scope, area.id)
    return render_template(
        "pairs/rhythms.html", areas=areas, area=area, view=view, rhythms=RHYTHMS, periodic=PERIODIC, **_labels()
    )


@pages.get("/my/pairs")
@login_required
def my_pairs():
    scope = current_scope()
    if scope.member_id is None:
        return render_template("error.html", status=404, message=_("你还没有成员档案")), 404
    pairs = db.session.scalars(service.member_pairs(scope.member_id).limit(100)).all()
    visits = service.current_visits(db.session, [p.id for p in pairs], _now())
    service.annotate_visits(db.session, list(visits.values()))
    rhythm = {p.id: service.rhythm_for(db.session, p.beneficiary.place_path, p.beneficiary_group) for p in pairs}
    return render_template("pairs/mine.html", pairs=pairs, visits=visits, rhythm=rhythm, now=_now(), **_labels())
