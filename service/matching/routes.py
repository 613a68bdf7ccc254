"""Matcher endpoints and pages: candidates, recommendations, dispatch and invitations."""
from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask_smorest import Blueprint

api = Blueprint("matching", __name__, url_prefix="/api/v1", description="匹配与派单 Matching and dispatch")
pages = PageBlueprint("matching_pages", __name__, template_folder="templates")
