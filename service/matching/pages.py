"""Matcher pages: a task's suggested members (one-click invite), the dispatch preview, the member's invitations."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..database import db
from ..errors import DomainError
from ..periods import app_timezone
from ..people.auth import current_scope
from ..people.scope import MANAGE
from ..places.models import Area
from ..web.helpers import back_with_error, flash_error, form_token_ok
from . import invitations, service

pages = Blueprint("matching_pages", __name__, template_folder="templates")

DISPATCH_AREA_KINDS = ("street", "community", "compound", "grid")


def _now() -> datetime:
    return datetime.now(UTC)


def _lang() -> str:
    from .hall import _lang as lang

    return lang()


# --- staff: suggestions for a task ------------------------------------------------------


@pages.get("/staff/tasks/<int:task_id>/suggestions")
@login_required
def suggestions(task_id: int):
    scope = current_scope()
    result = service.candidates_for_task(
        db.session, scope, task_id, _now(), request.args.get("limit", 10, type=int), tz=app_timezone()
    )
    task = service.staff_task(db.session, scope, task_id)
    why = None
    member_id = request.args.get("member_id", type=int)
    if member_id:
        try:
            why = service.why_not(db.session, scope, task_id, member_id, _now(), tz=app_timezone())
        except DomainError as error:
            flash_error(error)
    return render_template(
        "matching/suggestions.html",
        task=task,
        result=result,
        why=why,
        lang=_lang(),
        manage=scope.covers(task.community.path, MANAGE),
    )


@pages.post("/staff/tasks/<int:task_id>/invite")
@login_required
def invite(task_id: int):
    target = url_for("matching_pages.suggestions", task_id=task_id)
    if not form_token_ok():
        return redirect(target), 303
    try:
        member_id = int(request.form.get("member_id", ""))
    except ValueError:
        abort(400)
    try:
        invitations.invite(db.session, current_scope(), task_id, member_id, _now(), tz=app_timezone())
    except DomainError as error:
        return back_with_error(error, target)
    db.session.commit()
    flash(_("已发送邀请"), "info")
    return redirect(target), 303


# --- staff: dispatch preview and send -------------------------------------------------------


def _dispatch_areas(scope) -> list[Area]:
    if not scope.paths(MANAGE):
        return []
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.kind.in_(DISPATCH_AREA_KINDS), scope.within(Area.path, MANAGE))
            .order_by(Area.path)
            .limit(500)
        ).all()
    )


def _window(form) -> tuple[datetime, datetime]:
    tz = app_timezone()
    try:
        first = date.fromisoformat(form.get("from", ""))
        last = date.fromisoformat(form.get("to", ""))
    except ValueError:
        first, last = datetime.now(tz).date(), datetime.now(tz).date() + timedelta(days=6)
    return datetime.combine(first, time(), tz), datetime.combine(last + timedelta(days=1), time(), tz)


@pages.route("/staff/dispatch", methods=["GET", "POST"])
@login_required
def dispatch_page():
    scope = current_scope()
    if not scope.paths(MANAGE):
        abort(403)
    tz = app_timezone()
    areas = _dispatch_areas(scope)
    today = datetime.now(tz).date()
    form = {
        "area_id": request.values.get("area_id", type=int) or (areas[0].id if areas else None),
        "from": request.values.get("from") or today.isoformat(),
        "to": request.values.get("to") or (today + timedelta(days=6)).isoformat(),
    }
    plan = None
    if request.method == "POST":
        if not form_token_ok():
            return redirect(url_for("matching_pages.dispatch_page")), 303
        start, end = _window(request.form)
        try:
            if request.form.get("action") == "send":
                plan = service.send_dispatch(db.session, scope, form["area_id"], start, end, _now(), tz=tz)
                db.session.commit()
                flash(_("已发出 %(n)s 份邀请", n=len(plan.invitations)), "info")
            else:
                plan = service.preview_dispatch(db.session, scope, form["area_id"], start, end, _now(), tz=tz)
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
    return render_template("matching/dispatch.html", areas=areas, form=form, plan=plan, lang=_lang())


# --- members: my invitations -------------------------------------------------------------------


@pages.get("/invitations")
@login_required
def my_invitations():
    scope = current_scope()
    if scope.member_id is None:
        return redirect(url_for("web.home"))
    items = db.session.scalars(invitations.list_mine(scope).limit(50)).all()
    return render_template("matching/invitations.html", items=items, now=_now())


@pages.post("/invitations/<int:invitation_id>/<action>")
@login_required
def answer(invitation_id: int, action: str):
    target = url_for("matching_pages.my_invitations")
    if action not in ("accept", "decline"):
        abort(404)
    if not form_token_ok():
        return redirect(target), 303
    scope = current_scope()
    try:
        if action == "accept":
            invitation, _claim = invitations.accept(db.session, scope, invitation_id, _now())
        else:
            invitation, _next = invitations.decline(
                db.session, scope, invitation_id, _now(), request.form.get("reason", ""), tz=app_timezone()
            )
    except DomainError as error:
        return back_with_error(error, target)
    db.session.commit()
    if action == "accept":
        flash(_("已接受邀请，认领成功"), "info")
        return redirect(url_for("tasks_pages.task_detail", task_id=invitation.task_id)), 303
    flash(_("已婉拒邀请"), "info")
    return redirect(target), 303
