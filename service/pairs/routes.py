"""Standing pairs and visit rhythms: API and pages."""
from __future__ import annotations

from flask import Blueprint as PageBlueprint
from flask_smorest import Blueprint

api = Blueprint("pairs", __name__, url_prefix="/api/v1", description="结对帮扶 Standing pairs and visits")
pages = PageBlueprint("pairs_pages", __name__, template_folder="templates")
