"""双报到 pages: the member's own status, a community's review queue, a unit's compliance list."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..api import paginate
from ..database import db
from ..i18n import N_
from ..people.auth import current_scope
from ..people.models import Member
from ..places.models import Area, Unit
from ..web.helpers import page_action
from . import service
from ..exports import download
from .export import SIDE_LABELS, STATUS_LABELS, compliance_xlsx, status_text
from .schemas import BatchSchema, RegistrationCreateSchema, WithdrawSchema
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
    return page_action(
        lambda data: service.file_registration(db.session, scope, **data),
        schema=RegistrationCreateSchema(),
        back=url_for("registration_pages.my_registrations"),
        form_page=lambda _errors: _render_member_page(scope)[0],
        notice=_("已提交报到，请等待社区审核"),
    )


@pages.post("/registration/<int:registration_id>/withdraw")
@login_required
def withdraw(registration_id):
    scope, refusal = _member_scope()
    if refusal:
        return refusal

    def withdraw_own(data: dict):
        registration = service.get_registration(db.session, scope, registration_id)
        return service.withdraw(db.session, scope, registration, data.get("reason"))

    return page_action(
        withdraw_own,
        schema=WithdrawSchema(),
        back=url_for("registration_pages.my_registrations"),
        form_page=lambda _errors: _render_member_page(scope)[0],
        notice=_("已撤回报到"),
    )


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


@pages.post("/staff/registrations/decide")
@login_required
def decide():
    scope, communities, refusal = _community_scope()
    if refusal:
        return refusal
    community_id = request.form.get("community_id", type=int)

    def decided(results: list[dict]):
        done = [r for r in results if r["ok"]]
        failed = [r for r in results if not r["ok"]]
        if done:
            approved = request.form.get("action") == "approve"
            message = _("已通过 %(n)s 条报到", n=len(done)) if approved else _("已驳回 %(n)s 条报到", n=len(done))
            flash(message, "info")
        if failed:
            for result in failed:
                flash(f"#{result['id']}: {result['error']['message']}", "error")
            return _render_community_page(scope, communities, community_id, failed[0]["status"])
        return url_for("registration_pages.community_registrations", community_id=community_id)

    return page_action(
        lambda data: service.decide_many(db.session, scope, data["ids"], data["action"], data.get("reason")),
        schema=BatchSchema(),
        back=url_for("registration_pages.community_registrations", community_id=community_id),
        form_page=lambda _errors: _render_community_page(scope, communities, community_id)[0],
        notice=None,
        done=decided,
    )


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
