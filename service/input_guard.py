"""Hostile input stopped at the door, before any schema, query or driver sees it.

Whatever a request carries, the answer is a 4xx that names the problem, never a 500:
JSON nested deeper than any real body (Python's parser recurses), and text that no
column can store the same way on SQLite and PostgreSQL: NUL characters (PostgreSQL
refuses them in text) and lone UTF-16 surrogates (not encodable as UTF-8)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from .i18n import N_

MAX_JSON_DEPTH = 32

BAD_TEXT = N_("含有无法保存的字符（空字符或不成对的代理字符）")
TOO_DEEP = N_("JSON 嵌套层数过多（最多 %(depth)s 层）")


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _find_problem(value: Any, path: str, depth: int) -> tuple[str, str] | None:
    """(field, message id) of the first thing no column can take, walking the parsed body."""
    if depth > MAX_JSON_DEPTH:
        return "_json", TOO_DEEP
    if isinstance(value, str):
        return (path or "_json", BAD_TEXT) if _bad_text(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            if _bad_text(str(key)):
                return path or "_json", BAD_TEXT
            found = _find_problem(item, field, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_problem(item, f"{path}.{index}" if path else str(index), depth + 1)
            if found:
                return found
    return None


def _refuse(field: str, message: str):
    from .api import error_body, is_api_request
    from .i18n import render_message

    text = render_message(message, {"depth": MAX_JSON_DEPTH})
    if is_api_request():
        return error_body(400, text, "bad_request", {field: [text]}), 400
    from .api import _html_error

    return _html_error(400, text)


def check_request():
    """The before-request hook: None lets the request through, anything else is the answer."""
    if _bad_text(request.path):
        return _refuse("_path", BAD_TEXT)
    sources = [("_query", request.args)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(("_form", request.form))
    for source, values in sources:
        for key, items in values.lists():
            if _bad_text(key) or any(_bad_text(v) for v in items):
                return _refuse(key if not _bad_text(key) else source, BAD_TEXT)
    if request.is_json and request.content_length:
        try:
            body = request.get_json(silent=False)
        except RecursionError:
            return _refuse("_json", TOO_DEEP)
        except Exception:  # a malformed body: answered as the API always has (400 from the parser)
            return None
        found = _find_problem(body, "", 0)
        if found:
            return _refuse(*found)
    return None


def install(app: Flask) -> None:
    app.before_request(check_request)
