"""Visit generation by rhythm, with real dates in Asia/Shanghai: periods turn at local midnight,
not at UTC midnight (08:00 in Shanghai)."""

from datetime import date, datetime, UTC

from sqlalchemy import func, select

from service.pairs.models import StandingPair, Visit
from service.pairs.service import generate_due_visits, set_rhythm, visit_day
from service.tasks.models import Invitation, Task

from .conftest import TZ, at, make_pair, scope_of


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _visits(session):
    return session.scalars(select(Visit).order_by(Visit.period_start, Visit.id)).all()


def run(session, now):
    made = generate_due_visits(session, now, TZ)
    session.commit()
    return made


def test_daily_visit_is_an_invited_one_slot_daytime_task_and_generation_is_idempotent(session, city):
    pair = make_pair(session, city, "special")  # paired on Sunday evening: today's window has passed
    assert _count(session, Visit) == 0
    monday = at(2026, 12, 7, 0, 20)
    assert run(session, monday) == 1
    assert run(session, monday) == 0 and run(session, at(2026, 12, 7, 17, 0)) == 0  # twice, or later that day
    [visit] = _visits(session)
    assert (visit.rhythm, visit.period_start, visit.period_end, visit.status) == (
        "daily",
        date(2026, 12, 7),
        date(2026, 12, 8),
        "invited",
    )
    assert visit.due_at == at(2026, 12, 8)
    task = session.get(Task, visit.task_id)
    assert (task.claim_policy, task.slots, task.status, task.category, task.beneficiary_group) == (
        "invited",
        1,
        "open",
        "caring_help",
        "special",
    )
    assert task.starts_at == at(2026, 12, 7, 9) and task.ends_at == at(2026, 12, 7, 18)
    assert task.starts_at == datetime(2026, 12, 7, 1, tzinfo=UTC)  # 09:00 in Shanghai
    assert task.place_id == city.building_a.id and task.community_id == city.community_a.id
    assert "王秀英" in task.title
    [invitation] = session.scalars(select(Invitation)).all()
    assert (invitation.task_id, invitation.member_id, invitation.status) == (task.id, pair.member_id, "pending")
    assert invitation.expires_at is None
    assert _count(session, Task) == 1


def test_the_day_turns_at_shanghai_midnight_not_utc_midnight(session, city):
    make_pair(session, city, "special")
    # 23:59 on the 7th (15:59 UTC): that day's window has closed, so no visit is made for it.
    assert run(session, at(2026, 12, 7, 23, 59)) == 0
    # 00:00:30 on the 8th in Shanghai is still the 7th in UTC: a new local day, a new visit.
    eighth = at(2026, 12, 8, 0, 0, 30)
    assert eighth.date() == date(2026, 12, 7)
    assert run(session, eighth) == 1
    [visit] = _visits(session)
    assert visit.period_start == date(2026, 12, 8)
    assert run(session, at(2026, 12, 8, 23, 59, 59)) == 0
    assert run(session, at(2026, 12, 9, 0, 20)) == 1
    first, second = _visits(session)
    assert (first.status, second.status) == ("missed", "invited")  # the 8th ended with no verified claim


def test_weekly_periods_are_iso_weeks_in_local_time(session, city):
    pair = make_pair(session, city, "hardship")
    assert _count(session, Visit) == 0  # Sunday evening: nothing left of that week
    assert run(session, at(2026, 12, 7, 0, 20)) == 1  # Monday
    for moment in (at(2026, 12, 9, 12), at(2026, 12, 13, 23, 59)):
        assert run(session, moment) == 0
    [visit] = _visits(session)
    assert (visit.period_start, visit.period_end) == (date(2026, 12, 7), date(2026, 12, 14))
    day = date(2026, 12, 7 + pair.id % 7)
    assert session.get(Task, visit.task_id).starts_at == at(day.year, day.month, day.day, 9)
    monday_local = at(2026, 12, 14, 0, 10)  # still Sunday 16:10 in UTC
    assert monday_local.weekday() == 6
    assert run(session, monday_local) == 1
    assert [(v.period_start, v.status) for v in _visits(session)] == [
        (date(2026, 12, 7), "missed"),
        (date(2026, 12, 14), "invited"),
    ]


