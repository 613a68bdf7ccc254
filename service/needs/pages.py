"""Need pages: the resident's form and tracking page, the staff queue and detail, 敲门问需 entry,
and the public disclosure (结果公示) per community and street."""

from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from ..api import paginate
from ..database import db
from ..errors import NotFound
from ..extensions import limiter
from ..i18n import N_
from ..periods import app_timezone
from ..people.auth import current_scope
from ..people.models import Account, RoleGrant
from ..people.scope import MANAGE
from ..places.models import Area
from ..places.service import get_area
from ..points.catalogue import list_catalogue
from ..points.models import BENEFICIARY_GROUPS
from ..web.helpers import page_action
from . import service
from .models import STATUSES, URGENCIES
from .photos import photo_file
from .schemas import (
    NeedAcceptSchema,
    NeedCreateSchema,
    NeedFeedbackSchema,
    NeedRejectSchema,
    NeedReopenSchema,
    NeedResolveSchema,
    NeedTransferSchema,
)
from .settings import form_limit, now, photo_dir, setting, submitted_phone_key, track_limit

pages = Blueprint("needs_pages", __name__, template_folder="templates")

STATUS_LABELS = {
    "submitted": N_("待受理"),
    "accepted": N_("已受理"),
    "rejected": N_("不予受理"),
    "in_progress": N_("办理中"),
    "transferred": N_("已转部门"),
    "resolved": N_("已办结待评价"),
    "closed": N_("已归档"),
}
EVENT_LABELS = {
    "submitted": N_("提交诉求"),
    "accepted": N_("受理"),
    "rejected": N_("不予受理"),
    "started": N_("派单办理"),
    "transferred": N_("转单"),
    "resolved": N_("办结"),
    "rated": N_("居民评价"),
    "reopened": N_("重新办理"),
    "closed": N_("自动归档"),
    "escalated": N_("督办"),
}
URGENCY_LABELS = {"normal": N_("一般"), "urgent": N_("紧急")}
CHANNEL_LABELS = {"resident": N_("居民自报"), "door_to_door": N_("敲门问需"), "staff": N_("社区录入")}
GROUP_LABELS = {
    "special": N_("特殊群体"),
    "hardship": N_("困难群体"),
    "key": N_("重点群体"),
    "volunteer": N_("志愿者"),
    "ordinary": N_("普通群众"),
}


def _label(mapping: dict, key) -> str:
    return _(mapping[key]) if key in mapping else str(key or "")


@pages.context_processor
def _labels():
    return {
        "need_status_label": lambda k: _label(STATUS_LABELS, k),
        "need_event_label": lambda k: _label(EVENT_LABELS, k),
        "urgency_label": lambda k: _label(URGENCY_LABELS, k),
        "channel_label": lambda k: _label(CHANNEL_LABELS, k),
        "group_label": lambda k: _label(GROUP_LABELS, k),
        "percent": lambda r: "—" if r is None else f"{r * 100:.1f}%",
    }


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100000))


def _communities_by_street() -> list[tuple[str, list[Area]]]:
    street = aliased(Area)
    stmt = (
        select(Area, street.name)
        .join(street, street.id == Area.parent_id)
        .where(Area.kind == "community")
        .order_by(street.path, Area.path)
    )
    groups: list[tuple[str, list[Area]]] = []
    for community, street_name in db.session.execute(stmt):
        if not groups or groups[-1][0] != street_name:
            groups.append((street_name, []))
        groups[-1][1].append(community)
    return groups


def _picker(community: Area, scope=None) -> dict:
    """The two selects: compounds/grids, then buildings grouped by their parent (the form works without JS)."""
    groups, buildings = service.places_of(db.session, community)
    if scope is not None:  # a grid worker sees only the places of their own grid
        groups = [g for g in groups if scope.covers(g.path)]
        buildings = [b for b in buildings if scope.covers(b.path)]
    parents: dict[int | None, Area] = {g.id: g for g in groups}
    by_parent: dict[int | None, list[Area]] = {}
    for b in buildings:
        by_parent.setdefault(b.parent_id, []).append(b)
    building_groups = [(parents.get(pid) or db.session.get(Area, pid), items) for pid, items in by_parent.items()]
    return {"groups": groups, "building_groups": building_groups}


def _need_form(community: Area) -> MultiDict:
    """The form as the API's body, filed with the community the page is for."""
    form = MultiDict(request.form)
    form["community_id"] = str(community.id)
    for optional in ("urgency", "beneficiary_group"):
        if not form.get(optional):
            form.pop(optional, None)
    return form


def _chosen_place(data: dict) -> dict:
    """The place chosen in the two selects: the building, else the compound or grid."""
    place_id = service.choose_place(
        db.session, request.form.get("compound_id", type=int), request.form.get("building_id", type=int)
    )
    return data | {"place_id": place_id}


def _uploaded_photo() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    # One byte past the limit is enough to know it is too large.
    return upload.read(setting("NEED_PHOTO_MAX_BYTES") + 1) or None


# --- the resident's door ----------------------------------------------------------------


