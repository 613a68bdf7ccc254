"""Input tables: builders from plain rows, validation, and empty runs."""

import numpy as np
import pytest

from service.matching import (
    Members,
    Problem,
    TaskRow,
    Tasks,
    Vocabulary,
    build_candidates,
    build_tasks,
    dispatch,
    place_levels,
    recommend,
)

from .factory import KINDS, PATHS, VOCAB, member, problem, task


def test_place_levels_from_a_path():
    assert place_levels(PATHS[200], KINDS) == (10, (20, -1), 200)
    assert place_levels(PATHS[10], KINDS) == (10, (-1, -1), -1)
    kinds = {1: "community", 2: "compound", 3: "grid", 4: "building"}
    assert place_levels([1, 2, 3, 4], kinds) == (1, (3, 2), 4)  # a grid cut out of an old compound


def test_vocabulary_masks_beyond_one_word():
    codes = [f"s{i}" for i in range(70)]
    voc = Vocabulary(tuple(codes), tuple(codes), tuple(codes))
    assert voc.words == 2
    mask = voc.mask(["s1", "s65"])
    assert mask.tolist() == [2, 2] and voc.bits(mask) == [1, 65]
    with pytest.raises(KeyError):
        voc.mask(["nope"])


def test_builders_fill_every_column():
    p = problem(
        [
            member(
                1,
                200,
                skills=["repair"],
                availability=[(5, 480, 600)],
                claims=[(5, 9)],
                residence=10,
                unit=11,
                in_service=True,
            )
        ],
        [task(7, 210, slots=3, required=["repair"], preferred=["legal"], policy="everyone", beneficiary=9)],
    )
    m, t = p.members, p.tasks
    assert (m.ids.tolist(), m.home_community.tolist(), m.home_zones.tolist(), m.home_building.tolist()) == (
        [1],
        [10],
        [[20, -1]],
        [200],
    )
    assert (m.avail_start.tolist(), m.avail_end.tolist()) == ([5 * 1440 + 480], [5 * 1440 + 600])
    assert (m.residence_community.tolist(), m.unit_community.tolist(), m.in_service.tolist()) == ([10], [11], [True])
    assert (t.community.tolist(), t.place_zones.tolist(), t.place_building.tolist()) == ([10], [[21, -1]], [210])
    assert (t.slots.tolist(), t.policy.tolist(), t.beneficiary.tolist()) == ([3], [1], [9])
    assert VOCAB.bits(t.required[0]) == [0] and VOCAB.bits(t.preferred[0]) == [4]


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="start < end"):
        build_tasks([TaskRow(id=1, community=10, start=100, end=100)], VOCAB)
    p = problem([member(1)], [task(1)])
    with pytest.raises(ValueError, match="CSR"):
        Members(**{**p.members.__dict__, "avail_ptr": np.array([0, 5])})
    with pytest.raises(ValueError, match="same width"):
        Problem(
            p.members,
            Tasks(
                **{
                    **p.tasks.__dict__,
                    "required": np.zeros((1, 2), np.uint64),
                    "preferred": np.zeros((1, 2), np.uint64),
                }
            ),
        )
    with pytest.raises(ValueError, match="min_cover"):
        Problem(p.members, p.tasks, min_cover=0)


@pytest.mark.parametrize("n_members, n_tasks", [(0, 2), (2, 0), (0, 0)])
def test_empty_runs(n_members, n_tasks):
    p = problem([member(i) for i in range(n_members)], [task(j, slots=2) for j in range(n_tasks)])
    g = build_candidates(p)
    r = dispatch(p, g)
    assert (len(g), r.filled, r.slots) == (0, 0, 2 * n_tasks)
    assert r.unfilled_no_eligible.sum() == 2 * n_tasks
    if n_members:
        assert recommend(p, 0) == []
