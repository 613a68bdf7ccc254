"""What the needs API and the needs pages share about a request: settings, the photo folder,
the clock and the rate-limit keys of the public door."""

from datetime import datetime, UTC
from pathlib import Path

from flask import current_app, request

from ..people.phones import normalise_phone
from .photos import MAX_PHOTO_BYTES

# Defaults for the settings this package reads (config keys of the same names win).
DEFAULTS = {
    "NEED_FORM_LIMIT": "5 per hour",  # the public door, per IP and per phone
    "NEED_TRACK_LIMIT": "60 per minute",  # tracking-code lookups and ratings, per IP
    "NEED_PHOTO_MAX_BYTES": MAX_PHOTO_BYTES,
}


def setting(key: str):
    return current_app.config.get(key, DEFAULTS.get(key))


def photo_dir() -> Path:
    """Where photos live: NEED_PHOTO_DIR, or need_photos/ in the instance folder."""
    configured = current_app.config.get("NEED_PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "need_photos"


def now() -> datetime:
    return datetime.now(UTC)


def form_limit() -> str:
    return setting("NEED_FORM_LIMIT")


def track_limit() -> str:
    return setting("NEED_TRACK_LIMIT")


def submitted_phone_key() -> str:
    """The resident's phone as typed into the form or JSON, so one number cannot flood a community."""
    body = request.get_json(silent=True) if request.is_json else None
    raw = body.get("resident_phone") if isinstance(body, dict) else request.form.get("resident_phone")
    return "need-phone:" + (normalise_phone(raw) if isinstance(raw, str) else "-")
