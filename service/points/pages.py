"""Points pages: the member's 双积分, the rules editor, 双评价 for units and communities."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, UTC
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..database import db
from ..i18n import N_
from ..periods import app_timezone, period_containing, today
from ..people.auth import current_scope
from ..people.scope import MANAGE
from ..places.models import Area
from ..web.forms import EmptyForm, FormInvalid, load_body
from ..web.helpers import page_action
from . import adjustments, service
from .models import PendingAdjustment, RuleSet
from .schemas import AdjustmentRejectSchema, AdjustmentRequestSchema, EvaluationRequestSchema, RuleSetCreateSchema
from .export import RATING_LABELS, double_evaluation_xlsx
from .rules import DEFAULT_RULES
from ..exports import download

pages = Blueprint("points_pages", __name__, template_folder="templates")


def _period_from_args():
    tz = app_timezone()
    kind = request.args.get("period", "month")
    if kind not in ("week", "month", "quarter", "year"):
        kind = "month"
    try:
        day = date.fromisoformat(request.args.get("date", "")) if request.args.get("date") else today(tz)
    except ValueError:
        day = today(tz)
    return period_containing(kind, day, tz)


@pages.get("/points/me")
@login_required
def my_points():
    scope = current_scope()
    if scope.member_id is None:
        return render_template("error.html", status=404, message=_("你还没有成员档案")), 404
    period = _period_from_args()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    data = service.member_points(db.session, scope, scope.member_id, period, page, 20)
    return render_template(
        "points/me.html", data=data, period=period, previous=period.previous(), following=period.next()
    )


def _rule_areas(scope):
    """Areas whose rules this admin may publish: their own grant areas (and the city for a city admin)."""
    ids = [g.area_id for g in scope.area_grants if g.role in ("community_admin", "street_admin", "city_admin")]
    return list(db.session.scalars(select(Area).where(Area.id.in_(ids)).order_by(Area.path))) if ids else []


@pages.route("/staff/point-rules", methods=["GET", "POST"])
@login_required
def rules_editor():
    scope = current_scope()
    areas = _rule_areas(scope)
    if not areas:
        return render_template("error.html", status=403, message=_("仅管理员可见")), 403
    selected = request.values.get("area_id", type=int) or areas[0].id
    current = db.session.scalar(select(RuleSet).where(RuleSet.area_id == selected).order_by(RuleSet.version.desc()))
    effective = request.form.get("effective_from") or today(app_timezone()).isoformat()

    def form_page(errors: dict):
        text = request.form.get("body") if request.method == "POST" else None
        return _rules_page(areas, selected, current, text, effective, errors)

    if request.method == "GET":
        return form_page({})

    def publish():
        body = {
            "area_id": selected,
            "effective_from": effective,
            "body": _rules_text(request.form.get("body", "")),
            "note": request.form.get("note", ""),
        }
        return service.publish_rule_set(db.session, scope, **load_body(RuleSetCreateSchema(), body))

    return page_action(
        publish,
        back=url_for("points_pages.rules_editor", area_id=selected),
        form_page=form_page,
        notice=_("已发布新版本积分规则"),
    )


def _rules_text(text: str) -> dict:
    """The rules as typed: a JSON object, or the schema's own message beside the box."""
    try:
        body = json.loads(text)
    except ValueError:
        raise FormInvalid({"body": [_("规则不是有效的 JSON")]}) from None
    if not isinstance(body, dict):
        raise FormInvalid({"body": [_("规则不是有效的 JSON")]})
    return body


def _rules_page(areas, selected, current, text, effective, errors: dict):
    if text is None:
        text = json.dumps(current.body if current else DEFAULT_RULES, ensure_ascii=False, indent=2)
    versions = db.session.scalars(
        select(RuleSet).where(RuleSet.area_id == selected).order_by(RuleSet.version.desc())
    ).all()
    return render_template(
        "points/rules.html",
        areas=areas,
        selected=selected,
        versions=versions,
        text=text,
        effective=effective,
        errors=_messages(errors),
        form=EmptyForm(),
    )


def _messages(errors: dict) -> str:
    """Every message of a refused form on one line, each with its place in the rules."""
    parts = []

    def walk(value, where):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, [*where, str(key)])
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            parts.append(("/".join(where[1:]) + "：" if len(where) > 1 else "") + "；".join(value))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, [*where, str(index)])
        else:
            parts.append(str(value))

    walk(errors, [])
    return "　".join(parts)


