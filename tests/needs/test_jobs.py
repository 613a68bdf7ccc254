"""Scheduled jobs with a controlled clock: auto-closing unrated needs, and 督办 of overdue ones."""

from datetime import datetime, timedelta, UTC

from sqlalchemy import func, select

from service.needs import service
from service.needs.models import Need, NeedEscalation, NeedPolicy
from service.notifications.models import Notification
from tests.factories import add_login, make_need, settle

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _escalation_notes(session, account_id):
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.account_id == account_id, Notification.kind == "need.escalated")
    )


def test_unrated_needs_close_themselves_after_seven_days(session, needs_world):
    owner = needs_world.accounts["community_admin"]
    need = make_need(
        session,
        needs_world.community_a,
        needs_world.building_a,
        status="resolved",
        owner=owner,
        created_at=T0 - timedelta(days=3),
        resolved_at=T0,
    )
    rated_later = make_need(
        session, needs_world.community_a, status="resolved", created_at=T0, resolved_at=T0 + timedelta(days=2)
    )
    settle(session)
    assert service.auto_close_resolved(session, T0 + timedelta(days=7) - timedelta(minutes=1)) == 0
    assert service.auto_close_resolved(session, T0 + timedelta(days=7)) == 1
    session.commit()
    closed = session.get(Need, need.id)
    assert closed.status == "closed" and closed.closed_at == T0 + timedelta(days=7) and closed.rating is None
    last = closed.events[-1]
    assert (last.action, last.from_status, last.to_status, last.actor_id) == ("closed", "resolved", "closed", None)
    assert session.get(Need, rated_later.id).status == "resolved"
    assert service.auto_close_resolved(session, T0 + timedelta(days=8)) == 0  # done once


def test_overdue_needs_escalate_to_the_street_then_the_district_once_each(session, needs_world):
    w = needs_world
    add_login(session, w, "district_admin", role="street_admin", area=w.district)
    street_admin, district_admin = w.accounts["street_admin"].id, w.accounts["district_admin"].id
    # Normal need: a 7-day limit from T0.
    need = make_need(session, w.community_a, w.building_a, status="accepted", created_at=T0)
    settle(session)
    due = T0 + timedelta(days=7)
    assert service.escalate_overdue(session, due - timedelta(minutes=1)) == 0
    assert service.escalate_overdue(session, due + timedelta(minutes=1)) == 1
    session.commit()
    assert session.get(Need, need.id).escalation_level == 1
    assert _escalation_notes(session, street_admin) == 1 and _escalation_notes(session, district_admin) == 0
    assert service.escalate_overdue(session, due + timedelta(days=3)) == 0  # level 1 only once
    # Overdue again by the same span (7 more days): the district.
    assert service.escalate_overdue(session, due + timedelta(days=7) - timedelta(minutes=1)) == 0
    assert service.escalate_overdue(session, due + timedelta(days=7)) == 1
    session.commit()
    assert _escalation_notes(session, district_admin) == 1 and _escalation_notes(session, street_admin) == 1
    assert service.escalate_overdue(session, due + timedelta(days=30)) == 0  # no third level
    rows = session.execute(
        select(NeedEscalation.level, NeedEscalation.area_id, NeedEscalation.notified).order_by(NeedEscalation.level)
    ).all()
    assert rows == [(1, w.street.id, 1), (2, w.district.id, 1)]
    history = [(e.action, e.note) for e in session.get(Need, need.id).events if e.action == "escalated"]
    assert len(history) == 2 and "光明街道" in history[0][1]
    # Other communities' admins heard nothing.
    assert _escalation_notes(session, w.accounts["community_admin"].id) == 0


def test_a_long_missed_need_raises_both_levels_in_one_run(session, needs_world):
    need = make_need(session, needs_world.community_a, urgency="urgent", status="submitted", created_at=T0)
    settle(session)
    assert service.escalate_overdue(session, T0 + timedelta(hours=49)) == 2
    session.commit()
    assert session.get(Need, need.id).escalation_level == 2


def test_finished_and_rejected_needs_are_never_escalated(session, needs_world):
    for status in ("resolved", "closed", "rejected"):
        make_need(session, needs_world.community_a, status=status, created_at=T0)
    settle(session)
    assert service.escalate_overdue(session, T0 + timedelta(days=60)) == 0


def test_a_transfer_restarts_the_count_from_the_departments_due_date(session, needs_world):
    w = needs_world
    need = make_need(session, w.community_a, w.building_a, status="accepted", created_at=T0)
    settle(session)
    assert service.escalate_overdue(session, T0 + timedelta(days=8)) == 1
    session.commit()
    scope = _scope(session, w.accounts["community_admin"])
    need = session.get(Need, need.id)
    moved = T0 + timedelta(days=8, hours=1)
    service.transfer(
        session, scope, need, department_id=w.departments[0].id, now=moved, tz=UTC, due_at=moved + timedelta(days=2)
    )
    session.commit()
    assert session.get(Need, need.id).escalation_level == 0
    assert service.escalate_overdue(session, moved + timedelta(days=1)) == 0
    assert service.escalate_overdue(session, moved + timedelta(days=2, minutes=1)) == 1
    session.commit()
    assert session.scalar(select(func.count()).select_from(NeedEscalation)) == 2


def _put(api, role, url, json):
    return api.client.put(url, json=json, headers={"Authorization": f"Bearer {api.world.tokens[role]}"})


def _scope(session, account):
    from service.people.scope import scope_for

    return scope_for(session, account)


def test_time_limits_come_from_the_deepest_area_that_sets_them(session, needs_world, api):
    w = needs_world
    r = _put(api, "street_admin", f"/api/v1/need-policies/{w.street.id}", json={"urgent_hours": 48, "normal_hours": 72})
    assert r.status_code == 200 and r.json["effective_normal_hours"] == 72
    r = _put(
        api,
        "community_admin",
        f"/api/v1/need-policies/{w.community_a.id}",
        json={"urgent_hours": 12, "normal_hours": None},
    )
    assert r.json == {
        "area_id": w.community_a.id,
        "urgent_hours": 12,
        "normal_hours": None,
        "effective_urgent_hours": 12,
        "effective_normal_hours": 72,
    }
    assert service.time_limits(session, w.building_a.path) == {"urgent": 12, "normal": 72}
    assert service.time_limits(session, w.building_b.path) == {"urgent": 24, "normal": 168}  # the other street
    need = service.record_need(
        session,
        _scope(session, w.accounts["community_admin"]),
        {
            "community_id": w.community_a.id,
            "place_id": w.building_a.id,
            "category": "safety",
            "description": "燃气味",
            "resident_name": "李",
            "urgency": "urgent",
        },
        now=T0,
    )
    assert need.due_at == T0 + timedelta(hours=12)
    # Only managers of the area set its limits; a building cannot have its own.
    assert (
        _put(
            api, "grid_worker", f"/api/v1/need-policies/{w.community_a.id}", json={"urgent_hours": 1, "normal_hours": 1}
        ).status_code
        == 403
    )
    assert api.as_("other_community_admin").get(f"/api/v1/need-policies/{w.community_a.id}").status_code == 404
    assert (
        _put(
            api,
            "community_admin",
            f"/api/v1/need-policies/{w.building_a.id}",
            json={"urgent_hours": 1, "normal_hours": 1},
        ).status_code
        == 422
    )
    assert session.scalar(select(func.count()).select_from(NeedPolicy)) == 2
