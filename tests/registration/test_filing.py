"""Filing a registration: the residence and pairing rules, staff filing and overrides, duplicates."""

from sqlalchemy import select

from service.audit.models import AuditEvent
from service.registration.models import Registration

from ..factories import add_login, make_member, make_registration


def file(api, role, **body):
    return api.as_(role).post("/api/v1/registrations", json=body)


def test_member_files_residence_with_the_community_of_their_home(api, world, session):
    r = file(api, "member", community_id=world.community_a.id, side="residence")
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending" and r.json["member_id"] == world.member_a.id
    assert r.json["community_name"] == "金山社区" and r.json["approved_at"] is None and r.json["ended_at"] is None
    assert [e["action"] for e in r.json["events"]] == ["filed"]
    assert r.json["events"][0]["actor_id"] == world.accounts["member"].id
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.file"))
    assert audit.object_id == r.json["id"] and audit.area_path == world.community_a.path


def test_residence_elsewhere_is_refused_with_a_reason(api, world, session):
    r = file(api, "member", community_id=world.community_b.id, side="residence")
    assert r.status_code == 422
    assert "住址不在该社区" in r.json["error"]["message"] and "community_id" in r.json["error"]["fields"]
    assert session.scalar(select(Registration.id)) is None


def test_unit_side_needs_a_community_paired_with_the_unit(api, world):
    refused = file(api, "member", community_id=world.community_b.id, side="unit")
    assert refused.status_code == 422 and "结对" in refused.json["error"]["message"]
    accepted = file(api, "member", community_id=world.community_a.id, side="unit")
    assert accepted.status_code == 201 and accepted.json["side"] == "unit"


def test_member_without_unit_or_home_cannot_register_that_side(api, world, session):
    loner = make_member(session, "赵六", unit=None, building=None)
    add_login(session, world, "loner", member=loner)
    r = file(api, "loner", community_id=world.community_a.id, side="unit")
    assert r.status_code == 422 and "未登记工作单位" in r.json["error"]["message"]
    r = file(api, "loner", community_id=world.community_a.id, side="residence")
    assert r.status_code == 422 and "未登记住址楼栋" in r.json["error"]["message"]


def test_account_without_member_record_cannot_file(api, world):
    r = file(api, "nobody", community_id=world.community_a.id, side="residence")
    assert r.status_code == 422 and "member_id" in r.json["error"]["fields"]


def test_bad_input_is_refused(api, world):
    assert file(api, "member", community_id=world.community_a.id, side="work").status_code == 422
    assert file(api, "member", community_id=world.street.id, side="residence").status_code == 422
    assert file(api, "member", community_id=999999, side="residence").status_code == 422
    r = file(api, "member", community_id=world.community_a.id, side="residence", status="approved")
    assert r.status_code == 422 and "status" in r.json["error"]["fields"]
    assert (
        api.post("/api/v1/registrations", json={"community_id": world.community_a.id, "side": "unit"}).status_code
        == 401
    )


def test_staff_files_on_behalf_of_a_member(api, world):
    r = file(api, "community_admin", community_id=world.community_a.id, side="residence", member_id=world.member_a.id)
    assert r.status_code == 201
    assert r.json["member_id"] == world.member_a.id and r.json["filed_by_id"] == world.accounts["community_admin"].id
    assert r.json["override_reason"] is None


def test_staff_override_needs_a_reason_and_keeps_it(api, world):
    # 张三 has moved to 银湖 but the roster still shows his old building.
    body = dict(community_id=world.community_b.id, side="residence", member_id=world.member_a.id)
    refused = file(api, "city_admin", **body)
    assert refused.status_code == 422 and "住址不在该社区" in refused.json["error"]["message"]
    assert file(api, "city_admin", **body, override_reason="   ").status_code == 422
    reason = "已搬入银湖1栋，户籍资料待更新"
    r = file(api, "city_admin", **body, override_reason=reason)
    assert r.status_code == 201 and r.json["override_reason"] == reason
    assert r.json["events"][0]["reason"] == reason
    detail = api.as_("other_community_admin").get(f"/api/v1/registrations/{r.json['id']}")
    assert detail.status_code == 200 and detail.json["override_reason"] == reason


def test_override_only_by_an_admin_of_that_community(api, world):
    # A member may not set the rule aside for themself, nor file for someone else.
    r = file(api, "member", community_id=world.community_b.id, side="residence", override_reason="想去银湖")
    assert r.status_code == 403
    r = file(api, "member", community_id=world.community_a.id, side="residence", member_id=world.member_b.id)
    assert r.status_code == 403
    # A grid worker sees the community but does not manage it.
    r = file(api, "grid_worker", community_id=world.community_a.id, side="residence", member_id=world.member_a.id)
    assert r.status_code == 403
    # Managing B does not reveal a member who neither lives in B nor works at a unit paired with it.
    r = file(
        api,
        "other_community_admin",
        community_id=world.community_b.id,
        side="residence",
        member_id=world.member_a.id,
        override_reason="理由",
    )
    assert r.status_code == 404


def test_admin_of_a_paired_community_may_file_for_a_member_living_elsewhere(api, world, newcomer):
    r = file(api, "community_admin", community_id=world.community_a.id, side="unit", member_id=newcomer.id)
    assert r.status_code == 201 and r.json["member_id"] == newcomer.id


def test_second_pending_on_the_same_side_is_a_conflict(api, world):
    first = file(api, "member", community_id=world.community_a.id, side="residence")
    again = file(api, "member", community_id=world.community_a.id, side="residence")
    assert again.status_code == 409 and again.json["error"]["details"]["existing_id"] == first.json["id"]
    assert file(api, "member", community_id=world.community_a.id, side="unit").status_code == 201


def test_registering_again_where_already_active_is_a_conflict(api, world, session, settled):
    make_registration(session, world.member_a, world.community_a, "residence")
    settled()
    r = file(api, "member", community_id=world.community_a.id, side="residence")
    assert r.status_code == 409 and "已在该社区报到" in r.json["error"]["message"]
