from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Flask, flash, request, session
from flask_babel import get_locale
from flask_babel import gettext as _

from ..errors import DomainError
from ..i18n import N_
from ..people.phones import mask_phone


PARTY_STATUS_LABELS = {
    "in_service": N_("在职党员"),
    "retired": N_("离退休党员"),
    "floating": N_("流动党员"),
    "non_party": N_("群众志愿者"),
    "new_employment": N_("新就业群体"),
}
ROLE_LABELS = {
    "member": N_("党员/志愿者"),
    "grid_worker": N_("网格员"),
    "community_admin": N_("社区管理员"),
    "street_admin": N_("街道管理员"),
    "unit_admin": N_("单位管理员"),
    "city_admin": N_("市级管理员"),
}
AREA_KIND_LABELS = {
    "city": N_("市"),
    "district": N_("区县"),
    "street": N_("街道"),
    "community": N_("社区"),
    "compound": N_("小区"),
    "grid": N_("网格"),
    "building": N_("楼栋"),
}
CLAIM_STATUS_LABELS = {
    "waiting": N_("候补中"),
    "claimed": N_("已认领"),
    "checked_in": N_("已签到"),
    "done": N_("待核实"),
    "verified": N_("已核实"),
    "rejected": N_("未通过"),
    "no_show": N_("未到"),
    "cancelled": N_("已取消"),
}
TASK_STATUS_LABELS = {
    "draft": N_("草稿"),
    "open": N_("招募中"),
    "full": N_("已满"),
    "in_progress": N_("进行中"),
    "completed": N_("已完成"),
    "cancelled": N_("已取消"),
}
SIDE_LABELS = {"residence": N_("居住地"), "unit": N_("单位挂点"), "other": N_("其他")}
WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def _unread_count() -> int:
    from flask_login import current_user

    from ..database import db
    from ..notifications.service import unread_count

    return unread_count(db.session, current_user.id) if current_user.is_authenticated else 0


def _category_label(code: str) -> str:
    """The catalogue class name for a code, read once per request."""
    from flask import g
    from sqlalchemy import select

    from ..database import db
    from ..points.models import ServiceCategory

    if "category_names" not in g:
        g.category_names = {c.code: (c.name, c.name_en) for c in db.session.scalars(select(ServiceCategory))}
    name, name_en = g.category_names.get(code, (code, code))
    return name_en if str(get_locale()) == "en" and name_en else name


def label(mapping: dict, key) -> str:
    return _(mapping[key]) if key in mapping else str(key)


def flash_error(error: DomainError) -> None:
    flash(error.text(), "error")


def back_with_error(error: DomainError, target: str):
    """A refused page action: undo it, say why, and go back where the form was."""
    from flask import redirect

    from ..api import record_refusal

    record_refusal(error)
    flash_error(error)
    return redirect(target), 303


def form_token_ok() -> bool:
    """The form's CSRF token is valid; if not, the page says so and nothing is changed."""
    from .forms import EmptyForm

    if EmptyForm().validate_on_submit():
        return True
    flash(_("表单已过期，请刷新后重试"), "error")
    return False


def install_template_helpers(app: Flask) -> None:
    @app.before_request
    def _remember_language():
        lang = request.args.get("lang")
        if lang in ("zh_CN", "en"):
            session["lang"] = lang

    @app.context_processor
    def _helpers():
        from flask_login import current_user

        from ..people.auth import current_scope

        roles = current_scope().roles() if current_user.is_authenticated else set()
        return {
            "category_label": _category_label,
            "nav_roles": roles,
            "nav_staff": bool(roles - {"member"}),
            # Staff of the area tree (a unit admin alone has no needs queue).
            "nav_area_staff": bool(roles - {"member", "unit_admin"}),
            "party_status_label": lambda k: label(PARTY_STATUS_LABELS, k),
            "role_label": lambda k: label(ROLE_LABELS, k),
            "area_kind_label": lambda k: label(AREA_KIND_LABELS, k),
            "weekday_label": lambda i: _(WEEKDAYS[i]),
            "side_label": lambda k: label(SIDE_LABELS, k),
            "claim_status_label": lambda k: label(CLAIM_STATUS_LABELS, k),
            "task_status_label": lambda k: label(TASK_STATUS_LABELS, k),
            "unread_count": _unread_count,
            "mask_phone": mask_phone,
            "current_locale": str(get_locale() or "zh_CN"),
        }

    @app.template_filter("localdate")
    def _localdate(moment) -> str:
        from ..periods import app_timezone

        return moment.astimezone(app_timezone()).strftime("%Y-%m-%d") if moment else ""

    @app.template_filter("localtime")
    def _localtime(moment) -> str:
        from ..periods import app_timezone

        return moment.astimezone(app_timezone()).strftime("%Y-%m-%d %H:%M") if moment else ""

    @app.template_filter("clock")
    def _clock(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


DONE = N_("已完成")


def safe_next(default: str) -> str:
    """Where a form asks to go back to, if it is a page of this site; else ``default``."""
    target = request.form.get("next") or request.args.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


def page_action(
    command: Callable[..., Any],
    *,
    back: str,
    schema: ma.Schema | None = None,
    done: str | Callable[[Any], Any] | None = None,
    notice: str | Callable[[Any], str] | None = DONE,
    form_page: Callable[[dict[str, Any]], Any] | None = None,
    form: Any = None,
):
    """The one way a page carries out a POST: the form's token checked, its boxes loaded by the
    API's own schema, the command called, the change committed and the reader told.

    ``command`` takes the loaded input when a ``schema`` is given, else nothing. A refusal (the
    schema's or the command's) undoes everything and is shown in the reader's language: beside
    the fields when ``form_page`` renders the form again with the messages by field (answered
    with the refusal's status), else as a message on the page ``back`` leads to. On success the
    reader goes to ``done`` (a URL, or one made from the result; ``back`` when not given; a
    ``done`` that answers with a page instead of a URL has that page shown).
    ``form`` replaces the posted form where a page's boxes are shaped unlike the API's body."""
    from flask import redirect

    from ..database import db
    from .forms import FormInvalid, load_form

    if not form_token_ok():
        if form_page is not None:
            return form_page({}), 400
        return redirect(back), 303
    try:
        if schema is not None:
            result = command(load_form(schema, form))
        else:
            result = command()
    except FormInvalid as invalid:
        db.session.rollback()
        if form_page is not None:
            # the first problem said at the top too: a box may be out of sight, or not on the page
            flash(first_message(invalid.fields), "error")
            return form_page(invalid.fields), 422
        flash(first_message(invalid.fields), "error")
        return redirect(back), 303
    except DomainError as error:
        if form_page is not None:
            from ..api import record_refusal

            record_refusal(error)
            flash_error(error)
            return form_page(error.rendered_fields()), error.status
        return back_with_error(error, back)
    db.session.commit()
    if notice:
        flash(notice(result) if callable(notice) else _(notice), "info")
    target = done(result) if callable(done) else (done or back)
    if not isinstance(target, str):  # a page of its own, e.g. a batch where some items were refused
        return target
    return redirect(target), 303


def first_message(fields: dict[str, Any]) -> str:
    """The first of a form's messages by field, to say at the top of the page."""
    for value in fields.values():
        while isinstance(value, dict) and value:
            value = next(iter(value.values()))
        if isinstance(value, list) and value:
            return str(value[0])
        if isinstance(value, str):
            return value
    return _("请检查填写的内容")