@pages.route("/needs/new", methods=["GET", "POST"])
@limiter.limit(form_limit, methods=["POST"])
@limiter.limit(form_limit, methods=["POST"], key_func=submitted_phone_key)
def new_need():
    community_id = request.values.get("community_id", type=int)
    community = db.session.get(Area, community_id) if community_id else None
    if community is None or community.kind != "community":
        status = 404 if community_id else 200
        return render_template(
            "needs/choose_community.html", streets=_communities_by_street(), missing=bool(community_id)
        ), status

    def form_page(errors: dict):
        return render_template(
            "needs/form.html",
            community=community,
            staff=False,
            errors=errors,
            values=request.form,
            categories=list_catalogue(db.session),
            **_picker(community),
        )

    if request.method == "GET":
        return form_page({})
    return page_action(
        lambda data: service.submit_public(
            db.session,
            _chosen_place(_public_fields(data)),
            now=now(),
            photo=_uploaded_photo(),
            photo_dir=photo_dir(),
            max_photo_bytes=setting("NEED_PHOTO_MAX_BYTES"),
        ),
        schema=NeedCreateSchema(),
        form=_need_form(community),
        back=url_for("needs_pages.new_need", community_id=community.id),
        form_page=form_page,
        notice=lambda need: _("提交成功！请记下查询码 %(code)s，凭码查询进度和评价。", code=need.tracking_code),
        done=lambda need: url_for("needs_pages.track", code=need.tracking_code),
    )


def _public_fields(data: dict) -> dict:
    """The resident's door takes what a resident says; how urgent and for whom are staff's calls."""
    return {key: value for key, value in data.items() if key not in ("urgency", "beneficiary_group", "channel")}


@pages.get("/needs/track")
def track_lookup():
    code = service.normalise_code(request.args.get("code", ""))
    if code:
        return redirect(url_for("needs_pages.track", code=code))
    return render_template("needs/track.html", view=None, code=""), 200


def _track_page(code: str, status: int = 200, errors: dict | None = None):
    try:
        need = service.get_by_code(db.session, code)
    except NotFound as error:
        flash(error.text(), "error")
        return render_template("needs/track.html", view=None, code=code[:20], errors={}), 404
    view = service.tracking_view(need)
    return render_template("needs/track.html", view=view, code=need.tracking_code, errors=errors or {}), status


@pages.get("/needs/track/<code>")
@limiter.limit(track_limit)
def track(code: str):
    return _track_page(code)


@pages.post("/needs/track/<code>/feedback")
@limiter.limit(track_limit)
def feedback(code: str):
    def rate(data: dict):
        need = service.get_by_code(db.session, code)
        service.give_feedback(db.session, need, now=now(), scope=current_scope(), **data)
        return need

    return page_action(
        rate,
        schema=NeedFeedbackSchema(),
        back=url_for("needs_pages.track", code=code),
        form_page=lambda errors: _track_page(code, errors=errors)[0],
        notice=lambda need: _("感谢您的评价") if need.status == "closed" else _("感谢您的评价，诉求已退回重新办理"),
        done=lambda need: url_for("needs_pages.track", code=need.tracking_code),
    )


# --- public disclosure (结果公示) -----------------------------------------------------------


@pages.get("/needs/public")
def public_index():
    return render_template("needs/public_index.html", areas=service.public_areas(db.session))


@pages.get("/needs/public/<int:area_id>")
def public_area(area_id: int):
    report = service.disclosure(db.session, area_id, page=_page_number(), per_page=20)
    return render_template("needs/public.html", report=report)


# --- staff ---------------------------------------------------------------------------------


def _staff_scope():
    scope = current_scope()
    if not scope.area_grants:
        abort(403, description=_("仅社区工作人员可见"))
    return scope


def _staff_communities(scope) -> list[Area]:
    """Communities the caller works in: inside their subtrees, or holding the grid their grant is on."""
    inside = set(db.session.scalars(select(Area.id).where(Area.kind == "community", scope.within(Area.path))))
    for grant in scope.area_grants:
        if grant.kind in ("compound", "grid", "building"):
            area = db.session.get(Area, grant.area_id)
            assert area is not None  # a grant's area exists (foreign key)
            inside.update(
                db.session.scalars(select(Area.id).where(Area.id.in_(area.ancestor_ids()), Area.kind == "community"))
            )
    if not inside:
        return []
    return list(db.session.scalars(select(Area).where(Area.id.in_(inside)).order_by(Area.path)))


@pages.get("/staff/needs")
@login_required
def queue():
    scope = _staff_scope()
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    area_id = request.args.get("area_id", type=int)
    area_path = get_area(db.session, scope, area_id).path if area_id else None
    overdue = True if request.args.get("overdue") == "1" else None
    stmt = service.list_needs(scope, now=now(), status=status, area_path=area_path, overdue=overdue)
    result = paginate(db.session, stmt, _page_number(), 20)
    return render_template(
        "needs/queue.html",
        result=result,
        status=status or "",
        area_id=area_id or "",
        overdue=overdue,
        communities=_staff_communities(scope),
        statuses=STATUSES,
        now=now(),
    )


