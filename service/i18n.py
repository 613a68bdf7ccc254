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


# marshmallow's own messages, written in English by the library, as catalogue entries: each
# English template (``{name}`` placeholders) is matched and shown in the reader's language.
_SCHEMA_MESSAGES: tuple[tuple[str, str], ...] = (
    ("Missing data for required field.", N_("必填")),
    ("Field may not be null.", N_("不能为空")),
    ("Not a valid integer.", N_("须为整数")),
    ("Not a valid number.", N_("须为数字")),
    ("Number too large.", N_("数值过大")),
    ("Special numeric values (nan or infinity) are not permitted.", N_("不能是无穷大或非数")),
    ("Not a valid boolean.", N_("须为是或否")),
    ("Not a valid string.", N_("须为文字")),
    ("Not a valid utf-8 string.", N_("须为文字")),
    ("Not a valid date.", N_("不是有效的日期")),
    ("Not a valid datetime.", N_("不是有效的日期时间")),
    ("Not a valid aware datetime.", N_("不是有效的日期时间")),
    ("Not a valid naive datetime.", N_("不是有效的日期时间")),
    ("Not a valid time.", N_("不是有效的时刻")),
    ("Not a time of day (HH:MM).", N_("不是有效的时刻（时:分）")),
    ('"{input}" cannot be formatted as a date.', N_("不是有效的日期")),
    ('"{input}" cannot be formatted as a datetime.', N_("不是有效的日期时间")),
    ("Not a valid list.", N_("须为列表")),
    ("Not a valid tuple.", N_("须为列表")),
    ("Not a valid mapping type.", N_("须为对象")),
    ("Not a valid email address.", N_("不是有效的邮箱地址")),
    ("Not a valid URL.", N_("不是有效的网址")),
    ("Invalid value.", N_("取值无效")),
    ("Invalid input.", N_("取值无效")),
    ("Invalid type.", N_("类型不对")),
    ("Invalid input type.", N_("类型不对")),
    ("Unknown field.", N_("未知字段")),
    ("String does not match expected pattern.", N_("格式不正确")),
    ("Must be one of: {choices}.", N_("须为以下之一：%(choices)s")),
    ("One or more of the choices you made was not in: {choices}.", N_("须为以下之一：%(choices)s")),
    ("Length must be between {min} and {max}.", N_("长度须在 %(min)s 到 %(max)s 之间")),
    ("Longer than maximum length {max}.", N_("最多 %(max)s 个字符")),
    ("Shorter than minimum length {min}.", N_("至少 %(min)s 个字符")),
    ("Length must be {equal}.", N_("长度须为 %(equal)s")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.", N_("须在 %(min)s 到 %(max)s 之间")),
    ("Must be greater than {min} and less than {max}.", N_("须大于 %(min)s 且小于 %(max)s")),
    ("Must be greater than or equal to {min}.", N_("不能小于 %(min)s")),
    ("Must be less than or equal to {max}.", N_("不能大于 %(max)s")),
    ("Must be greater than {min}.", N_("须大于 %(min)s")),
    ("Must be less than {max}.", N_("须小于 %(max)s")),
)


def _template_pattern(template: str):
    import re

    pattern = re.escape(template)
    pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>.*?)", pattern)
    return re.compile(pattern + r"\Z", re.DOTALL)


_SCHEMA_PATTERNS = tuple((_template_pattern(english), message_id) for english, message_id in _SCHEMA_MESSAGES)


def schema_message(text: Any) -> Any:
    """One schema message (marshmallow's English, or a catalogue id) in the current language."""
    if not isinstance(text, str):
        return text
    for pattern, message_id in _SCHEMA_PATTERNS:
        match = pattern.match(text)
        if match:
            return render_message(message_id, match.groupdict() or None)
    return render_message(text)


def schema_messages(messages: Any) -> Any:
    """A schema's error messages (nested by field, list index …) in the current language."""
    if isinstance(messages, dict):
        return {key: schema_messages(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [schema_messages(item) for item in messages]
    return schema_message(messages)
