"""Batch approve / reject: each id answers on its own; successes stay when others fail."""

from service.registration.models import Registration

from ..factories import make_member, make_registration

URL = "/api/v1/registrations/batch"


def _queue(session, world):
    """Three pending in 金山 (A), one pending in 银湖 (B), one already approved in A."""
    wang = make_member(session, "王五", building=world.building_a, unit=world.unit)
    ids = {
        "a_res": make_registration(session, world.member_a, world.community_a, "residence", status="pending").id,
        "a_unit": make_registration(session, world.member_a, world.community_a, "unit", status="pending").id,
        "wang": make_registration(session, wang, world.community_a, "residence", status="pending").id,
        "b": make_registration(session, world.member_b, world.community_b, "residence", status="pending").id,
        "done": make_registration(session, wang, world.community_a, "unit", status="approved").id,
    }
    return ids


def test_batch_approve_answers_per_id(api, world, session, settled):
    ids = _queue(session, world)
    settled()
    asked = [ids["a_res"], ids["a_unit"], ids["wang"], ids["b"], ids["done"], 999999, ids["a_res"]]
    r = api.as_("community_admin").post(URL, json={"ids": asked, "action": "approve"})
    assert r.status_code == 200
    results = {x["id"]: x for x in r.json["results"]}
    assert len(r.json["results"]) == 6  # the repeated id is answered once
    for key in ("a_res", "a_unit", "wang"):
        assert results[ids[key]]["ok"] is True and results[ids[key]]["registration"]["status"] == "approved"
    assert results[ids["b"]]["ok"] is False and results[ids["b"]]["status"] == 404  # not in this admin's scope
    assert results[999999]["status"] == 404
    assert results[ids["done"]]["status"] == 409 and results[ids["done"]]["error"]["details"]["allowed"] == ["withdraw"]
    statuses = {k: session.get(Registration, v).status for k, v in ids.items()}
    assert statuses == {
        "a_res": "approved",
        "a_unit": "approved",
        "wang": "approved",
        "b": "pending",
        "done": "approved",
    }


def test_batch_reject_needs_a_reason_for_all(api, world, session, settled):
    ids = _queue(session, world)
    settled()
    admin = api.as_("community_admin")
    r = admin.post(URL, json={"ids": [ids["a_res"], ids["wang"]], "action": "reject"})
    assert r.status_code == 422 and "reason" in r.json["error"]["fields"]
    r = admin.post(URL, json={"ids": [ids["a_res"], ids["wang"]], "action": "reject", "reason": "非本社区居民"})
    assert r.status_code == 200 and all(x["ok"] for x in r.json["results"])
    for key in ("a_res", "wang"):
        registration = session.get(Registration, ids[key])
        assert registration.status == "rejected" and registration.reason == "非本社区居民"
        assert [e.action for e in registration.events] == ["filed", "rejected"]


def test_batch_input_is_checked(api, world):
    admin = api.as_("community_admin")
    assert admin.post(URL, json={"ids": [], "action": "approve"}).status_code == 422
    assert admin.post(URL, json={"ids": list(range(1, 202)), "action": "approve"}).status_code == 422
    assert admin.post(URL, json={"ids": [1], "action": "withdraw"}).status_code == 422
    assert admin.post(URL, json={"ids": ["x"], "action": "approve"}).status_code == 422


def test_batch_by_someone_who_cannot_approve_changes_nothing(api, world, session, settled):
    ids = _queue(session, world)
    settled()
    r = api.as_("grid_worker").post(URL, json={"ids": [ids["a_res"], ids["wang"]], "action": "approve"})
    assert r.status_code == 200 and {x["status"] for x in r.json["results"]} == {403}
    assert session.get(Registration, ids["a_res"]).status == "pending"