def _owners(need) -> list[Account]:
    """Who may be named 首问负责人: staff whose grant covers the need's place."""
    ancestors = [int(p) for p in need.place_path.strip("/").split("/") if p]
    return list(
        db.session.scalars(
            select(Account)
            .join(RoleGrant, RoleGrant.account_id == Account.id)
            .where(RoleGrant.area_id.in_(ancestors), RoleGrant.revoked_at.is_(None), Account.active.is_(True))
            .distinct()
            .order_by(Account.id)
        )
    )


def _task_link(need) -> str | None:
    try:
        return url_for("tasks_pages.new_task", need_id=need.id)
    except BuildError:  # a build without the tasks pages
        return None


def _detail_page(need, status: int = 200, errors: dict | None = None, action: str | None = None):
    scope = current_scope()
    manage = scope.covers(need.place_path, MANAGE)
    return render_template(
        "needs/detail.html",
        need=need,
        now=now(),
        manage=manage,
        may_resolve=manage or need.owner_id == scope.account_id,
        departments=service.list_departments(db.session),
        owners=_owners(need) if need.status == "submitted" else [],
        task_link=_task_link(need) if need.status == "accepted" else None,
        beneficiary_groups=BENEFICIARY_GROUPS,
        urgencies=URGENCIES,
        errors=errors or {},
        failed_action=action,
    ), status


@pages.get("/staff/needs/<int:need_id>")
@login_required
def detail(need_id: int):
    scope = _staff_scope()
    return _detail_page(service.get_need(db.session, scope, need_id))


ACTION_SCHEMAS = {
    "accept": NeedAcceptSchema,
    "reject": NeedRejectSchema,
    "transfer": NeedTransferSchema,
    "resolve": NeedResolveSchema,
    "reopen": NeedReopenSchema,
}


def _action_form() -> MultiDict:
    """The transfer form's due day as the API's due moment: by the end of that local day."""
    form = MultiDict(request.form)
    day = form.get("due_on", "").strip()
    if day:
        form["due_at"] = f"{day}T23:59"
    for optional in ("urgency", "beneficiary_group"):
        if not form.get(optional):
            form.pop(optional, None)
    return form


@pages.post("/staff/needs/<int:need_id>/<action>")
@login_required
def act(need_id: int, action: str):
    scope = _staff_scope()
    if action not in ACTION_SCHEMAS:
        abort(404)
    need = service.get_need(db.session, scope, need_id)
    extra = {"tz": app_timezone()} if action == "transfer" else {}
    return page_action(
        lambda data: getattr(service, action)(db.session, scope, need, now=now(), **data, **extra),
        schema=ACTION_SCHEMAS[action](),
        form=_action_form(),
        back=url_for("needs_pages.detail", need_id=need_id),
        form_page=lambda errors: _detail_page(service.get_need(db.session, scope, need_id), 200, errors, action)[0],
        notice=lambda _result: _("已保存：%(status)s", status=_label(STATUS_LABELS, need.status)),
        done=url_for("needs_pages.detail", need_id=need_id),
    )


@pages.get("/staff/needs/<int:need_id>/photo")
@login_required
def photo(need_id: int):
    need = service.get_need(db.session, _staff_scope(), need_id)
    path = photo_file(photo_dir(), need.photo)
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg" if path.suffix == ".jpg" else "image/png", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@pages.route("/staff/needs/new", methods=["GET", "POST"])
@login_required
def record():
    """敲门问需: a grid worker or staff member records what a resident asked for."""
    scope = _staff_scope()
    communities = _staff_communities(scope)
    if not communities:
        abort(403, description=_("仅社区工作人员可见"))
    chosen = request.values.get("community_id", type=int)
    community = next((c for c in communities if c.id == chosen), communities[0])

    def form_page(errors: dict):
        return render_template(
            "needs/form.html",
            community=community,
            communities=communities,
            staff=True,
            errors=errors,
            values=request.form,
            categories=list_catalogue(db.session),
            beneficiary_groups=BENEFICIARY_GROUPS,
            urgencies=URGENCIES,
            **_picker(community, scope),
        )

    if request.method == "GET":
        return form_page({})
    form = _need_form(community)
    form.setdefault("channel", "door_to_door")
    return page_action(
        lambda data: service.record_need(
            db.session,
            scope,
            _chosen_place(data),
            now=now(),
            photo=_uploaded_photo(),
            photo_dir=photo_dir(),
            max_photo_bytes=setting("NEED_PHOTO_MAX_BYTES"),
        ),
        schema=NeedCreateSchema(),
        form=form,
        back=url_for("needs_pages.record", community_id=community.id),
        form_page=form_page,
        notice=_recorded_notice,
        done=lambda need: url_for("needs_pages.detail", need_id=need.id),
    )


def _recorded_notice(need) -> str:
    if need.resident_phone:
        return _("已登记，查询码已短信发送给居民")
    # no phone to send it to: the code is shown once, for a slip handed over
    return _("已登记，查询码 %(code)s（请告知居民）", code=need.tracking_code)
