"""What the matcher reads: active (member, beneficiary) links, and which resident a task serves."""

from sqlalchemy import insert, select

from service.pairs.models import StandingPair, Visit
from service.pairs.service import (
    active_pair_links,
    beneficiary_ids_for_tasks,
    end_pair,
    generate_due_visits,
    is_visit_task,
)
from service.tasks.models import Task, task_needs
from tests.factories import make_need

from .conftest import TZ, at, make_pair, scope_of


def test_links_and_the_resident_behind_a_task(session, city):
    pair = make_pair(session, city, "special")
    other = make_pair(session, city, "hardship", name="孙奶奶", phone="13712345670", member_id=city.member_b.id)
    assert sorted(active_pair_links(session)) == sorted(
        [(city.member_a.id, pair.beneficiary_id), (city.member_b.id, other.beneficiary_id)]
    )
    assert active_pair_links(session, [city.member_b.id]) == [(city.member_b.id, other.beneficiary_id)]
    assert pair.group == "special" and pair.active
    # A need from the same mobile in the same community is that resident's; another community's is not.
    need = make_need(session, city.community_a, city.building_a, status="accepted", phone="13712345678")
    stranger = make_need(session, city.community_b, city.building_b, status="accepted", phone="13712345678")
    tasks = []
    for n in (need, stranger):
        task = Task(
            title="帮忙",
            community_id=n.community_id,
            place_id=n.place_id,
            category="caring_help",
            starts_at=at(2026, 12, 9, 9),
            ends_at=at(2026, 12, 9, 11),
            slots=1,
            status="open",
        )
        session.add(task)
        session.flush()
        session.execute(insert(task_needs).values(task_id=task.id, need_id=n.id))
        tasks.append(task.id)
    generate_due_visits(session, at(2026, 12, 7, 0, 20), TZ)
    session.commit()
    visit_tasks = dict(session.execute(select(Visit.pair_id, Visit.task_id)).all())
    found = beneficiary_ids_for_tasks(session, tasks + list(visit_tasks.values()))
    assert is_visit_task(session, visit_tasks[pair.id]) and not is_visit_task(session, tasks[0])
    assert found == {
        tasks[0]: pair.beneficiary_id,
        visit_tasks[pair.id]: pair.beneficiary_id,
        visit_tasks[other.id]: other.beneficiary_id,
    }
    end_pair(session, scope_of(session, city, "community_admin"), other.id, "", at(2026, 12, 7, 8))
    session.commit()
    assert active_pair_links(session) == [(city.member_a.id, pair.beneficiary_id)]
    assert session.get(StandingPair, other.id).active is False
