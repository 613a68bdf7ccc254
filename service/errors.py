"""Domain errors raised by service functions and turned into answers by the web layers.

Service code never builds HTTP responses; it raises one of these and the API
answers with the JSON error body, the pages with a message.

A message is a catalogue entry (the Chinese source text, marked with ``N_``) with
``%(name)s`` placeholders, and its parameters travel beside it: the text is put
together only when it is shown, in the reader's language (``error.text()``).

Field messages (``fields={"name": [...]}``) are catalogue entries too. Each message in a
field's list is either a message id (``N_("必填")``) or, when it has parameters, a pair
``(N_("未知的编码：%(codes)s"), {"codes": "a, b"})``; a field may also hold a nested dict
of the same shape (``{"availability": {"0": [...]}}``). ``error.rendered_fields()`` gives
them in the reader's language, as plain strings, which is what the API answers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .i18n import N_

#: field messages many commands share
REQUIRED = N_("必填")
ALREADY_USED = N_("已被使用")
NOT_A_COMMUNITY = N_("不是社区")
NOT_A_MOBILE = N_("不是大陆手机号")
UNKNOWN_CATEGORY = N_("未知的服务类别")


def one_of(choices: Iterable[str]) -> tuple[str, dict]:
    """The field message for a value outside ``choices``."""
    return N_("须为以下之一：%(choices)s"), {"choices": ", ".join(choices)}


def unknown(codes: Iterable[str]) -> tuple[str, dict]:
    """The field message for codes nobody knows (the list joined)."""
    return N_("未知：%(codes)s"), {"codes": ", ".join(sorted(set(codes)))}


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        fields: dict | None = None,
        params: dict[str, Any] | None = None,
        code: str | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.message = message
        self.params = params or {}
        self.fields = fields or {}
        if code:
            self.code = code
        self.extra = extra

    def audit(self, session) -> None:
        """Add what the refusal itself leaves in the audit log (nothing, for most errors). The
        adapter calls it after rolling the refused change back, and commits it."""

    def text(self) -> str:
        """The message in the current request's language (Chinese outside a request)."""
        from .i18n import render_message

        return render_message(self.message, self.params)

    def rendered_fields(self) -> dict:
        """The field messages in the current request's language (see the module's notes)."""
        return _render_fields(self.fields)

    def __str__(self) -> str:
        try:
            return self.message % self.params if self.params else self.message
        except (KeyError, TypeError, ValueError):
            return self.message


def _render_fields(value: Any) -> Any:
    from .i18n import render_message

    if isinstance(value, dict):
        return {key: _render_fields(item) for key, item in value.items()}
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], dict):
        return render_message(value[0], value[1])
    if isinstance(value, (list, tuple)):
        return [_render_fields(item) for item in value]
    if isinstance(value, str):
        return render_message(value)
    return value


class BadRequest(DomainError):
    """A request that cannot be acted on as sent (400), before any field is judged."""

    status = 400
    code = "bad_request"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"
