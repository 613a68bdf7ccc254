"""Score components against hand-computed values, and the reasons shown to staff."""

import pytest

from service.matching import COMPONENTS, DEFAULT_WEIGHTS, Problem, explain
from service.matching.eligibility import covered_share
from service.matching.scoring import component_values, near_levels, total

from .factory import member, problem, task

SAT_8_TO_10 = [(5, 480, 600)]


def values(p, m=0, t=0):
    v, level = component_values(p, [m], [t], covered_share(p, m, t))
    return dict(zip(COMPONENTS, v[0].tolist())), int(level[0])


def test_every_component_by_hand():
    p = problem(
        [member(1, 200, in_service=True, skills=["repair", "electric"], availability=SAT_8_TO_10, completed=5)],
        [task(1, 200, start=9, hours=2, required=["repair"], preferred=["electric", "haircut"], beneficiary=7)],
        standing_pairs=[(1, 7)],
    )
    v, level = values(p)
    assert v == pytest.approx(
        {"skill": 2 / 3, "near": 1.0, "cover": 0.5, "fair": 1.0, "reliable": 6 / 7, "side": 1.0, "pair": 1.0}
    )
    expected = 3 * 2 / 3 + 2.5 * 1 + 1 * 0.5 + 1.5 * 1 + 1 * 6 / 7 + 1.5 * 1 + 5 * 1
    s = explain(p, 0, 0)
    assert s.score == pytest.approx(expected, abs=1e-5)
    assert s.breakdown == pytest.approx(
        {"skill": 2.0, "near": 2.5, "cover": 0.5, "fair": 1.5, "reliable": round(6 / 7, 4), "side": 1.5, "pair": 5.0},
        abs=1e-4,
    )
    assert sum(s.breakdown.values()) == pytest.approx(s.score, abs=1e-3)
    assert s.excluded is None


def test_default_weights_are_the_documented_dict():
    assert DEFAULT_WEIGHTS == {
        "skill": 3.0,
        "near": 2.5,
        "cover": 1.0,
        "fair": 1.5,
        "reliable": 1.0,
        "side": 1.5,
        "pair": 5.0,
    }
    assert tuple(DEFAULT_WEIGHTS) == COMPONENTS


@pytest.mark.parametrize(
    "home, place, level, value",
    [
        (200, 200, 0, 1.0),  # same building
        (201, 200, 1, 0.7),  # same grid, other building
        (201, 20, 1, 0.7),  # task at the grid itself
        (210, 200, 2, 0.4),  # same community, other grid
        (200, 10, 2, 0.4),  # task at community level
        (310, 21, 3, 0.25),  # grid 31 (community 11) neighbours grid 21
        (310, 210, 3, 0.25),  # ... also for a building in grid 21
        (300, 21, 4, 0.0),  # grid 30 is not a neighbour
        (None, 200, 4, 0.0),  # no home on file
    ],
)
def test_nearness_levels(home, place, level, value):
    p = problem([member(1, home, residence=10, unit=11)], [task(1, place)])
    v, got = values(p)
    assert (got, v["near"]) == (level, pytest.approx(value))


def test_skill_fit_counts_required_and_preferred():
    p = problem(
        [member(1, skills=["repair"]), member(2, skills=["repair", "haircut", "legal"]), member(3, skills=["legal"])],
        [task(1, required=["repair"], preferred=["haircut"]), task(2)],
    )
    assert values(p, 0, 0)[0]["skill"] == pytest.approx(0.5)
    assert values(p, 1, 0)[0]["skill"] == pytest.approx(1.0)
    assert values(p, 2, 1)[0]["skill"] == 0.0  # a task asking for nothing gives no skill credit


def test_fairness_and_reliability():
    p = problem([member(1, recent_tasks=2, completed=5, no_shows=1, late_cancels=2), member(2)], [task(1)])
    v = values(p, 0)[0]
    assert v["fair"] == pytest.approx(1 / 3)
    assert v["reliable"] == pytest.approx(6 / 9)
    v = values(p, 1)[0]
    assert (v["fair"], v["reliable"]) == (1.0, pytest.approx(0.5))  # a newcomer: neutral reliability


