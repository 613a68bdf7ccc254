"""Task pages: the member's task hall and tasks, staff task creation and the verification queue."""

from __future__ import annotations

from datetime import date, datetime, UTC

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import MultiDict
from sqlalchemy import select

from ..database import db
from ..periods import app_timezone
from ..needs.service import get_need
from ..people.auth import current_scope
from ..people.models import SkillTag
from ..people.scope import MANAGE
from ..places.models import Area
from ..points.catalogue import list_catalogue
from ..web.helpers import page_action, safe_next
from . import service
from .models import Claim
from .schemas import BatchVerifySchema, ClaimRequestSchema, DoneSchema, ReasonSchema, TaskCreateSchema

pages = Blueprint("tasks_pages", __name__, template_folder="templates")


def _now() -> datetime:
    return datetime.now(UTC)


@pages.get("/tasks")
@login_required
def hall():
    scope = current_scope()
    if scope.member_id is None:
        return redirect(url_for("tasks_pages.staff_tasks"))
    tz = app_timezone()
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        day = None
    category = request.args.get("category") or None
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10000))
    result = service.task_hall(
        db.session, scope.member_id, _now(), day=day, category=category, tz=tz, page=page, per_page=20
    )
    mine = {
        c.task_id: c
        for c in db.session.scalars(
            select(Claim).where(
                Claim.member_id == scope.member_id, Claim.status.in_(("waiting", "claimed", "checked_in", "done"))
            )
        )
    }
    recommended = []
    if page == 1 and not day and not category:
        from ..matching.hall import recommended_for_member

        recommended = recommended_for_member(db.session, scope.member_id, _now(), tz, limit=3)
    return render_template(
        "tasks/hall.html",
        result=result,
        mine=mine,
        categories=list_catalogue(db.session),
        category=category or "",
        day=day.isoformat() if day else "",
        recommended=recommended,
    )


@pages.get("/tasks/<int:task_id>")
@login_required
def task_detail(task_id: int):
    scope = current_scope()
    task = service.get_task(db.session, scope, task_id)
    mine = None
    if scope.member_id is not None:
        mine = db.session.scalar(
            select(Claim).where(Claim.task_id == task.id, Claim.member_id == scope.member_id).order_by(Claim.id.desc())
        )
    position = service.waitlist_position(db.session, mine) if mine else None
    is_staff = scope.covers(task.community.path)
    claims = (
        db.session.scalars(select(Claim).where(Claim.task_id == task.id).order_by(Claim.id)).all() if is_staff else []
    )
    return render_template(
        "tasks/detail.html",
        task=task,
        mine=mine,
        position=position,
        is_staff=is_staff,
        claims=claims,
        manage=scope.covers(task.community.path, MANAGE),
    )


@pages.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    return page_action(
        lambda data: service.claim_as_member(db.session, current_scope(), task_id, _now(), waitlist=data["waitlist"]),
        schema=ClaimRequestSchema(),
        back=url_for("tasks_pages.task_detail", task_id=task_id),
        notice=lambda claim: _("认领成功") if claim.status == "claimed" else _("已加入候补名单"),
    )


def _claim_command(action: str, claim_id: int):
    """The command a claim's button stands for, with the schema its form is loaded by."""
    scope, tz = current_scope(), app_timezone()
    commands = {
        "cancel": (None, lambda: service.cancel_claim(db.session, scope, claim_id, _now())),
        "check-in": (None, lambda: service.check_in(db.session, scope, claim_id, _now())),
        "done": (
            DoneSchema(),
            lambda data: service.report_done(db.session, scope, claim_id, data["hours"], data["note"], _now()),
        ),
        "verify": (None, lambda: service.verify_claim(db.session, scope, claim_id, _now(), tz)),
        "reject": (
            ReasonSchema(),
            lambda data: service.reject_claim(db.session, scope, claim_id, data["reason"], _now()),
        ),
        "no-show": (None, lambda: service.mark_no_show(db.session, scope, claim_id, _now(), tz)),
    }
    return commands.get(action)


