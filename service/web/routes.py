from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import text

from ..database import db
from ..errors import DomainError
from ..i18n import N_
from ..people.accounts import authenticate, end_sessions
from ..people.accounts import change_password as change_account_password
from ..people.schemas import PasswordChangeSchema
from ..people.auth import current_scope
from ..people import throttle
from ..people.phones import normalise_phone
from ..people import service as people_service
from ..people.service import linkable_member, list_members
from ..api import paginate
from .forms import EmptyForm, LoginForm
from .helpers import flash_error, page_action
from .home import member_next_steps, staff_summary

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:  # any failure to reach the database is the answer here
        current_app.logger.exception("health check: database unreachable")
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("landing.html")
    scope = current_scope()
    member = current_user.member
    summary = staff_summary(db.session, scope) if scope.is_staff else None
    return render_template(
        "home.html",
        scope=scope,
        member=member,
        summary=summary,
        next_steps=member_next_steps(member) if member else [],
        roles=sorted(scope.roles()),
    )


@bp.route("/login", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_account
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = authenticate(
                db.session, normalise_phone(form.phone.data), form.password.data, current_app.config["PASSWORD_HASH"]
            )
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
        else:
            db.session.commit()
            login_user(account)
            return redirect(url_for("web.home"))
    return render_template("login.html", form=form), (422 if request.method == "POST" else 200)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # Sessions are client-side cookies: only raising the account's session version makes
            # a copy of this one (and every other session and API token) stop working.
            end_sessions(db.session, current_user._get_current_object(), current_user.id, "logout")
            db.session.commit()
        logout_user()
        flash(_("已退出登录"), "info")
    return redirect(url_for("web.home"))


def _account_page(errors: dict | None = None):
    me = current_user._get_current_object()
    return render_template("account.html", account=me, errors=errors or {}, linkable=linkable_member(db.session, me))


@bp.post("/account/member-link")
@login_required
def confirm_member_link():
    return page_action(
        lambda: people_service.confirm_member_link(db.session, current_scope()),
        back=url_for("web.account"),
        notice=N_("已关联成员档案"),
    )


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
@throttle.per_signed_in_account
def change_password():
    def command(data):
        me = current_user._get_current_object()
        changed = change_account_password(db.session, me, data, current_app.config["PASSWORD_HASH"])
        login_user(changed)  # this browser stays signed in, under the new session version
        return changed

    return page_action(
        command,
        schema=PasswordChangeSchema(),
        back=url_for("web.account"),
        notice=N_("密码已修改，其他设备已退出登录"),
        form_page=_account_page,
    )


@bp.route("/account/logout-everywhere", methods=["GET", "POST"])
@login_required
def logout_everywhere():
    """退出所有设备: asked to confirm first (GET), then every session and API token ends (POST)."""
    if request.method == "GET":
        return render_template("logout_everywhere.html", form=EmptyForm())

    def command():
        end_sessions(db.session, current_user._get_current_object(), current_user.id, "logout_everywhere")
        logout_user()

    return page_action(
        command, back=url_for("web.account"), done=url_for("web.login"), notice=N_("已在所有设备上退出登录")
    )


@bp.get("/staff/members")
@login_required
def staff_members():
    scope = current_scope()
    if not scope.is_staff:
        return render_template("error.html", status=403, message=_("仅工作人员可见")), 403
    q = request.args.get("q", "").strip()[:50] or None
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    result = paginate(db.session, list_members(scope, q=q), page, 20)
    return render_template("staff_members.html", result=result, q=q or "")
