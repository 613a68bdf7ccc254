"""A domain error's message and field messages are ids put together in the reader's language."""

from __future__ import annotations

from flask_babel import refresh

from service.errors import REQUIRED, Invalid, one_of, unknown
from service.i18n import N_, Bilingual
from service.roster.importer import RowError


def _error() -> Invalid:
    return Invalid(
        N_("缺少任务要求的技能：%(skills)s"),
        params={"skills": Bilingual("医疗护理", "Nursing")},
        fields={
            "reason": [REQUIRED],
            "kind": [one_of(("city", "street"))],
            "skills": [unknown(["b", "a", "a"])],
            "availability": {"0": [N_("开始须早于结束")]},
            "status": ["expired"],  # a code, not a message: it stays as it is
        },
    )


def test_fields_and_message_in_english(app):
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()
        error = _error()
        assert error.text() == "lacks a required skill: Nursing"
        assert error.rendered_fields() == {
            "reason": ["required"],
            "kind": ["one of city, street"],
            "skills": ["unknown: a, b"],
            "availability": {"0": ["start must be before end"]},
            "status": ["expired"],
        }


def test_fields_and_message_in_chinese(app):
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "zh"}):
        refresh()
        error = _error()
        assert error.text() == "缺少任务要求的技能：医疗护理"
        assert error.rendered_fields()["kind"] == ["须为以下之一：city, street"]
        assert error.rendered_fields()["availability"] == {"0": ["开始须早于结束"]}


def test_the_raw_fields_keep_the_ids_for_callers_that_render_later():
    assert _error().fields["reason"] == [REQUIRED]


def test_import_row_errors_read_in_chinese_outside_a_request():
    error = RowError(3, "code", N_("编码 %(code)s 重复"), {"code": "A1"})
    assert str(error) == "第 3 行 [code]: 编码 A1 重复"


def test_import_row_errors_read_in_english_in_an_english_request(app):
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        refresh()
        assert (
            str(RowError(3, "code", N_("编码 %(code)s 重复"), {"code": "A1"})) == "row 3 [code]: code A1 is a duplicate"
        )