@pages.post("/claims/<int:claim_id>/<action>")
@login_required
def claim_action(claim_id: int, action: str):
    found = _claim_command(action, claim_id)
    if found is None:
        return render_template("error.html", status=404, message=_("页面不存在")), 404
    schema, command = found
    return page_action(command, schema=schema, back=safe_next(url_for("tasks_pages.my_tasks")))


@pages.get("/my/tasks")
@login_required
def my_tasks():
    scope = current_scope()
    if scope.member_id is None:
        return render_template("error.html", status=404, message=_("你还没有成员档案")), 404
    claims = db.session.scalars(service.member_claims(db.session, scope, scope.member_id).limit(100)).all()
    return render_template("tasks/mine.html", claims=claims, now=_now())


def _staff_communities(scope):
    return list(
        db.session.scalars(
            select(Area).where(Area.kind == "community", scope.within(Area.path, MANAGE)).order_by(Area.path).limit(200)
        )
    )


@pages.get("/staff/tasks")
@login_required
def staff_tasks():
    scope = current_scope()
    if not scope.is_staff:
        return render_template("error.html", status=403, message=_("仅工作人员可见")), 403
    status = request.args.get("status") or None
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10000))
    stmt = service.list_tasks(
        scope, status=status if status in ("draft", "open", "full", "in_progress", "completed", "cancelled") else None
    )
    tasks = db.session.scalars(stmt.limit(30).offset((page - 1) * 30)).all()
    return render_template("tasks/staff_list.html", tasks=tasks, status=status or "", page=page)


@pages.route("/staff/tasks/new", methods=["GET", "POST"])
@login_required
def new_task():
    scope = current_scope()
    communities = _staff_communities(scope)
    if not communities:
        return render_template("error.html", status=403, message=_("只有社区及以上管理员可以发布任务")), 403
    need_id = request.values.get("need_id", type=int)
    need = get_need(db.session, scope, need_id) if need_id else None

    def form_page(errors: dict):
        skills = db.session.scalars(select(SkillTag).order_by(SkillTag.code)).all()
        return render_template(
            "tasks/new.html",
            communities=communities,
            categories=list_catalogue(db.session),
            skills=skills,
            need=need,
            form=request.form,
            errors=errors,
        )

    if request.method == "GET":
        return form_page({})
    return page_action(
        lambda data: service.create_task(db.session, scope, data, _now()),
        schema=TaskCreateSchema(),
        form=_task_form(need),
        back=url_for("tasks_pages.new_task"),
        form_page=form_page,
        notice=_("任务已发布"),
        done=lambda task: url_for("tasks_pages.task_detail", task_id=task.id),
    )


def _task_form(need) -> MultiDict:
    """The form's day and two clock times as the API's start and end moments, and the need it
    comes from as the task's need."""
    form = MultiDict(request.form)
    day = form.get("date", "").strip()
    for box, field in (("start", "starts_at"), ("end", "ends_at")):
        clock = form.get(box, "").strip()
        if day or clock:
            form[field] = f"{day}T{clock}"
    if need is not None:
        form.setlist("need_ids", [str(need.id)])
    return form


@pages.get("/staff/verify")
@login_required
def verification_queue():
    scope = current_scope()
    if not scope.paths(MANAGE):
        return render_template("error.html", status=403, message=_("仅社区及以上管理员可见")), 403
    claims = db.session.scalars(service.verification_queue(scope).limit(100)).all()
    return render_template("tasks/verify.html", claims=claims)


@pages.post("/staff/verify")
@login_required
def verify_batch():
    scope = current_scope()
    return page_action(
        lambda data: service.verify_many(db.session, scope, data["ids"], _now(), app_timezone()),
        schema=BatchVerifySchema(),
        back=url_for("tasks_pages.verification_queue"),
        notice=_verified_notice,
    )


def _verified_notice(results: list[dict]) -> str:
    failed = [r for r in results if not r["ok"]]
    for result in failed:
        flash(f"#{result['id']}: {result['error']}", "error")
    done = len(results) - len(failed)
    return _("已核实 %(n)s 条", n=done) + (_("，%(n)s 条未能核实", n=len(failed)) if failed else "")
