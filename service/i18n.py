"""Messages in the reader's language.

Chinese is the source language: a message id is its Chinese text, marked with ``N_``
where it is written and looked up in the catalogue where it is shown. Parameters are
kept apart from the text (``%(name)s``) so that a message stored today (a notification,
an outbox row, an error) reads in whatever language its reader has when it is read."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"


def N_(message: str) -> str:
    """Marks a string for the catalogue (``make translations``); it is translated where it is shown."""
    return message


def render_message(message_id: str, params: dict[str, Any] | None = None, *, translate: bool | None = None) -> str:
    """The message in the current language (the source text outside a request), with its parameters.
    ``translate=True`` looks it up whenever an app context is there (a locale forced outside a request)."""
    from flask import has_app_context, has_request_context

    text = message_id
    if translate if translate is not None else has_request_context():
        if has_app_context():
            from flask_babel import gettext

            text = gettext(message_id)
    return fill(message_id, text, params)


def fill(message_id: str, text: str, params: dict[str, Any] | None) -> str:
    """``text`` (the message or its translation) with its parameters."""
    if not params:
        return text
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not turn an answer into a 500.
        try:
            return message_id % params
        except (KeyError, TypeError, ValueError):
            return message_id


def language_from_header(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header this service speaks, if any."""
    if not header:
        return None
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((-weight, position, tag.strip().lower()))
    for _w, _p, tag in sorted(weighted):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return None


class Bilingual:
    """A parameter that has a Chinese and an English form (a skill's names, say): put into a
    message, it reads in the language the message is shown in."""

    __slots__ = ("zh", "en")

    def __init__(self, zh: str, en: str):
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.en if current_language() == "en" else self.zh

    def __repr__(self) -> str:
        return f"Bilingual({self.zh!r}, {self.en!r})"


def current_language() -> str:
    """The language messages are shown in now (the source language outside a request)."""
    from flask import has_request_context

    if not has_request_context():
        return DEFAULT_LANGUAGE
    from flask_babel import get_locale

    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else DEFAULT_LANGUAGE
