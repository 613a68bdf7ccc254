"""Domain errors raised by service functions and turned into answers by the web layers.

Service code never builds HTTP responses; it raises one of these and the API
answers with the JSON error body, the pages with a message.

A message is a catalogue entry (the Chinese source text, marked with ``N_``) with
``%(name)s`` placeholders, and its parameters travel beside it: the text is put
together only when it is shown, in the reader's language (``error.text()``)."""

from __future__ import annotations

from typing import Any


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

    def text(self) -> str:
        """The message in the current request's language (Chinese outside a request)."""
        from .i18n import render_message

        return render_message(self.message, self.params)

    def __str__(self) -> str:
        try:
            return self.message % self.params if self.params else self.message
        except (KeyError, TypeError, ValueError):
            return self.message


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
