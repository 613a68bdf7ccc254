"""双报到 pages: the member's own status, a community's review queue, a unit's compliance list."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..api import paginate
from ..database import db
from ..errors import DomainError, Invalid, REQUIRED
from ..i18n import N_
from ..people.auth import current_scope
from ..people.models import Member
from ..places.models import Area, Unit
from ..web.helpers import flash_error
from . import service
from ..exports import download
from .export import SIDE_LABELS, STATUS_LABELS, compliance_xlsx, status_text
from .forms import DecideForm, FileForm, WithdrawForm
from .models import SIDES

pages = Blueprint("registration_pages", __name__, template_folder="templates")

PENDING_SHOWN = 50
EVENT_LABELS = {
    "filed": N_("提交报到"),
    "approved": N_("审核通过"),
    "rejected": N_("被驳回"),
    "withdrawn": N_("本人撤回"),
    "superseded": N_("被新报到取代"),
}


@pages.context_processor
def _labels():
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return {
        "reg_side_label": lambda side: _(SIDE_LABELS[side]) if side in SIDE_LABELS else side,
        "reg_status_label": lambda status: _(STATUS_LABELS[status]) if status in STATUS_LABELS else status,
        "reg_status_text": status_text,
        "reg_event_label": lambda action: _(EVENT_LABELS[action]) if action in EVENT_LABELS else action,
        "reg_date": lambda moment: moment.astimezone(zone).strftime("%Y-%m-%d") if moment else "",
        "SIDES": SIDES,
    }


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100000))


# --- member ------------------------------------------------------------------------


def _communities_by_street(session) -> list[tuple[str, list[Area]]]:
    street = aliased(Area)
    rows = session.execute(
        select(Area, street.name)
        .join(street, street.id == Area.parent_id)
        .where(Area.kind == "community")
        .order_by(street.path, Area.path)
    ).all()
    groups: list[tuple[str, list[Area]]] = []
    for community, street_name in rows:
        if not groups or groups[-1][0] != street_name:
            groups.append((street_name, []))
        groups[-1][1].append(community)
    return groups


def _render_member_page(scope, status_code=200):
    session = db.session
    member = session.get(Member, scope.member_id)
    status = service.double_status(session, member)
    return render_template(
        "registration/me.html",
        status=status,
        member=member,
        home_community=service.residence_community(session, member),
        unit_communities=service.unit_communities(session, member),
        street_groups=_communities_by_street(session),
    ), status_code


def _member_scope():
    scope = current_scope()
    if scope.member_id is None:
        return scope, (render_template("error.html", status=404, message=_("你还没有成员档案")), 404)
    return scope, None


@pages.route("/registration/me", methods=["GET", "POST"])
@login_required
def my_registrations():
    scope, refusal = _member_scope()
    if refusal:
        return refusal
    if request.method == "GET":
        return _render_member_page(scope)
    form = FileForm()
    if not form.validate_on_submit():
        flash(_("请选择报到方向和社区"), "error")
        return _render_member_page(scope, 422)
    try:
        service.file_registration(db.session, scope, community_id=form.community_id.data, side=form.side.data)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _render_member_page(scope, error.status)
    db.session.commit()
    flash(_("已提交报到，请等待社区审核"), "info")
    return redirect(url_for("registration_pages.my_registrations"), 303)


@pages.post("/registration/<int:registration_id>/withdraw")
@login_required
def withdraw(registration_id):
    scope, refusal = _member_scope()
    if refusal:
        return refusal
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("撤回原因过长"), "error")
        return _render_member_page(scope, 422)
    try:
        registration = service.get_registration(db.session, scope, registration_id)
        service.withdraw(db.session, scope, registration, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _render_member_page(scope, error.status)
    db.session.commit()
    flash(_("已撤回报到"), "info")
    return redirect(url_for("registration_pages.my_registrations"), 303)


# --- community admin ---------------------------------------------------------------


def _render_community_page(scope, communities, community_id, status_code=200):
    session = db.session
    community = next((c for c in communities if c.id == community_id), communities[0])
    side = request.args.get("side") if request.args.get("side") in SIDES else "residence"
    waiting = service.list_registrations(scope, community_id=community.id, status="pending")
    # Oldest first, a screenful at a time: what is approved drops off the list.
    pending = paginate(session, waiting, 1, PENDING_SHOWN)
    registered = paginate(session, service.registered_members(scope, community.id, side), _page_number(), 20)
    return render_template(
        "registration/community.html",
        communities=communities,
        community=community,
        pending=pending,
        counts=service.registered_members_count(session, community.id),
        side=side,
        registered=registered,
    ), status_code


def _community_scope():
    scope = current_scope()
    communities = service.managed_communities(db.session, scope)
    if not communities:
        return scope, [], (render_template("error.html", status=403, message=_("仅社区管理员可见")), 403)
    return scope, communities, None


@pages.get("/staff/registrations")
@login_required
def community_registrations():
    scope, communities, refusal = _community_scope()
    if refusal:
        return refusal
    return _render_community_page(scope, communities, request.args.get("community_id", type=int))


def _ids_from_form() -> list[int]:
    ids = []
    for raw in request.form.getlist("ids"):
        if not raw.strip().isdigit():
            raise Invalid(N_("所选报到不正确"), fields={"ids": [N_("不是数字")]})
        ids.append(int(raw))
    if not ids:
        raise Invalid(N_("请先勾选要审核的报到"), fields={"ids": [REQUIRED]})
    return ids


@pages.post("/staff/registrations/decide")
@login_required
def decide():
    scope, communities, refusal = _community_scope()
    if refusal:
        return refusal
    form = DecideForm()
    community_id = form.community_id.data
    if not form.validate_on_submit():
        flash(_("审核操作不正确，请重试"), "error")
        return _render_community_page(scope, communities, community_id, 422)
    try:
        results = service.decide_many(db.session, scope, _ids_from_form(), form.action.data, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _render_community_page(scope, communities, community_id, error.status)
    db.session.commit()
    done = [r for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    if done:
        if form.action.data == "approve":
            flash(_("已通过 %(n)s 条报到", n=len(done)), "info")
        else:
            flash(_("已驳回 %(n)s 条报到", n=len(done)), "info")
    if failed:
        for result in failed:
            flash(f"#{result['id']}: {_(result['error']['message'])}", "error")
        return _render_community_page(scope, communities, community_id, failed[0]["status"])
    return redirect(url_for("registration_pages.community_registrations", community_id=community_id), 303)


# --- unit admin --------------------------------------------------------------------


@pages.get("/unit/registration-compliance")
@login_required
def unit_compliance():
    scope = current_scope()
    unit_id = request.args.get("unit_id", type=int) or (min(scope.unit_ids) if scope.unit_ids else None)
    if unit_id is None:
        return render_template("error.html", status=403, message=_("仅单位管理员可见")), 403
    report = service.compliance(db.session, scope, unit_id)
    if request.args.get("format") == "xlsx":
        return download(f"{report['unit_name']}-双报到未完成名单.xlsx", compliance_xlsx(report))
    units = sorted(scope.unit_ids)
    unit_names = (
        dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(units)))) if len(units) > 1 else {}
    )
    return render_template("registration/compliance.html", report=report, unit_names=unit_names)
