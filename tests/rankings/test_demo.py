"""The demo builder publishes six months of rankings and one 红黑榜."""

import random
from datetime import datetime, UTC

from sqlalchemy import func, select

from service.demo.city import build_city
from service.periods import local_day, period_containing
from service.places.models import Area, Unit
from service.points.demo import build_points
from service.rankings import service
from service.rankings.demo import build_rankings
from service.rankings.models import RankingSnapshot, RedBlackList
from service.registration.demo import build_registrations

from .conftest import TZ

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def test_six_months_of_every_scope_and_side_and_one_red_black_list(session):
    now = datetime.now(UTC)
    city = build_city(session, scale="demo", seed=5, hash_params=CHEAP)
    build_registrations(session, random.Random(6), city, now)
    build_points(session, random.Random(7), city, now)
    result = build_rankings(session, random.Random(8), city, now)
    session.commit()
    scopes = session.scalar(
        select(func.count()).select_from(Area).where(Area.kind.in_(("city", "district", "street", "community")))
    ) + session.scalar(select(func.count()).select_from(Unit))
    assert result["full"] and result["snapshots"] == 6 * scopes * 3
    months = session.scalars(
        select(RankingSnapshot.period_start).distinct().order_by(RankingSnapshot.period_start)
    ).all()
    last = period_containing("month", local_day(now, TZ), TZ).previous()
    assert len(months) == 6 and months[-1] == last.start
    city_board = service.latest_published(session, "city", city["places"]["city"]["id"])
    assert city_board.period_start == last.start and city_board.ranked_count > 100
    assert service.verify(session, city_board)
    assert session.scalar(select(func.count()).select_from(RedBlackList)) == 1