@pages.get("/unit/double-evaluation")
@login_required
def unit_double_evaluation():
    scope = current_scope()
    unit_id = request.args.get("unit_id", type=int) or (min(scope.unit_ids) if scope.unit_ids else None)
    if unit_id is None:
        return render_template("error.html", status=403, message=_("仅单位管理员可见")), 403
    period = _period_from_args()
    report = service.double_evaluation(db.session, scope, unit_id, period)
    if request.args.get("format") == "xlsx":
        return download(f"{report['unit_name']}-双评价-{period.label}.xlsx", double_evaluation_xlsx(report))
    return render_template(
        "points/double_evaluation.html",
        report=report,
        period=period,
        unit_id=unit_id,
        previous=period.previous(),
        following=period.next(),
        rating_labels=RATING_LABELS,
    )


@pages.route("/staff/evaluations", methods=["GET", "POST"])
@login_required
def community_evaluations():
    """The residence community rates its registered members for a month."""
    scope = current_scope()
    communities = [g for g in scope.area_grants if g.role == "community_admin"]
    if not communities:
        return render_template("error.html", status=403, message=_("仅社区管理员可见")), 403
    tz = app_timezone()
    month = period_containing("month", today(tz), tz).previous()
    if request.method == "POST":
        form = MultiDict(request.form)
        form["month"] = month.start.isoformat()
        return page_action(
            lambda data: service.evaluate(db.session, scope, now=datetime.now(UTC), **data),
            schema=EvaluationRequestSchema(),
            form=form,
            back=url_for("points_pages.community_evaluations"),
            notice=_("评价已保存"),
        )
    members = service.residence_members(db.session, [g.area_id for g in communities], datetime.now(UTC))
    return render_template(
        "points/evaluations.html", members=members, month=month, form=EmptyForm(), rating_labels=RATING_LABELS
    )


# --- manual adjustments, four-eyes ----------------------------------------------------------

CAUSE_LABELS = {"per_entry": N_("单笔超过上限"), "monthly": N_("本月累计超过上限")}


def _adjustments_page(scope, errors: dict[str, Any]):
    """The adjustment form and the queue of requests waiting for a second approver."""
    communities = db.session.scalars(
        select(Area).where(Area.kind == "community", scope.within(Area.path, MANAGE)).order_by(Area.path).limit(200)
    ).all()
    pending = db.session.scalars(adjustments.list_adjustments(scope).limit(100)).all()
    cap = adjustments.configured_cap()
    return render_template(
        "points/adjustments.html",
        communities=communities,
        rows=[{"request": p, "may_decide": adjustments.may_decide(scope, p)} for p in pending],
        cap=f"{cap.normalize():f}",
        cause_labels=CAUSE_LABELS,
        form=request.form if request.method == "POST" else {},
        idempotency_key=secrets.token_hex(12),
        errors=errors,
    )


@pages.route("/staff/adjustments", methods=["GET", "POST"])
@login_required
def staff_adjustments():
    scope = current_scope()
    if not scope.paths(MANAGE):
        return render_template("error.html", status=403, message=_("仅社区及以上管理员可见")), 403
    if request.method == "GET":
        return _adjustments_page(scope, {})

    def command(data):
        return service.adjust(
            db.session,
            scope,
            member_id=data["member_id"],
            community_id=data["community_id"],
            points=data["points"],
            reason=data["reason"],
            key=adjustments.ledger_key(scope.account_id, data.get("idempotency_key")),
            now=datetime.now(UTC),
            tz=app_timezone(),
            cap=adjustments.configured_cap(),
        )

    def notice(result) -> str:
        if isinstance(result, PendingAdjustment):
            return _("调整超过上限，已提交复核：须由另一位同级或更高级别的管理员批准后才记入积分")
        return _("积分已调整")

    return page_action(
        command,
        schema=AdjustmentRequestSchema(),
        back=url_for("points_pages.staff_adjustments"),
        notice=notice,
        form_page=lambda errors: _adjustments_page(scope, errors),
    )


@pages.post("/staff/adjustments/<int:adjustment_id>/approve")
@login_required
def approve_adjustment(adjustment_id: int):
    return page_action(
        lambda: adjustments.approve(db.session, current_scope(), adjustment_id, now=datetime.now(UTC)),
        back=url_for("points_pages.staff_adjustments"),
        notice=N_("已批准，积分已记入"),
    )


@pages.post("/staff/adjustments/<int:adjustment_id>/reject")
@login_required
def reject_adjustment(adjustment_id: int):
    return page_action(
        lambda data: adjustments.reject(
            db.session, current_scope(), adjustment_id, data["reason"], now=datetime.now(UTC)
        ),
        schema=AdjustmentRejectSchema(),
        back=url_for("points_pages.staff_adjustments"),
        notice=N_("已驳回该调整申请"),
    )
