"""sides_at answers from history: the registrations active at a past moment."""

from service.registration import service
from service.registration.service import sides_at

from ..factories import make_registration
from .conftest import at, scope_of


def test_sides_at_follows_approval_moves_and_withdrawal(session, world):
    member = scope_of(session, world, "member")
    admin_a = scope_of(session, world, "community_admin")
    admin_b = scope_of(session, world, "other_community_admin")
    city = scope_of(session, world, "city_admin")
    m = world.member_a.id

    residence = service.file_registration(
        session, member, community_id=world.community_a.id, side="residence", now=at(0)
    )
    service.approve(session, admin_a, residence, now=at(2))
    unit = service.file_registration(session, member, community_id=world.community_a.id, side="unit", now=at(3))
    service.approve(session, admin_a, unit, now=at(5))
    # Moving to 银湖: filed at day 30 (the roster not yet updated, so the city admin overrides), approved at day 40.
    moved = service.file_registration(
        session,
        city,
        community_id=world.community_b.id,
        side="residence",
        member_id=m,
        override_reason="已搬家",
        now=at(30),
    )
    service.approve(session, admin_b, moved, now=at(40))
    service.withdraw(session, member, unit, "调离", now=at(60))
    session.commit()

    a, b = world.community_a.id, world.community_b.id
    assert sides_at(session, m, at(1)) == {}  # filed, not yet approved
    assert sides_at(session, m, at(2)) == {"residence": a}  # approval counts from its moment
    assert sides_at(session, m, at(10)) == {"residence": a, "unit": a}
    assert sides_at(session, m, at(35)) == {"residence": a, "unit": a}  # the move is still pending
    assert sides_at(session, m, at(40)) == {"residence": b, "unit": a}  # superseded exactly then
    assert sides_at(session, m, at(59.9)) == {"residence": b, "unit": a}
    assert sides_at(session, m, at(60)) == {"residence": b}  # withdrawn
    assert sides_at(session, world.member_b.id, at(10)) == {}


def test_rejected_and_pending_never_count(session, world):
    make_registration(session, world.member_a, world.community_a, "residence", status="rejected", created_at=at(0))
    make_registration(session, world.member_a, world.community_a, "unit", status="pending", created_at=at(0))
    session.commit()
    assert sides_at(session, world.member_a.id, at(100)) == {}


def test_ended_registrations_count_only_inside_their_window(session, world):
    make_registration(
        session,
        world.member_a,
        world.community_b,
        "unit",
        status="withdrawn",
        created_at=at(0),
        approved_at=at(1),
        ended_at=at(20),
    )
    session.commit()
    assert sides_at(session, world.member_a.id, at(0.5)) == {}
    assert sides_at(session, world.member_a.id, at(1)) == {"unit": world.community_b.id}
    assert sides_at(session, world.member_a.id, at(19)) == {"unit": world.community_b.id}
    assert sides_at(session, world.member_a.id, at(20)) == {}
