"""Matcher pages: a task's suggested members (one-click invite), the dispatch preview, the member's invitations."""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..database import db
from ..errors import DomainError
from ..periods import app_timezone
from ..people.auth import current_scope
from ..people.scope import MANAGE
from ..places.models import Area
from ..web.forms import FormInvalid, load_form
from ..web.helpers import first_message, flash_error, form_token_ok, page_action
from . import invitations, service
from .schemas import DeclineSchema, DispatchRequestSchema, DispatchSendSchema, InviteSchema

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
    return page_action(
        lambda data: invitations.invite(
            db.session, current_scope(), task_id, data["member_id"], _now(), tz=app_timezone(), hours=data["hours"]
        ),
        schema=InviteSchema(),
        back=url_for("matching_pages.suggestions", task_id=task_id),
        notice=_("已发送邀请"),
    )


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


def _window_form() -> MultiDict:
    """The two days of the form as the API's window: from the first day's start to the end of the last."""
    form = MultiDict(request.form)
    try:
        form["from"] = date.fromisoformat(form.get("from", "")).isoformat() + "T00:00"
        form["to"] = (date.fromisoformat(form.get("to", "")) + timedelta(days=1)).isoformat() + "T00:00"
    except ValueError:
        pass  # left as typed, for the schema to name
    return form


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
        send = request.form.get("action") == "send"
        try:
            data = load_form(DispatchSendSchema() if send else DispatchRequestSchema(), _window_form())
            window = (data["area_id"], data["from_"], data["to"], _now())
            if send:
                plan = service.send_dispatch(
                    db.session, scope, *window, tz=tz, method=data["method"], hours=data.get("hours")
                )
            else:
                plan = service.preview_dispatch(db.session, scope, *window, tz=tz, method=data["method"])
        except FormInvalid as invalid:
            flash(first_message(invalid.fields), "error")
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
        else:
            if send:
                db.session.commit()
                flash(_("已发出 %(n)s 份邀请", n=len(plan.invitations)), "info")
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


@pages.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept(invitation_id: int):
    return page_action(
        lambda: invitations.accept(db.session, current_scope(), invitation_id, _now()),
        back=url_for("matching_pages.my_invitations"),
        notice=_("已接受邀请，认领成功"),
        done=lambda accepted: url_for("tasks_pages.task_detail", task_id=accepted[0].task_id),
    )


@pages.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline(invitation_id: int):
    return page_action(
        lambda data: invitations.decline(
            db.session, current_scope(), invitation_id, _now(), data["reason"], tz=app_timezone()
        ),
        schema=DeclineSchema(),
        back=url_for("matching_pages.my_invitations"),
        notice=_("已婉拒邀请"),
    )
