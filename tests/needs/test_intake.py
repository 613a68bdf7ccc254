"""The three doors: the resident's public form (JSON here), grid workers and staff on a resident's behalf."""

from datetime import timedelta

from sqlalchemy import select

from service.database import utcnow
from service.needs import service
from service.needs.models import Need, NeedEvent
from service.notifications.models import Notification
from tests.factories import make_area, settle
from tests.needs.conftest import public_need


def test_resident_submits_without_an_account_and_gets_a_tracking_code(api, needs_world, session, sms):
    r = api.post("/api/v1/needs", json=public_need(needs_world))
    assert r.status_code == 201, r.json
    code = r.json["tracking_code"]
    assert len(code) == 10 and set(code) <= set(service.CODE_ALPHABET)
    assert r.json["status"] == "submitted" and "beneficiary_group" not in r.json
    need = session.scalar(select(Need).where(Need.tracking_code == code))
    assert need.channel == "resident" and need.created_by_id is None and need.place_path == needs_world.building_a.path
    assert need.due_at - need.created_at == timedelta(days=7)  # normal: 7 days by default
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in need.events] == [
        ("submitted", None, "submitted", None)
    ]
    assert any(code in text for text in sms.to("13912345678"))
    admin = needs_world.accounts["community_admin"].id
    assert (
        session.scalar(
            select(Notification).where(Notification.account_id == admin, Notification.kind == "need.submitted")
        )
        is not None
    )


def test_tracking_codes_are_unique_and_random(api, needs_world):
    codes = {
        api.post("/api/v1/needs", json=public_need(needs_world, category=c)).json["tracking_code"]
        for c in ("everyday_help", "caring_help", "environment", "safety")
    }
    assert len(codes) == 4


def test_bad_phone_unknown_category_and_missing_place_are_field_errors(api, needs_world, session):
    r = api.post(
        "/api/v1/needs", json=public_need(needs_world, resident_phone="12345", category="astrology", place_id=None)
    )
    assert r.status_code == 422
    assert {"resident_phone", "category", "place_id"} <= set(r.json["error"]["fields"])
    assert session.scalar(select(Need.id)) is None


def test_place_must_be_a_compound_grid_or_building_of_that_community(api, needs_world):
    w = needs_world
    for place in (w.building_b, w.community_a, w.street):
        r = api.post("/api/v1/needs", json=public_need(w, place_id=place.id))
        assert r.status_code == 422 and "place_id" in r.json["error"]["fields"], place.name
    assert api.post("/api/v1/needs", json=public_need(w, place_id=w.compound_a.id)).status_code == 201
    assert api.post("/api/v1/needs", json=public_need(w, place_id=w.grid_a.id, category="safety")).status_code == 201
    r = api.post("/api/v1/needs", json=public_need(w, community_id=w.grid_a.id))
    assert r.status_code == 422 and "community_id" in r.json["error"]["fields"]


def test_residents_cannot_set_urgency_or_the_beneficiary_group(api, needs_world):
    for extra in ({"beneficiary_group": "special"}, {"urgency": "urgent"}, {"channel": "staff"}):
        r = api.post("/api/v1/needs", json=public_need(needs_world, **extra))
        assert r.status_code == 422, extra


def test_the_same_need_twice_within_ten_minutes_is_refused(api, needs_world, session):
    first = api.post("/api/v1/needs", json=public_need(needs_world))
    again = api.post("/api/v1/needs", json=public_need(needs_world, resident_phone="139-1234-5678"))
    assert first.status_code == 201 and again.status_code == 409
    assert "重复" in again.json["error"]["message"]
    other_category = api.post("/api/v1/needs", json=public_need(needs_world, category="caring_help"))
    assert other_category.status_code == 201
    # Eleven minutes later the same words are a new need.
    later = utcnow() + timedelta(minutes=11)
    need = service.submit_public(session, public_need(needs_world), now=later)
    session.commit()
    assert need.id and session.scalar(select(Need.id).where(Need.id == need.id))


