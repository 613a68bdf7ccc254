"""The web shell: layout, login, per-role home pages, health check, shared page helpers."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from . import public_pages, security
from .helpers import install_template_helpers
from .routes import bp


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    install_template_helpers(app)
    security.install(app)
    public_pages.install(app)

    @app.errorhandler(CSRFError)
    def form_expired(error):
        # A missing or stale form token: say so on the page in words; nothing was changed.
        from ..api import _html_error

        return _html_error(400, _("表单已过期，请刷新后重试"))
