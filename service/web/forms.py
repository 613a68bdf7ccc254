import re
from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..i18n import schema_messages


class LoginForm(FlaskForm):
    phone = StringField(_l("手机号"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (logout, approve …)."""


def form_input(schema: ma.Schema, form: MultiDict | None = None) -> dict[str, Any]:
    """The posted form as the body the API's schema loads: a list field takes every value posted
    under its name, an empty box means "not given" (so an optional field keeps its default), a
    checkbox that is not ticked is ``False``, a date-and-time box is in the service's time zone,
    a box of digits for a strict integer field is that integer;
    boxes the schema does not know are left out (the CSRF token, the submit button, where to go
    back to)."""
    form = request.form if form is None else form
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        if isinstance(field, ma.fields.List):
            values = [value for value in form.getlist(key) if value != ""]
            if values or key in form:
                data[key] = values
        elif isinstance(field, ma.fields.Boolean):
            if key in form:
                # a hidden "0" before the checkbox makes an unticked box say so on an edit form
                data[key] = form.getlist(key)[-1] not in ("", "0", "false", "off")
            elif not field.required and field.load_default is ma.missing:
                continue
            else:
                data[key] = False
        else:
            value = form.get(key)
            if value is not None and value.strip() != "":
                data[key] = _in_app_timezone(value) if isinstance(field, ma.fields.AwareDateTime) else value
                if (
                    isinstance(field, ma.fields.Integer)
                    and field.strict
                    and re.fullmatch(r"[+-]?\d{1,19}", value.strip())
                ):
                    data[key] = int(value)  # a box is always text: a strict number field takes its digits
    return data


def _in_app_timezone(value: str) -> str:
    """A ``datetime-local`` box's value (no offset) read as the service's local time; a value with
    an offset, or one that is not a date and time at all, is left for the schema to judge."""
    from datetime import datetime

    from ..periods import app_timezone

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        return value
    return moment.replace(tzinfo=app_timezone()).isoformat()


def schema_errors(error: ma.ValidationError) -> dict[str, Any]:
    """A schema's refusal as messages by field, in the page's language."""
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    return schema_messages(messages)


def load_form(schema: ma.Schema, form: MultiDict | None = None) -> dict[str, Any]:
    """The form loaded by ``schema``; raises ``FormInvalid`` with the messages by field."""
    try:
        return schema.load(form_input(schema, form))
    except ma.ValidationError as error:
        raise FormInvalid(schema_errors(error)) from None


class FormInvalid(Exception):
    """A form the schema refused: ``fields`` holds its messages by field, already rendered."""

    def __init__(self, fields: dict[str, Any]):
        super().__init__("form invalid")
        self.fields = fields