def test_grid_worker_records_a_need_on_behalf_of_a_resident(api, needs_world, session, sms):
    body = public_need(
        needs_world, resident_phone=None, urgency="urgent", beneficiary_group="special", channel="door_to_door"
    )
    r = api.as_("grid_worker").post("/api/v1/needs", json=body)
    assert r.status_code == 201, r.json
    need = session.get(Need, r.json["id"])
    assert need.channel == "door_to_door" and need.created_by_id == needs_world.accounts["grid_worker"].id
    assert need.beneficiary_group == "special" and need.resident_phone is None
    assert need.due_at - need.created_at == timedelta(hours=24)  # urgent: 24 hours
    assert sms.sent == []  # no phone, no SMS
    staff = api.as_("community_admin").post("/api/v1/needs", json=public_need(needs_world, place_id=None))
    assert staff.status_code == 201 and session.get(Need, staff.json["id"]).channel == "staff"


def test_staff_record_only_inside_their_scope(api, needs_world):
    body = public_need(needs_world)
    assert api.as_("other_community_admin").post("/api/v1/needs", json=body).status_code == 404
    assert api.as_("member").post("/api/v1/needs", json=body).status_code == 404
    r = api.post("/api/v1/needs", json=body, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def test_a_grid_workers_grant_on_a_grid_covers_only_that_grid(api, needs_world, session):
    from tests.factories import add_login

    other_grid = make_area(session, "grid", "金山第二网格", needs_world.community_a)
    settle(session)
    add_login(session, needs_world, "grid_worker_1", role="grid_worker", area=needs_world.grid_a)
    worker = api.as_("grid_worker_1")
    assert worker.post("/api/v1/needs", json=public_need(needs_world)).status_code == 201
    assert worker.post("/api/v1/needs", json=public_need(needs_world, place_id=other_grid.id)).status_code == 404
    assert worker.post("/api/v1/needs", json=public_need(needs_world, place_id=None)).status_code == 404


def test_public_door_is_limited_per_ip(make_app, needs_world, tmp_path):
    client = make_app(NEED_FORM_LIMIT="2 per minute", NEED_PHOTO_DIR=str(tmp_path)).test_client()
    codes = [
        client.post("/api/v1/needs", json=public_need(needs_world, resident_phone=f"1391234567{i}")).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    r = client.post("/api/v1/needs", json=public_need(needs_world, resident_phone="13700000000"))
    assert r.status_code == 429 and r.json["error"]["code"] == "rate_limited"


def test_public_door_is_limited_per_phone_across_addresses(make_app, needs_world, tmp_path):
    client = make_app(NEED_FORM_LIMIT="2 per minute", NEED_PHOTO_DIR=str(tmp_path)).test_client()
    codes = []
    for i, category in enumerate(("everyday_help", "caring_help", "environment")):
        r = client.post(
            "/api/v1/needs",
            json=public_need(needs_world, category=category),
            environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"},
        )
        codes.append(r.status_code)
    assert codes == [201, 201, 429]
    other_phone = client.post(
        "/api/v1/needs",
        json=public_need(needs_world, resident_phone="13800138000"),
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_phone.status_code == 201


def test_staff_with_a_token_are_not_throttled(make_app, needs_world, tmp_path):
    from tests.factories import ApiClient

    client = make_app(NEED_FORM_LIMIT="1 per minute", NEED_PHOTO_DIR=str(tmp_path)).test_client()
    staff = ApiClient(client, needs_world, "grid_worker")
    codes = [
        staff.post("/api/v1/needs", json=public_need(needs_world, category=c)).status_code
        for c in ("everyday_help", "caring_help", "environment")
    ]
    assert codes == [201, 201, 201]


def test_submitted_event_is_the_first_line_of_history(api, needs_world, session):
    r = api.as_("community_admin").post("/api/v1/needs", json=public_need(needs_world))
    events = session.scalars(select(NeedEvent).where(NeedEvent.need_id == r.json["id"])).all()
    assert [(e.action, e.actor_id) for e in events] == [("submitted", needs_world.accounts["community_admin"].id)]
