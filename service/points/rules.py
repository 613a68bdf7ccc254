"""Point rules: the schema a rule set's body must satisfy, and the pure computation.

Everything here is arithmetic on plain values (no database), so the preview, the
ledger and the tests compute points the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import marshmallow as ma

from ..api import ClockTime, LoadSchema

TENTH = Decimal("0.1")
ROUNDING_UNITS = {"none": None, "quarter_hour": Decimal("0.25"), "half_hour": Decimal("0.5"), "hour": Decimal("1")}
ROUNDING_MODES = {"down": ROUND_FLOOR, "nearest": ROUND_HALF_UP, "up": ROUND_CEILING}
ACTIVITIES = {"theme_party_day": "主题党日", "home_day": "回家日", "market_day": "便民大集市"}
MULTIPLIER_LABELS = {
    "urgent": "紧急诉求",
    "special_group": "特殊群体",
    "hardship_group": "困难群体",
    "evening": "夜间",
    "weekend": "周末",
}
_points: dict[str, Any] = {"validate": ma.validate.Range(min=0, max=1000), "as_string": False}


class CategoryRuleSchema(LoadSchema):
    base = ma.fields.Decimal(required=True, places=1, **_points, metadata={"description": "points per task"})
    per_hour = ma.fields.Decimal(required=True, places=1, **_points, metadata={"description": "points per hour"})


class RoundingSchema(LoadSchema):
    unit = ma.fields.String(load_default="half_hour", validate=ma.validate.OneOf(ROUNDING_UNITS))
    mode = ma.fields.String(load_default="down", validate=ma.validate.OneOf(ROUNDING_MODES))


class MultipliersSchema(LoadSchema):
    urgent = ma.fields.Decimal(
        load_default=Decimal("1.0"), places=2, as_string=False, validate=ma.validate.Range(min=1, max=5)
    )
    special_group = ma.fields.Decimal(
        load_default=Decimal("1.0"), places=2, as_string=False, validate=ma.validate.Range(min=1, max=5)
    )
    hardship_group = ma.fields.Decimal(
        load_default=Decimal("1.0"), places=2, as_string=False, validate=ma.validate.Range(min=1, max=5)
    )
    evening = ma.fields.Decimal(
        load_default=Decimal("1.0"), places=2, as_string=False, validate=ma.validate.Range(min=1, max=5)
    )
    weekend = ma.fields.Decimal(
        load_default=Decimal("1.0"), places=2, as_string=False, validate=ma.validate.Range(min=1, max=5)
    )


class CapsSchema(LoadSchema):
    per_day = ma.fields.Decimal(
        allow_none=True, load_default=None, places=1, as_string=False, validate=ma.validate.Range(min=0, max=10000)
    )
    per_month = ma.fields.Decimal(
        allow_none=True, load_default=None, places=1, as_string=False, validate=ma.validate.Range(min=0, max=100000)
    )
    per_side = ma.fields.Boolean(load_default=False, metadata={"description": "count caps separately for each side"})


class GradeLevelSchema(LoadSchema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10))
    min_points = ma.fields.Decimal(places=1, as_string=False, validate=ma.validate.Range(min=0))
    top_share = ma.fields.Decimal(
        places=3,
        as_string=False,
        validate=ma.validate.Range(min=0, max=1),
        metadata={"description": "cumulative share from the top, for percentiles"},
    )


class GradesSchema(LoadSchema):
    method = ma.fields.String(required=True, validate=ma.validate.OneOf(["thresholds", "percentiles"]))
    levels = ma.fields.List(
        ma.fields.Nested(GradeLevelSchema), required=True, validate=ma.validate.Length(min=1, max=6)
    )
    otherwise = ma.fields.String(load_default="不合格", validate=ma.validate.Length(min=1, max=10))

    @ma.validates_schema
    def _levels_fit_method(self, data, **kwargs):
        key = "min_points" if data["method"] == "thresholds" else "top_share"
        if any(key not in level for level in data["levels"]):
            raise ma.ValidationError(f"every level needs {key}", "levels")


class RuleBodySchema(LoadSchema):
    categories = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=40)),
        values=ma.fields.Nested(CategoryRuleSchema),
        load_default=dict,
    )
    default = ma.fields.Nested(CategoryRuleSchema, required=True)
    rounding = ma.fields.Nested(RoundingSchema, load_default=lambda: RoundingSchema().load({}))
    multipliers = ma.fields.Nested(MultipliersSchema, load_default=lambda: MultipliersSchema().load({}))
    combine = ma.fields.String(
        load_default="product",
        validate=ma.validate.OneOf(["product", "highest"]),
        metadata={"description": "apply every multiplier, or only the highest"},
    )
    evening_start = ClockTime(load_default=18 * 60)
    evening_end = ClockTime(load_default=6 * 60)
    caps = ma.fields.Nested(CapsSchema, load_default=lambda: CapsSchema().load({}))
    rating_bonus = ma.fields.Decimal(load_default=Decimal("0"), places=1, **_points)
    no_show_penalty = ma.fields.Decimal(load_default=Decimal("0"), places=1, **_points)
    activities = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(ACTIVITIES)),
        values=ma.fields.Decimal(places=1, **_points),
        load_default=dict,
    )
    grades = ma.fields.Nested(GradesSchema, allow_none=True, load_default=None)


def to_json(body: dict) -> dict:
    """A validated body in JSON-safe form (Decimals as strings keep tenths exact)."""

    def convert(value):
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(body)


def load_body(stored: dict) -> dict:
    return RuleBodySchema().load(stored)


DEFAULT_RULES: dict[str, Any] = {
    "default": {"base": "1.0", "per_hour": "2.0"},
    "categories": {
        "caring_help": {"base": "1.0", "per_hour": "3.0"},
        "everyday_help": {"base": "1.0", "per_hour": "2.0"},
        "environment": {"base": "1.0", "per_hour": "2.0"},
        "civility": {"base": "0.0", "per_hour": "2.0"},
        "mediation": {"base": "2.0", "per_hour": "3.0"},
        "safety": {"base": "0.0", "per_hour": "2.0"},
        "outreach": {"base": "1.0", "per_hour": "2.0"},
    },
    "rounding": {"unit": "half_hour", "mode": "down"},
    "multipliers": {
        "urgent": "1.2",
        "special_group": "1.5",
        "hardship_group": "1.3",
        "evening": "1.2",
        "weekend": "1.0",
    },
    "combine": "product",
    "caps": {"per_day": "20.0", "per_month": "150.0", "per_side": False},
    "rating_bonus": "1.0",
    "no_show_penalty": "2.0",
    "activities": {"theme_party_day": "3.0", "home_day": "2.0", "market_day": "2.0"},
    "grades": {
        "method": "thresholds",
        "otherwise": "不合格",
        "levels": [
            {"name": "优秀", "min_points": "120"},
            {"name": "良好", "min_points": "60"},
            {"name": "合格", "min_points": "20"},
        ],
    },
}


@dataclass
class Service:
    """A piece of verified (or hypothetical) service, as the rules see it."""

    category: str
    occurred_at: datetime
    hours: Decimal | None = None
    urgent: bool = False
    beneficiary_group: str | None = None
    activity: str | None = None


@dataclass
class Computation:
    amount: Decimal  # before caps
    lines: list[str] = field(default_factory=list)

    @property
    def tenths(self) -> int:
        return int((self.amount / TENTH).to_integral_value(ROUND_HALF_UP))


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(TENTH, ROUND_HALF_UP)}"


def round_hours(hours: Decimal, rounding: dict) -> Decimal:
    step = ROUNDING_UNITS[rounding["unit"]]
    if step is None:
        return hours
    return (hours / step).to_integral_value(ROUNDING_MODES[rounding["mode"]]) * step


def compute(rules: dict, service: Service, tz: ZoneInfo) -> Computation:
    """Points for one piece of service before caps, with the computation line by line."""
    lines: list[str] = []
    if service.activity:
        if service.activity not in rules["activities"]:
            raise ValueError(f"no points set for activity {service.activity}")
        amount = rules["activities"][service.activity]
        lines.append(f"{ACTIVITIES[service.activity]} 活动积分 {_fmt(amount)}")
    else:
        rule = rules["categories"].get(service.category, rules["default"])
        hours = service.hours or Decimal("0")
        rounded = round_hours(hours, rules["rounding"])
        if rounded != hours:
            lines.append(f"时长 {hours} h 取整为 {rounded} h")
        amount = Decimal("0")
        if rule["base"]:
            amount += rule["base"]
            lines.append(f"基础 {_fmt(rule['base'])}")
        if rounded and rule["per_hour"]:
            part = rounded * rule["per_hour"]
            amount += part
            lines.append(f"{rounded} h × {_fmt(rule['per_hour'])}/h = {_fmt(part)}")
        if rule["base"] and rounded and rule["per_hour"]:
            lines.append(f"小计 {_fmt(amount)}")
    factors = applicable_multipliers(rules, service, tz)
    if rules["combine"] == "highest" and factors:
        factors = [max(factors, key=lambda f: f[1])]
    for name, factor in factors:
        amount = amount * factor
        lines.append(f"×{factor.normalize()} {MULTIPLIER_LABELS[name]} = {_fmt(amount)}")
    return Computation(amount.quantize(TENTH, ROUND_HALF_UP), lines)


def applicable_multipliers(rules: dict, service: Service, tz: ZoneInfo) -> list[tuple[str, Decimal]]:
    m = rules["multipliers"]
    local = service.occurred_at.astimezone(tz)
    minute = local.hour * 60 + local.minute
    start, end = rules["evening_start"], rules["evening_end"]
    evening = (minute >= start or minute < end) if start > end else (start <= minute < end)
    candidates = [
        ("urgent", service.urgent),
        ("special_group", service.beneficiary_group == "special"),
        ("hardship_group", service.beneficiary_group == "hardship"),
        ("evening", evening),
        ("weekend", local.weekday() >= 5),
    ]
    return [(name, m[name]) for name, applies in candidates if applies and m[name] != 1]


def apply_cap(amount: Decimal, cap: Decimal | None, used: Decimal, label: str, lines: list[str]) -> Decimal:
    """Clip ``amount`` so ``used + amount`` stays within ``cap``; say so in the lines."""
    if cap is None:
        return amount
    room = max(Decimal("0"), cap - used)
    granted = min(amount, room)
    lines.append(f"{label}上限 {_fmt(cap)}（已得 {_fmt(used)}）: {_fmt(granted)}")
    return granted
