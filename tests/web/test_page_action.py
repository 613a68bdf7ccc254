"""The one door a page's POST goes through: the API's schema loads the form, the command runs,
refusals are shown in the reader's language."""

from datetime import datetime

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from service.api import LoadSchema
from service.tasks.schemas import DoneSchema, TaskCreateSchema
from service.web.forms import form_input, load_form, FormInvalid


def test_a_form_is_loaded_as_the_api_body(app):
    form = MultiDict(
        [
            ("title", " 义诊 "),
            ("description", ""),
            ("community_id", "7"),
            ("starts_at", "2030-01-05T09:00"),
            ("ends_at", "2030-01-05T11:00+08:00"),
            ("slots", "3"),
            ("required_skills", "nursing"),
            ("required_skills", "first_aid"),
            ("urgent", "1"),
            ("csrf_token", "x"),
        ]
    )
    with app.test_request_context():
        data = form_input(TaskCreateSchema(), form)
    assert "csrf_token" not in data and "description" not in data  # empty box: not given
    assert data["required_skills"] == ["nursing", "first_aid"] and data["urgent"] is True
    # a datetime-local box is read in the service's time zone (Asia/Shanghai by default)
    assert datetime.fromisoformat(data["starts_at"]).utcoffset().total_seconds() == 8 * 3600
    assert data["ends_at"] == "2030-01-05T11:00+08:00"


def test_an_unticked_box_after_a_hidden_zero_says_no(app):
    class Switch(LoadSchema):
        on = ma.fields.Boolean()

    with app.test_request_context():
        assert form_input(Switch(), MultiDict([("on", "0")])) == {"on": False}
        assert form_input(Switch(), MultiDict([("on", "0"), ("on", "1")])) == {"on": True}
        assert form_input(Switch(), MultiDict()) == {}


def test_schema_messages_read_in_the_pages_language(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        app.preprocess_request()
        try:
            load_form(DoneSchema(), MultiDict([("note", "x" * 501)]))
        except FormInvalid as invalid:
            assert invalid.fields == {"hours": ["必填"], "note": ["最多 500 个字符"]}
        else:
            raise AssertionError("the schema let a form without hours through")
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        try:
            load_form(DoneSchema(), MultiDict([("hours", "99")]))
        except FormInvalid as invalid:
            assert invalid.fields == {"hours": ["Must be between 0.1 and 24."]}