def test_monthly_periods_turn_at_local_new_year(session, city):
    make_pair(session, city, "key", now=at(2026, 11, 30, 19))  # November's last evening: no day left
    assert _count(session, Visit) == 0
    assert run(session, at(2026, 12, 1, 0, 20)) == 1
    assert run(session, at(2026, 12, 31, 23, 30)) == 0
    new_year = at(2027, 1, 1, 0, 5)
    assert new_year.year == 2026  # 31 December 16:05 UTC
    assert run(session, new_year) == 1
    december, january = _visits(session)
    assert (december.period_start, december.period_end) == (date(2026, 12, 1), date(2027, 1, 1))
    assert (january.period_start, january.period_end, january.rhythm) == (date(2027, 1, 1), date(2027, 2, 1), "monthly")


def test_event_driven_rhythms_generate_nothing(session, city):
    make_pair(session, city, "volunteer")
    make_pair(session, city, "ordinary", name="赵大爷", phone="13712345679")
    assert run(session, at(2026, 12, 7, 0, 20)) == 0
    assert _count(session, Visit) == 0 and _count(session, Task) == 0


def test_an_area_override_changes_what_is_generated(session, city):
    set_rhythm(
        session,
        scope_of(session, city, "community_admin"),
        city.community_a.id,
        {"ordinary": "weekly", "special": "at_activities"},
        at(2026, 12, 1),
    )
    session.commit()
    make_pair(session, city, "ordinary")
    make_pair(session, city, "special", name="孙奶奶", phone="13712345670")
    assert run(session, at(2026, 12, 7, 0, 20)) == 1
    [visit] = _visits(session)
    assert visit.rhythm == "weekly" and visit.pair.beneficiary_group == "ordinary"


def test_a_new_pair_gets_its_first_visit_at_once_and_the_job_does_not_repeat_it(session, city):
    pair = make_pair(session, city, "special", now=at(2026, 12, 7, 10))  # Monday morning
    [visit] = _visits(session)
    assert visit.period_start == date(2026, 12, 7) and visit.pair_id == pair.id
    assert run(session, at(2026, 12, 7, 11)) == 0


def test_ended_pairs_and_inactive_members_get_no_visits(session, city):
    from service.pairs.service import end_pair

    pair = make_pair(session, city, "special")
    end_pair(session, scope_of(session, city, "community_admin"), pair.id, "搬走了", at(2026, 12, 6, 21))
    session.commit()
    other = make_pair(session, city, "special", name="孙奶奶", phone="13712345670", member_id=city.member_b.id)
    other.member.active = False
    session.commit()
    assert run(session, at(2026, 12, 7, 0, 20)) == 0
    assert session.get(StandingPair, pair.id).active is False


def test_visit_day_is_spread_but_never_in_the_past():
    start, end = date(2026, 12, 7), date(2026, 12, 14)
    assert visit_day(3, start, end, at(2026, 12, 7, 0, 20), TZ) == date(2026, 12, 10)
    assert visit_day(1, start, end, at(2026, 12, 10, 12), TZ) == date(2026, 12, 10)  # made Thursday noon
    assert visit_day(1, start, end, at(2026, 12, 10, 18), TZ) == date(2026, 12, 11)  # the window has closed
    assert visit_day(6, start, end, at(2026, 12, 13, 18, 30), TZ) is None  # nothing left this week


def test_the_scheduled_job_runs_through_the_runner_and_twice_is_harmless(app, session, city):
    from service.jobs import cli

    make_pair(session, city, "special")
    make_pair(session, city, "hardship", name="孙奶奶", phone="13712345670")
    session.close()
    first = cli.run_in_app(app, "visits_generate", at(2026, 12, 7, 0, 20))
    assert first == {"job": "visits_generate", "outcome": "ok", "items": 2, "error": None}
    again = cli.run_in_app(app, "visits_generate", at(2026, 12, 7, 0, 20))
    assert again["outcome"] == "ok" and again["items"] == 0
    assert _count(session, Visit) == 2 and _count(session, Task) == 2 and _count(session, Invitation) == 2


def test_without_the_caring_help_category_the_run_fails_and_says_why(app, session, world):
    from service.jobs import cli

    from service.points.catalogue import ensure_default_catalogue

    ensure_default_catalogue(session)
    session.commit()
    make_pair(session, world, "special")
    from service.points.models import ServiceCategory, ServiceItem

    caring = session.scalar(select(ServiceCategory).where(ServiceCategory.code == "caring_help"))
    session.execute(ServiceItem.__table__.delete().where(ServiceItem.category_id == caring.id))
    session.delete(caring)
    session.commit()
    session.close()
    result = cli.run_in_app(app, "visits_generate", at(2026, 12, 7, 0, 20))
    assert result["outcome"] == "failed" and "caring_help" in result["error"]
    assert _count(session, Visit) == 0
