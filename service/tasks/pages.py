"""Task pages: the member's task hall and tasks, staff task creation and the verification queue."""

from __future__ import annotations

from datetime import date, datetime, time, UTC

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from ..database import db
from ..errors import DomainError
from ..periods import app_timezone
from ..people.auth import current_scope
from ..people.models import SkillTag
from ..people.scope import MANAGE
from ..places.models import Area
from ..points.catalogue import list_catalogue
from ..web.helpers import flash_error, form_token_ok, page_action, safe_next
from . import service
from .models import Claim
from .schemas import ClaimRequestSchema, DoneSchema, ReasonSchema

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
    need = None
    if need_id:
        from ..needs.models import Need

        need = db.session.get(Need, need_id)
        if need is None or not scope.covers(need.community.path):
            return render_template("error.html", status=404, message=_("诉求不存在")), 404
    status = 200
    form = request.form
    if request.method == "POST":
        if not form_token_ok():
            status = 400
        else:
            tz = app_timezone()
            try:
                day = date.fromisoformat(form.get("date", ""))
                start = datetime.combine(day, time.fromisoformat(form.get("start", "")), tz)
                end = datetime.combine(day, time.fromisoformat(form.get("end", "")), tz)
                slots = int(form.get("slots", ""))
            except ValueError:
                flash(_("日期、时间或名额格式不正确"), "error")
                status = 422
            else:
                data = {
                    "title": form.get("title", "").strip()[:100],
                    "description": form.get("description", "")[:2000],
                    "community_id": int(form.get("community_id") or 0),
                    "category": form.get("category", ""),
                    "starts_at": start,
                    "ends_at": end,
                    "slots": slots,
                    "required_skills": form.getlist("required_skills"),
                    "claim_policy": form.get("claim_policy", "registered"),
                    "need_ids": [need.id] if need else [],
                    "urgent": form.get("urgent") == "1",
                }
                try:
                    if not data["title"]:
                        raise service.Invalid(_("请填写任务标题"))
                    if not 1 <= slots <= 500:
                        raise service.Invalid(_("名额须在 1 到 500 之间"))
                    task = service.create_task(db.session, scope, data, _now())
                except DomainError as error:
                    db.session.rollback()
                    flash_error(error)
                    status = error.status
                else:
                    db.session.commit()
                    flash(_("任务已发布"), "info")
                    return redirect(url_for("tasks_pages.task_detail", task_id=task.id)), 303
    skills = db.session.scalars(select(SkillTag).order_by(SkillTag.code)).all()
    return render_template(
        "tasks/new.html",
        communities=communities,
        categories=list_catalogue(db.session),
        skills=skills,
        need=need,
        form=form,
    ), status


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
    if not form_token_ok():
        return redirect(url_for("tasks_pages.verification_queue")), 303
    ids = request.form.getlist("claim_id", type=int)[:200]
    results = service.verify_many(db.session, scope, ids, _now(), app_timezone())
    db.session.commit()
    done = sum(1 for r in results if r["ok"])
    failed = len(results) - done
    for result in results:
        if not result["ok"]:
            flash(f"#{result['id']}: {result['error']}", "error")
    flash(
        _("已核实 %(n)s 条", n=done) + (_("，%(n)s 条未能核实", n=failed) if failed else ""),
        "info" if not failed else "error",
    )
    return redirect(url_for("tasks_pages.verification_queue")), 303
