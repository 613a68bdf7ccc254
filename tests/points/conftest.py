from datetime import date

import pytest

from service.points.catalogue import ensure_default_catalogue
from service.points.service import publish_rule_set

CITY_RULES = {
    "default": {"base": "0", "per_hour": "2.0"},
    "categories": {"mediation": {"base": "2.0", "per_hour": "3.0"}},
    "rounding": {"unit": "half_hour", "mode": "down"},
    "multipliers": {"special_group": "1.5", "urgent": "1.2"},
    "caps": {"per_day": "20", "per_month": "50"},
    "rating_bonus": "1.0",
    "no_show_penalty": "2.0",
    "activities": {"theme_party_day": "3.0"},
    "grades": {
        "method": "thresholds",
        "otherwise": "不合格",
        "levels": [{"name": "优秀", "min_points": "30"}, {"name": "良好", "min_points": "10"}],
    },
}


@pytest.fixture
def rules(session, world):
    """The city's rules, in force since 2026-01-01."""
    ensure_default_catalogue(session)
    rule_set = publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2026, 1, 1), body=CITY_RULES)
    session.commit()
    rule_set_id = rule_set.id
    session.close()
    return rule_set_id
