"""The pure computation of points, against hand-computed values."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import marshmallow as ma
import pytest

from service.points.rules import DEFAULT_RULES, RuleBodySchema, Service, apply_cap, compute, round_hours

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY_MORNING = datetime(2026, 10, 13, 9, 30, tzinfo=TZ)
SATURDAY_EVENING = datetime(2026, 10, 17, 19, 0, tzinfo=TZ)


def rules(**overrides):
    body = {"default": {"base": "0", "per_hour": "2.0"}, "multipliers": {"special_group": "1.5"}}
    body.update(overrides)
    return RuleBodySchema().load(body)


def test_the_issue_example_line_by_line():
    comp = compute(rules(), Service("caring_help", TUESDAY_MORNING, Decimal("2.0"), beneficiary_group="special"), TZ)
    assert comp.lines == ["2.0 h × 2.0/h = 4.0", "×1.5 特殊群体 = 6.0"]
    assert comp.amount == Decimal("6.0") and comp.tenths == 60


def test_base_plus_hourly_with_subtotal():
    r = rules(categories={"mediation": {"base": "2.0", "per_hour": "3.0"}})
    comp = compute(r, Service("mediation", TUESDAY_MORNING, Decimal("1.5")), TZ)
    assert comp.amount == Decimal("6.5")
    assert comp.lines == ["基础 2.0", "1.5 h × 3.0/h = 4.5", "小计 6.5"]


@pytest.mark.parametrize(
    "unit,mode,hours,expected",
    [
        ("half_hour", "down", "2.4", "2.0"),
        ("half_hour", "nearest", "2.25", "2.5"),
        ("half_hour", "up", "2.1", "2.5"),
        ("quarter_hour", "down", "1.3", "1.25"),
        ("hour", "nearest", "1.5", "2"),
        ("none", "down", "1.37", "1.37"),
    ],
)
def test_hour_rounding(unit, mode, hours, expected):
    assert round_hours(Decimal(hours), {"unit": unit, "mode": mode}) == Decimal(expected)


def test_rounding_is_explained():
    comp = compute(rules(), Service("x", TUESDAY_MORNING, Decimal("2.4")), TZ)
    assert comp.lines[0] == "时长 2.4 h 取整为 2.0 h" and comp.amount == Decimal("4.0")


def test_multipliers_multiply_or_take_the_highest():
    body = {
        "default": {"base": "0", "per_hour": "2.0"},
        "multipliers": {"urgent": "1.2", "special_group": "1.5", "evening": "1.2", "weekend": "1.1"},
    }
    service = Service("x", SATURDAY_EVENING, Decimal("2"), urgent=True, beneficiary_group="special")
    product = compute(RuleBodySchema().load(body), service, TZ)
    # 4.0 × 1.2 × 1.5 × 1.2 × 1.1 = 9.504 → 9.5
    assert product.amount == Decimal("9.5")
    assert [line.split(" ")[1] for line in product.lines[1:]] == ["紧急诉求", "特殊群体", "夜间", "周末"]
    highest = compute(RuleBodySchema().load(body | {"combine": "highest"}), service, TZ)
    assert highest.amount == Decimal("6.0") and highest.lines[-1] == "×1.5 特殊群体 = 6.0"


def test_evening_and_weekend_are_judged_in_local_time():
    body = RuleBodySchema().load({"default": {"base": "0", "per_hour": "1"}, "multipliers": {"evening": "2"}})
    # 11:00 UTC is 19:00 in Shanghai: evening there.
    utc_time = datetime(2026, 10, 13, 11, 0, tzinfo=ZoneInfo("UTC"))
    assert compute(body, Service("x", utc_time, Decimal("1")), TZ).amount == Decimal("2.0")
    assert compute(body, Service("x", TUESDAY_MORNING, Decimal("1")), TZ).amount == Decimal("1.0")


def test_activity_points_are_fixed():
    comp = compute(RuleBodySchema().load(DEFAULT_RULES), Service("x", TUESDAY_MORNING, activity="theme_party_day"), TZ)
    assert comp.amount == Decimal("3.0") and comp.lines == ["主题党日 活动积分 3.0"]


def test_cap_clips_and_says_so():
    lines = []
    assert apply_cap(Decimal("6.0"), Decimal("20"), Decimal("17.0"), "每日", lines) == Decimal("3.0")
    assert lines == ["每日上限 20.0（已得 17.0）: 3.0"]
    assert apply_cap(Decimal("6.0"), Decimal("20"), Decimal("25"), "每日", []) == Decimal("0")


@pytest.mark.parametrize(
    "bad",
    [
        {"default": {"base": "-1", "per_hour": "1"}},
        {"default": {"base": "1"}},
        {"default": {"base": "1", "per_hour": "1"}, "multipliers": {"urgent": "0.5"}},
        {"default": {"base": "1", "per_hour": "1"}, "rounding": {"unit": "minute"}},
        {"default": {"base": "1", "per_hour": "1"}, "activities": {"party": "1"}},
        {"default": {"base": "1", "per_hour": "1"}, "grades": {"method": "thresholds", "levels": [{"name": "优秀"}]}},
        {"default": {"base": "1", "per_hour": "1"}, "surprise": True},
    ],
)
def test_invalid_rule_bodies_are_refused(bad):
    with pytest.raises(ma.ValidationError):
        RuleBodySchema().load(bad)
