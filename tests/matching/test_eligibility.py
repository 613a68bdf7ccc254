"""Each hard filter excludes with its own reason, and the first failing filter is the one reported."""

import numpy as np
import pytest

from service.matching import why_not
from service.matching.eligibility import (
    ELIGIBLE,
    INVITE_ONLY,
    MISSING_SKILLS,
    NOT_REGISTERED,
    TIME_CONFLICT,
    UNAVAILABLE,
    WEEKLY_CAP,
    exclusion_codes,
)

from .factory import at, member, problem, task

SAT_MORNING = [(5, 8 * 60, 12 * 60)]


def code(p, m=0, t=0):
    r = why_not(p, m, t)
    return None if r is None else r.key


def test_registered_member_with_time_is_eligible():
    p = problem([member(1, availability=SAT_MORNING)], [task(1)])
    assert why_not(p, 0, 0) is None
    assert exclusion_codes(p, [0], [0]).tolist() == [ELIGIBLE]


def test_not_registered_in_the_tasks_community():
    p = problem([member(1, residence=11)], [task(1, place=20)])
    r = why_not(p, 0, 0)
    assert (r.code, r.key) == (NOT_REGISTERED, "not_registered")
    assert r.zh == "未在任务所在社区报到"


def test_unit_side_registration_counts():
    p = problem([member(1, residence=11, unit=10)], [task(1, place=20)])
    assert why_not(p, 0, 0) is None


def test_everyone_task_admits_the_unregistered():
    p = problem([member(1, residence=None)], [task(1, policy="everyone")])
    assert why_not(p, 0, 0) is None


def test_invitation_admits_an_outsider_to_a_registered_task():
    p = problem([member(1, residence=11)], [task(1, place=20)], invitations=[(1, 1)])
    assert why_not(p, 0, 0) is None


def test_invite_only_task_bars_even_registered_members():
    p = problem([member(1), member(2)], [task(1, policy="invited")], invitations=[(2, 1)])
    r = why_not(p, 0, 0)
    assert (r.code, r.key, r.zh) == (INVITE_ONLY, "invite_only", "该任务仅限受邀人员认领")
    assert why_not(p, 1, 0) is None


def test_missing_required_skill_names_it():
    p = problem([member(1, skills=["repair"])], [task(1, required=["repair", "electric"])])
    r = why_not(p, 0, 0)
    assert (r.code, r.key) == (MISSING_SKILLS, "missing_skills")
    assert r.detail_zh == "缺少任务要求的技能：电工"
    assert r.detail_en == "lacks a required skill: electrics"


def test_preferred_skills_are_not_required():
    p = problem([member(1)], [task(1, preferred=["repair"])])
    assert why_not(p, 0, 0) is None


def test_less_than_half_the_window_free():
    # Free 8:00-9:30; task 9:00-11:00 -> 30 of 120 minutes.
    p = problem([member(1, availability=[(5, 480, 570)])], [task(1, start=9, hours=2)])
    r = why_not(p, 0, 0)
    assert (r.code, r.key) == (UNAVAILABLE, "unavailable")
    assert r.detail_zh == "任务时段内空闲时间仅 25%，不足 50%"


def test_exactly_half_the_window_is_enough():
    p = problem([member(1, availability=[(5, 480, 600)])], [task(1, start=9, hours=2)])
    assert why_not(p, 0, 0) is None


def test_availability_across_midnight_and_week_end():
    # Sunday 23:00 -> Monday 01:00; free Sunday 23:00-24:00 only: exactly half.
    sunday_night = [(6, 23 * 60, 24 * 60)]
    p = problem(
        [
            member(1, availability=sunday_night),
            member(2, availability=[(6, 23 * 60 + 30, 24 * 60)]),
            member(3, availability=sunday_night + [(0, 0, 60)]),
        ],
        [task(1, day=6, start=23, hours=2)],
    )
    assert why_not(p, 0, 0) is None
    assert code(p, 1) == "unavailable"
    assert why_not(p, 2, 0) is None


def test_unaligned_windows_take_the_exact_slow_path():
    # Windows off the quarter-hour grid: 9:07-10:07 covers 53 minutes of a 9:00-10:00 task, 9:31-10:07 only 29.
    p = problem(
        [member(1, availability=[(5, 547, 607)]), member(2, availability=[(5, 571, 607)])], [task(1, start=9, hours=1)]
    )
    assert why_not(p, 0, 0) is None
    assert code(p, 1) == "unavailable"


def test_overlapping_claim_conflicts_but_back_to_back_does_not():
    p = problem(
        [member(1, claims=[(at(5, 11), at(5, 13))]), member(2, claims=[(at(5, 10), at(5, 12))])],
        [task(1, start=9, hours=2)],
    )
    assert why_not(p, 0, 0) is None  # claim starts when the task ends
    r = why_not(p, 1, 0)
    assert (r.code, r.key, r.zh) == (TIME_CONFLICT, "time_conflict", "已认领时间重叠的任务")


def test_weekly_cap_counts_the_whole_calendar_week():
    # Two claims on Monday and Tuesday of the task's week; cap 2 -> a Saturday task is barred.
    claims = [(at(0, 9), at(0, 10)), (at(1, 9), at(1, 10))]
    p = problem(
        [
            member(1, claims=claims, weekly_cap=2),
            member(2, claims=claims, weekly_cap=3),
            member(3, claims=[(at(-1, 9), at(-1, 10))] * 2, weekly_cap=2),
        ],
        [task(1)],
    )
    r = why_not(p, 0, 0)
    assert (r.code, r.key, r.detail_zh) == (WEEKLY_CAP, "weekly_cap", "本周任务已达上限（2/2）")
    assert why_not(p, 1, 0) is None
    assert why_not(p, 2, 0) is None  # last Sunday's claims belong to the week before


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        # Every filter fails: the claim filter is reported.
        (
            dict(residence=11, skills=[], availability=[], claims=[(at(5, 9), at(5, 10))], weekly_cap=0),
            "not_registered",
        ),
        (dict(skills=[], availability=[], claims=[(at(5, 9), at(5, 10))], weekly_cap=0), "missing_skills"),
        (dict(skills=["repair"], availability=[], claims=[(at(5, 9), at(5, 10))], weekly_cap=0), "unavailable"),
        (dict(skills=["repair"], claims=[(at(5, 9), at(5, 10))], weekly_cap=0), "time_conflict"),
        (dict(skills=["repair"], weekly_cap=0), "weekly_cap"),
        (dict(skills=["repair"]), None),
    ],
)
def test_first_failing_filter_in_order(kwargs, expected):
    p = problem([member(1, **kwargs)], [task(1, required=["repair"])])
    assert code(p) == expected


def test_codes_vectorised_agree_with_why_not():
    from .factory import random_city

    p = random_city(np.random.default_rng(3), 25, 12)
    m, t = np.divmod(np.arange(p.M * p.T), p.T)
    codes = exclusion_codes(p, m, t)
    for i in range(len(m)):
        r = why_not(p, m[i], t[i])
        assert codes[i] == (0 if r is None else r.code)
    assert len(set(codes.tolist())) >= 5  # the random city reaches most filters
    assert {UNAVAILABLE, MISSING_SKILLS, NOT_REGISTERED} <= set(codes.tolist())