def test_side_balance_lifts_in_service_members_towards_home():
    p = problem(
        [
            member(1, in_service=True, residence=10),
            member(2, in_service=True, residence=10, residence_served=1),
            member(3, in_service=False, residence=10),
            member(4, in_service=True, residence=11, unit=10),
        ],
        [task(1, 20)],
    )
    assert [values(p, m)[0]["side"] for m in range(4)] == [1.0, 0.0, 0.0, 0.0]


def test_standing_pair_outranks_nearness():
    p = problem(
        [member(1, 200), member(2, 300, residence=10)], [task(1, 200, beneficiary=7)], standing_pairs=[(2, 7), (1, 8)]
    )
    near, paired = explain(p, 0, 0), explain(p, 1, 0)
    assert (near.breakdown["pair"], paired.breakdown["pair"]) == (0.0, 5.0)
    assert paired.score > near.score
    assert paired.reasons[0].key == "pair" and paired.reasons[0].zh == "结对帮扶对象"


def test_reason_phrases_in_both_languages():
    p = problem([member(1, 200, skills=["repair"])], [task(1, 200, day=5, start=9, required=["repair"])])
    s = explain(p, 0, 0)
    assert s.text("zh") == "同楼栋 · 会维修 · 本月尚未服务 · 周六上午有空"
    assert s.text("en") == "same building · skilled in repairs · no service yet this month · free Saturday morning"
    assert [r.key for r in s.reasons] == ["near.building", "skill", "fair", "cover.full"]
    d = s.as_dict()
    assert d["member_id"] == 1 and d["task_id"] == 1 and d["text"]["zh"] == s.text()


def test_partial_cover_side_and_reliability_phrases():
    p = problem(
        [member(1, 210, in_service=True, recent_tasks=1, completed=4, availability=[(2, 18 * 60, 20 * 60)])],
        [task(1, 200, day=2, start=19, hours=2)],
    )
    s = explain(p, 0, 0)
    assert s.text() == "同社区 · 周三晚上大部分时间有空 · 回居住地社区服务 · 从未爽约"
    assert s.text("en") == (
        "same community · mostly free Wednesday evening · serving where they live · never missed a task"
    )


def test_explain_reports_exclusion_too():
    p = problem([member(1, residence=11)], [task(1, 20)])
    s = explain(p, 0, 0)
    assert s.excluded.key == "not_registered"
    assert s.as_dict()["excluded"]["code"] == "not_registered"


def test_weights_are_configurable():
    rows = ([member(1, 200, completed=3)], [task(1, 200, beneficiary=7)])
    base = problem(*rows, standing_pairs=[(1, 7)])
    tuned = problem(*rows, standing_pairs=[(1, 7)], weights={"pair": 0, "near": 10})
    assert tuned.weights["pair"] == 0 and tuned.weights["skill"] == DEFAULT_WEIGHTS["skill"]
    assert explain(tuned, 0, 0).score == pytest.approx(explain(base, 0, 0).score - 5 + 7.5)
    with pytest.raises(ValueError, match="unknown score component"):
        Problem(base.members, base.tasks, weights={"distance": 1})


def test_total_is_the_weighted_sum():
    import numpy as np

    from .factory import random_city

    p = random_city(np.random.default_rng(5), 12, 8)
    m, t = np.divmod(np.arange(p.M * p.T), p.T)
    v, level = component_values(p, m, t, covered_share(p, m, t))
    assert np.allclose(total(p, v), sum(v[:, i] * DEFAULT_WEIGHTS[c] for i, c in enumerate(COMPONENTS)))
    assert np.array_equal(level, near_levels(p, m, t))
    assert ((v >= 0) & (v <= 1)).all()
