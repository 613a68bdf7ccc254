"""Domain errors answer in the reader's language: the Accept-Language header, else the
account's saved language, else Chinese. The message and the field messages alike; the body's
shape, status and code do not change with the language."""

from __future__ import annotations

import pytest

from service.people.models import Account
from tests.factories import settle
from tests.people.test_members import _new_member

from .conftest import make_task

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _error(r, status, code):
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    body = r.json["error"]
    assert body["code"] == code and set(body) >= {"code", "message", "fields"}
    return body


@pytest.mark.parametrize("headers, text", [(EN, "Task not found"), (ZH, "任务不存在"), ({}, "任务不存在")])
def test_a_missing_task_answers_in_the_asked_language(api, loop, headers, text):
    assert _error(api.as_("member").get("/api/v1/tasks/987654", headers=headers), 404, "not_found")["message"] == text


def test_a_claim_conflict_answers_in_the_asked_language(api, loop, session):
    task = make_task(session, loop)
    member = api.as_("member")
    assert member.post(f"/api/v1/tasks/{task.id}/claims", json={}).status_code == 201
    en = _error(member.post(f"/api/v1/tasks/{task.id}/claims", json={}, headers=EN), 409, "conflict")
    zh = _error(member.post(f"/api/v1/tasks/{task.id}/claims", json={}, headers=ZH), 409, "conflict")
    assert en["message"] == "You have already claimed this task" and zh["message"] == "你已认领该任务"
    assert en["details"]["claim_id"] == zh["details"]["claim_id"]  # the extra data stays as it is


def test_a_message_with_parameters_is_put_together_in_english(api, loop, session):
    task = make_task(session, loop, skills=["nursing"])
    en = _error(api.as_("member").post(f"/api/v1/tasks/{task.id}/claims", json={}, headers=EN), 422, "invalid")
    assert en["message"] == "Missing required skills: nursing"
    assert en["fields"] == {"task_id": ["not eligible"]}


def test_field_messages_answer_in_the_asked_language(api, world):
    admin = api.as_("community_admin")
    body = _new_member(world, skills=["flying", "climbing"])
    en = _error(admin.post("/api/v1/members", json=body, headers=EN), 422, "invalid")
    zh = _error(admin.post("/api/v1/members", json=body, headers=ZH), 422, "invalid")
    assert en["message"] == "Unknown skill tag" and en["fields"] == {"skills": ["unknown: climbing, flying"]}
    assert zh["message"] == "未知的技能标签" and zh["fields"] == {"skills": ["未知：climbing, flying"]}


def test_nested_field_messages_are_rendered_too(api, world):
    window = [{"weekday": 1, "start": "12:00", "end": "09:00"}]
    en = _error(
        api.as_("community_admin").post("/api/v1/members", json=_new_member(world, availability=window), headers=EN),
        422,
        "invalid",
    )
    assert en["fields"] == {"availability": {"0": ["start must be before end"]}}


def test_the_generic_invalid_request_message_follows_the_language(api, world):
    r = api.as_("community_admin").post("/api/v1/members", json={"name": ""}, headers=EN)
    assert _error(r, 422, "invalid")["message"] == "Request data is invalid; see fields."
    r = api.as_("community_admin").post("/api/v1/members", json={"name": ""})
    assert r.json["error"]["message"] == "请求数据有误，请查看各字段"


def test_without_the_header_the_saved_locale_chooses(api, loop, session):
    session.get(Account, loop.accounts["member"].id).locale = "en"
    settle(session)
    task = make_task(session, loop)
    member = api.as_("member")
    assert member.post(f"/api/v1/tasks/{task.id}/claims", json={}).status_code == 201
    assert member.post(f"/api/v1/tasks/{task.id}/claims", json={}).json["error"]["message"] == (
        "You have already claimed this task"
    )
    assert member.get("/api/v1/tasks/987654").json["error"]["message"] == "Task not found"
    # The header, when sent, wins over the saved language.
    assert member.get("/api/v1/tasks/987654", headers=ZH).json["error"]["message"] == "任务不存在"


def test_an_english_client_without_a_token_is_told_in_english(client):
    r = client.get("/api/v1/auth/me", headers=EN)
    assert _error(r, 401, "unauthorized")["message"] == "Authentication required (Bearer token)."
    assert client.get("/api/v1/auth/me").json["error"]["message"] == "需要登录（Bearer 令牌）"


def test_an_id_beyond_the_database_is_no_such_record_in_either_language(api, loop):
    url = f"/api/v1/tasks/{2**64}"
    assert _error(api.as_("member").get(url, headers=EN), 404, "not_found")["message"] == "No such record."
    assert _error(api.as_("member").get(url), 404, "not_found")["message"] == "记录不存在"


def test_a_body_too_large_is_told_in_the_asked_language(app, api):
    big = {"name": "x" * (app.config["API_MAX_JSON_BYTES"] + 1)}
    r = api.as_("community_admin").post("/api/v1/members", json=big, headers=EN)
    assert _error(r, 413, "payload_too_large")["message"] == "Request body too large."
    r = api.as_("community_admin").post("/api/v1/members", json=big)
    assert r.json["error"]["message"] == "请求内容过大"
