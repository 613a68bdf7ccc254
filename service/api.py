"""The JSON API's shared pieces: the flask-smorest ``Api`` with one error body,
pagination, and the base schemas every package builds on."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import marshmallow as ma
from flask import current_app, render_template, request
from flask_smorest import Api as SmorestApi
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from .errors import BadRequest, DomainError
from .i18n import N_, render_message, schema_messages

API_PREFIX = "/api/v1"
MAX_DB_INT = 2**63 - 1
UNAVAILABLE = N_("数据库暂时不可用，请稍后重试")
INVALID_REQUEST = N_("请求数据有误，请查看各字段")
NO_SUCH_RECORD = N_("记录不存在")
OUT_OF_RANGE = N_("请求中的数字超出范围")
INTERNAL_ERROR = N_("内部错误，已记录日志")
PAYLOAD_TOO_LARGE = N_("请求内容过大")
RETRY_AFTER_SECONDS = 5

DriverOperationalError: type[Exception] | None
try:  # the driver's own error, should one ever escape SQLAlchemy's wrapping
    from psycopg import OperationalError as DriverOperationalError
except ImportError:  # pragma: no cover - SQLite-only installs
    DriverOperationalError = None


def _is_out_of_range(error) -> bool:
    text_ = str(getattr(error, "orig", error)).lower()
    return "out of range" in text_ or "too large" in text_


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def _without_database(message_id: str) -> str:
    """A message in the language the request itself asks for (the page's chosen language or
    the Accept-Language header), never the account's: for answers given while the database
    cannot be reached."""
    from flask import session
    from flask_babel import force_locale

    from .i18n import DEFAULT_LANGUAGE, LANGUAGES, language_from_header

    chosen = None if is_api_request() else session.get("lang")
    language = chosen if chosen in LANGUAGES else language_from_header(request.headers.get("Accept-Language"))
    with force_locale(language or DEFAULT_LANGUAGE):
        return render_message(message_id)


def message_text(message_id: str) -> str:
    """A generic message in the request's language; should choosing the language fail (it may
    read the account), in the language the request itself asks for."""
    try:
        return render_message(message_id)
    except Exception:  # an error answer must not fail in turn
        return _without_database(message_id)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == "/healthz"


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    # marshmallow takes declared fields off the class, so this never shadows Schema.fields at runtime.
    fields = ma.fields.Dict()  # type: ignore[assignment]
    details = ma.fields.Dict(
        metadata={"description": "what else the refusal tells (e.g. the allowed actions, the existing record's id)"}
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def _flatten_messages(messages) -> dict:
    """webargs reports errors per location ({"json": {...}}); callers want fields."""
    if not isinstance(messages, dict):
        return {"_schema": messages}
    fields: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            fields.update(errors)
        else:
            fields.setdefault("_" + location, errors)
    return fields


def error_detail(status: int, message: str, code: str | None = None, fields: dict | None = None, details=None):
    """The published ErrorDetail: code, message, fields, and (only when there is any) details."""
    detail = {"code": code or _CODES.get(status, "error"), "message": message, "fields": fields or {}}
    if details:
        detail["details"] = dict(details)
    return detail


def error_body(status: int, message: str, code: str | None = None, fields: dict | None = None, details=None):
    return {"error": error_detail(status, message, code, fields, details)}


def _numeric_bounds(self, field, ret, **kwargs) -> dict:
    """Decimal bounds (``Range(max=Decimal("24"))``) as JSON numbers in the OpenAPI document:
    left as Decimals they are written as strings, which makes the document invalid."""
    return {
        key: float(ret[key])
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
        if isinstance(ret.get(key), Decimal)
    }


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorSchema

    def _init_spec(self, *args, **kwargs):
        super()._init_spec(*args, **kwargs)
        converter = getattr(self.ma_plugin, "converter", None)
        if converter is not None and _numeric_bounds not in [
            getattr(f, "__func__", None) for f in converter.attribute_functions
        ]:
            converter.add_attribute_function(_numeric_bounds)

    def _register_error_handlers(self):
        super()._register_error_handlers()
        self._app.register_error_handler(DomainError, self.handle_domain_error)
        self._app.register_error_handler(OverflowError, self.handle_out_of_range)
        self._app.register_error_handler(DataError, self.handle_out_of_range)
        # The database down, restarting or unreachable: a short 503, never a 500 with a traceback.
        self._app.register_error_handler(OperationalError, self.handle_database_unavailable)
        self._app.register_error_handler(DBAPIError, self.handle_database_unavailable)
        self._app.register_error_handler(PoolTimeoutError, self.handle_database_unavailable)
        if DriverOperationalError is not None:
            self._app.register_error_handler(DriverOperationalError, self.handle_database_unavailable)

    def handle_database_unavailable(self, error):
        """503 with Retry-After when the database cannot be reached (refused, restarting, a dead
        connection the pool invalidated, a pool exhausted). Any other database error
        (an integrity or programming error) is a bug and stays a 500."""
        unreachable = (
            isinstance(error, (OperationalError, PoolTimeoutError))
            or (DriverOperationalError is not None and isinstance(error, DriverOperationalError))
            or (isinstance(error, DBAPIError) and error.connection_invalidated)
        )
        if not unreachable:
            raise error
        from .database import db

        try:
            db.session.rollback()
        except Exception:  # the connection is gone: let the session drop it
            db.session.remove()
        current_app.logger.warning(
            "database unavailable (%s) on %s %s: %s",
            type(error).__name__,
            request.method,
            request.path,
            (str(getattr(error, "orig", None) or error).splitlines() or [""])[0][:200],
        )
        retry = str(current_app.config.get("DATABASE_RETRY_AFTER", RETRY_AFTER_SECONDS))
        if not is_api_request():
            body, status = _html_error(503, _without_database(UNAVAILABLE))
            return body, status, {"Retry-After": retry}
        return error_body(503, _without_database(UNAVAILABLE), "unavailable"), 503, {"Retry-After": retry}

    def handle_out_of_range(self, error):
        """An id or number beyond what the database stores (2**63 and up): SQLite raises
        OverflowError, PostgreSQL a DataError. No such record, or invalid input; never a 500."""
        if isinstance(error, DataError) and not _is_out_of_range(error):
            raise error
        from .database import db

        db.session.rollback()
        too_big = [k for k, v in (request.view_args or {}).items() if isinstance(v, int) and abs(v) > MAX_DB_INT]
        status, message = (404, NO_SUCH_RECORD) if too_big else (422, OUT_OF_RANGE)
        message = message_text(message)
        if not is_api_request():
            return _html_error(status, message)
        return error_body(status, message), status

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        message = data.get("message") or error.description or error.name
        fields = {}
        if "messages" in data:
            fields = schema_messages(_flatten_messages(data["messages"]))
            if error.code == 422:
                message = message_text(INVALID_REQUEST)
            elif error.code == 400 and fields:
                message = "; ".join(str(v[0] if isinstance(v, list) else v) for v in fields.values())
        if error.code == 500:
            message = message_text(INTERNAL_ERROR)
        headers = dict(data.get("headers") or {})
        if not is_api_request():
            return _html_error(error.code or 500, message)
        body = error_body(error.code or 500, message, fields=fields)
        return body, error.code, headers

    def handle_domain_error(self, error: DomainError):
        record_refusal(error)
        if not is_api_request():
            return _html_error(error.status, error.text())
        body = error_body(error.status, error.text(), error.code, error.rendered_fields(), error.extra)
        return body, error.status


def record_refusal(error: DomainError) -> None:
    """Undo the refused change and keep what the refusal leaves in the audit log."""
    from .database import db

    db.session.rollback()
    error.audit(db.session)
    if db.session.new:
        db.session.commit()


def _html_error(status: int, message: str):
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # the error page itself must never fail
        current_app.logger.exception("error page failed")
        return f"{status}: {message}", status


# --- schemas -----------------------------------------------------------------


EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
DAY_OUT_OF_RANGE = N_("日期须在 %(earliest)s 至 %(latest)s 之间")


class LoadSchema(ma.Schema):
    """Input schemas refuse unknown fields, so a typo is an error, not silence."""

    class Meta:
        unknown = ma.RAISE

    @ma.post_load
    def _days_in_range(self, data, **kwargs):
        """No date or time outside 2000–2100 gets in: periods and calendars past year 9999 cannot be
        computed, and nothing in this service happens outside that range."""
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            day = value.date() if isinstance(value, datetime) else value if isinstance(value, date) else None
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                field = self.fields.get(name)
                key = (field.data_key or name) if field is not None else name
                message = render_message(DAY_OUT_OF_RANGE, {"earliest": EARLIEST_DAY, "latest": LATEST_DAY})
                raise ma.ValidationError({key: [message]})
        return data


NOTHING_TO_CHANGE = N_("没有要修改的内容：请至少给出一个要修改的字段")


class UpdateSchema(LoadSchema):
    """A PATCH body: a missing body or an empty object changes nothing, and is refused (400)."""

    @ma.pre_load
    def _something_to_change(self, data, **kwargs):
        if data is None or (isinstance(data, dict) and not data):
            raise BadRequest(NOTHING_TO_CHANGE)
        return data


class DumpSchema(ma.Schema):
    pass


class PageArgs(LoadSchema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=200))


_page_schemas: dict = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope of a paginated list of ``item_schema`` (one class per item type)."""
    if item_schema not in _page_schemas:
        name = re.sub(r"Schema$", "", item_schema.__name__) + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (DumpSchema,),
            {
                "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
                "page": ma.fields.Integer(required=True),
                "per_page": ma.fields.Integer(required=True),
                "total": ma.fields.Integer(required=True),
            },
        )
    return _page_schemas[item_schema]


def paginate(session, statement, page: int, per_page: int) -> dict:
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total or 0}


class ClockTime(ma.fields.Field):
    """ "HH:MM" on the wire, minutes since midnight inside ("24:00" ends a day)."""

    default_error_messages = {"invalid": "Not a time of day (HH:MM)."}

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return f"{value // 60:02d}:{value % 60:02d}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1440:
            return value  # already minutes (as stored)
        if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value):
            raise self.make_error("invalid")
        hours, minutes = int(value[:2]), int(value[3:])
        if minutes > 59 or hours > 24 or (hours == 24 and minutes):
            raise self.make_error("invalid")
        return hours * 60 + minutes


BLANK = N_("不能只有空格")


def not_blank(value) -> None:
    """Names, titles and reasons say something: whitespace alone is refused (an empty string
    is left to the length rule, so it gets one message)."""
    if isinstance(value, str) and value and not value.strip():
        raise ma.ValidationError(BLANK)


def text(max_length: int, **kwargs) -> ma.fields.String:
    """A required-by-default string with a length limit that is not whitespace alone."""
    kwargs.setdefault("required", True)
    return ma.fields.String(validate=[ma.validate.Length(min=1, max=max_length), not_blank], **kwargs)
