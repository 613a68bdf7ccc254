"""Every demo builder in order; later capabilities add their own step here."""

from __future__ import annotations

import random

from ..needs.demo import build_needs
from ..pairs.demo import build_pairs
from ..points.demo import build_points
from ..rankings.demo import build_rankings
from ..registration.demo import build_registrations
from ..tasks.demo import build_tasks
from .city import build_city


def build_all(session, *, scale: str, seed: int, hash_params: dict) -> dict:
    city = build_city(session, scale=scale, seed=seed, hash_params=hash_params)
    build_registrations(session, random.Random(seed + 1), city)
    build_points(session, random.Random(seed + 2), city)
    build_needs(session, random.Random(seed + 3), city)
    build_tasks(session, random.Random(seed + 4), city)
    build_pairs(session, random.Random(seed + 5), city)
    build_rankings(session, random.Random(seed + 6), city)
    return city
