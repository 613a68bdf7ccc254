"""Volunteer points and matching service: the application factory."""

from __future__ import annotations

import os

from flask import Flask, g, request, session
from flask.json.provider import DefaultJSONProvider

from config import Config


def _select_locale():
    """API: the request's Accept-Language, else the account's saved language. Pages: the
    language chosen on the page, else the account's, else the browser's. Chinese otherwise."""
    from flask_login import current_user

    from .api import is_api_request
    from .i18n import DEFAULT_LANGUAGE, LANGUAGES, language_from_header

    asked = language_from_header(request.headers.get("Accept-Language"))
    if is_api_request():
        if asked:
            return asked
        from .people.auth import current_account

        account = current_account()
        return account.locale if account is not None and account.locale in LANGUAGES else DEFAULT_LANGUAGE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LANGUAGES:
        return current_user.locale
    return asked or DEFAULT_LANGUAGE


def create_app(config: dict | None = None) -> Flask:
    """Build an app: settings, extensions, blueprints, CLI. Nothing else happens here:
    no migrations, no scheduler, no network."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    settings = Config.from_env(os.environ, app.instance_path, config)
    app.config.update(settings)
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops:
        # The client's address, scheme and host as the trusted proxies forwarded them (rate
        # limits count clients, not the proxy); with 0 the X-Forwarded-* headers are ignored.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese text stays readable in API answers

    from . import logs
    from .database import configure_engine, end_sessions_safely

    logs.install()
    from .extensions import api, babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    end_sessions_safely(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["POSTGRES_RANDOM_PAGE_COST"])
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    babel.init_app(app, locale_selector=_select_locale)

    @app.before_request
    def _forget_the_last_caller():
        # Flask-Login keeps the signed-in account on ``g``, Flask-WTF the form token: ``g`` lives as
        # long as the app context, and a request pushed inside an existing one (tests, a job) must
        # load its own caller from its own cookie, never inherit the last request's.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    @app.before_request
    def _choose_language_per_request():
        # Flask-Babel keeps the chosen locale on ``g``, which lives as long as the app context:
        # a request pushed inside an existing one (tests, a job) must still choose its own.
        from flask_babel import refresh

        refresh()

    @app.before_request
    def _pages_authenticate_before_anything_else():
        # A page the policy does not make public sends an anonymous caller to log in before the
        # form is looked at (its CSRF token included): who asks is settled first, as on the API.
        from flask_login import current_user

        from .api import API_PREFIX
        from .policy import rule_for_route

        if request.path.startswith(API_PREFIX) or request.endpoint is None:
            return None
        rule = rule_for_route(request.endpoint, request.method)
        if rule is not None and not rule.public and not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.login_message = None

    from . import models  # noqa: F401  (every table registered before anything needs metadata)
    from .people.accounts import account_for_session

    @login_manager.user_loader
    def _load_account(user_id: str):
        # Checked on every request: a cookie from before the account's sessions were ended
        # (logout, password change, deactivation, role change) is a visitor's.
        return account_for_session(db.session, user_id)

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    _register_api(app, api, csrf)

    from .web import register as register_web

    register_web(app)

    from .cli import register as register_cli

    register_cli(app)

    from .database import read_only_transaction

    @app.before_request
    def _mark_read_only():
        # Safe methods never write (a rule every GET handler keeps).
        if request.method in ("GET", "HEAD", "OPTIONS"):
            request.environ["read_only_token"] = read_only_transaction.set(True)

    @app.teardown_request
    def _unmark_read_only(_exc):
        token = request.environ.pop("read_only_token", None)
        if token is not None:
            read_only_transaction.reset(token)

    @app.before_request
    def _authenticate_before_anything_else():
        # Who is asking is settled before the body is read: an anonymous request to a route
        # that is not public is 401, whatever its body holds (the policy names the routes).
        from .api import API_PREFIX
        from .errors import Unauthorized
        from .people.auth import BEARER_REQUIRED, current_account
        from .policy import rule_for_route

        if not request.path.startswith(API_PREFIX):
            return None
        rule = rule_for_route(request.endpoint, request.method)
        if rule is not None and not rule.public and current_account() is None:
            raise Unauthorized(BEARER_REQUIRED)
        return None

    @app.before_request
    def _limit_api_body():
        from .api import API_PREFIX, PAYLOAD_TOO_LARGE, error_body, message_text

        if request.path.startswith(API_PREFIX) and (request.content_length or 0) > app.config["API_MAX_JSON_BYTES"]:
            return error_body(413, message_text(PAYLOAD_TOO_LARGE)), 413
        return None

    from . import input_guard

    input_guard.install(app)  # after the size limit: only bodies of a sane size are parsed
    return app


def _register_api(app, api, csrf):
    from .people import routes as people_routes
    from .places import routes as place_routes
    from .audit import routes as audit_routes
    from .needs import routes as needs_routes
    from .notifications import routes as notification_routes
    from .points import routes as points_routes
    from .registration import routes as registration_routes
    from .tasks import routes as task_routes
    from .rankings import routes as ranking_routes
    from .jobs import pages as job_pages
    from .matching import routes as matching_routes
    from .pairs import routes as pair_routes

    blueprints = [
        people_routes.auth,
        place_routes.areas,
        place_routes.units,
        people_routes.members,
        people_routes.grants,
        people_routes.skills,
        registration_routes.api,
        points_routes.api,
        needs_routes.api,
        task_routes.api,
        notification_routes.api,
        audit_routes.api,
        ranking_routes.api,
        matching_routes.api,
        pair_routes.api,
    ]
    for blueprint in blueprints:
        # The API authenticates with bearer tokens only, so it has no CSRF exposure.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    from .matching import pages as matching_pages
    from .needs import pages as needs_pages
    from .pairs import pages as pair_pages
    from .points import pages as points_pages
    from .rankings import pages as ranking_pages
    from .registration import pages as registration_pages
    from .tasks import pages as task_pages

    for pages in (
        registration_pages.pages,
        points_pages.pages,
        needs_pages.pages,
        task_pages.pages,
        notification_routes.pages,
        audit_routes.pages,
        ranking_pages.pages,
        job_pages.pages,
        matching_pages.pages,
        pair_pages.pages,
    ):
        app.register_blueprint(pages)
