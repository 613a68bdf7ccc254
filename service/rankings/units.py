"""Units ranked by participation, and the monthly 红黑榜 of a street or the city.

A unit's figures for a month, over its in-service party members (active, party status
``in_service``, ``unit_id`` the unit):
- participation: the share with both registrations (residence and unit side) approved
  and active at the month's end (now, for a month still running);
- residence service: the share with at least one verified residence-side service booked
  in the month (a ledger ``award`` on the residence side that has not been reversed);
- points per member: all their points booked in the month, over their number.
Units are ordered by participation, then residence service, then points per member,
then id; units without in-service members come last and are never judged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import marshmallow as ma
from sqlalchemy import case, exists, func, insert, or_, select

from ..api import LoadSchema
from ..audit.log import record
from ..errors import Forbidden, Invalid, NotFound
from ..i18n import N_
from ..periods import Period, local_day, period_containing
from ..people.models import Member
from ..people.scope import RANK, Scope
from ..places.models import Area, Unit, UnitPairing
from ..points.models import LedgerEntry
from .models import RedBlackEntry, RedBlackList, RedBlackSetting
from .standings import high_water

LIST_AREA_KINDS = ("city", "district", "street")
PUBLISHER = "street_admin"

DEFAULT_THRESHOLDS = {
    "red_participation_min": 80,  # % with both registrations, at least
    "red_residence_service_min": 50,  # % with residence-side service, at least
    "black_participation_below": 40,  # % with both registrations, below
    "min_members": 3,  # fewer in-service members than this: not judged
    "max_each": 10,  # at most this many red, and this many black
    # Days after the month's end that staff have to preview and publish by hand before
    # the scheduler publishes the list itself.
    "review_days": 2,
}


class ThresholdsSchema(LoadSchema):
    red_participation_min = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100))
    red_residence_service_min = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100))
    black_participation_below = ma.fields.Integer(validate=ma.validate.Range(min=0, max=100))
    min_members = ma.fields.Integer(validate=ma.validate.Range(min=1, max=10000))
    max_each = ma.fields.Integer(validate=ma.validate.Range(min=0, max=1000))
    review_days = ma.fields.Integer(validate=ma.validate.Range(min=0, max=27))


@dataclass
class UnitFigures:
    unit_id: int
    name: str
    members: int
    registered_both: int
    served_residence: int
    points: int  # tenths
    position: int = 0
    verdict: str | None = None

    @property
    def participation(self) -> Fraction | None:
        return Fraction(self.registered_both, self.members) if self.members else None

    @property
    def residence_share(self) -> Fraction | None:
        return Fraction(self.served_residence, self.members) if self.members else None

    @property
    def points_per_member(self) -> Fraction | None:
        return Fraction(self.points, self.members * 10) if self.members else None


def percent(share: Fraction | None) -> float | None:
    return None if share is None else round(float(share) * 100, 1)


# --- areas, thresholds -------------------------------------------------------------------


def list_area(session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(N_("区域不存在"))
    if area.kind not in LIST_AREA_KINDS:
        raise Invalid(N_("红黑榜按街道、区县或全市发布"), fields={"area_id": [N_("须为街道、区县或全市")]})
    return area


def _staff_area(session, scope: Scope, area_id: int, at_least: str | None = None) -> Area:
    area = list_area(session, area_id)
    if not scope.covers(area.path):
        raise NotFound(N_("区域不存在"))
    if at_least is not None and scope.rank_over(area.path) < RANK[at_least]:
        raise Forbidden(N_("只有街道或市级管理员可以发布红黑榜"))
    return area


def thresholds_for(session, area: Area) -> dict:
    """Defaults, overridden by each ancestor's settings, the deepest last."""
    rows = session.execute(
        select(Area.depth, RedBlackSetting.thresholds)
        .join(Area, Area.id == RedBlackSetting.area_id)
        .where(RedBlackSetting.area_id.in_(area.ancestor_ids()))
        .order_by(Area.depth)
    ).all()
    merged = dict(DEFAULT_THRESHOLDS)
    for _depth, values in rows:
        merged.update({k: v for k, v in (values or {}).items() if k in DEFAULT_THRESHOLDS})
    return merged


def set_thresholds(session, scope: Scope, area_id: int, values: dict) -> dict:
    area = _staff_area(session, scope, area_id, PUBLISHER)
    try:
        cleaned = ThresholdsSchema().load(values)
    except ma.ValidationError as error:
        raise Invalid(N_("红黑榜阈值不正确"), fields=error.messages_dict) from error
    setting = session.scalar(select(RedBlackSetting).where(RedBlackSetting.area_id == area.id))
    if setting is None:
        setting = RedBlackSetting(area_id=area.id, thresholds={})
        session.add(setting)
    setting.thresholds = dict(setting.thresholds or {}) | cleaned
    setting.updated_by_id = scope.account_id
    session.flush()
    record(session, scope.account_id, "red_black.thresholds", "area", area.id, area.path, thresholds=cleaned)
    return thresholds_for(session, area)


# --- figures -----------------------------------------------------------------------------------


def units_in(area: Area):
    """Units of an area: managed by an area in its subtree, or paired with a community in it."""
    owned = select(Area.id).where(Area.id == Unit.area_id, Area.path.startswith(area.path, autoescape=True))
    paired = (
        select(UnitPairing.id)
        .join(Area, Area.id == UnitPairing.community_id)
        .where(UnitPairing.unit_id == Unit.id, Area.path.startswith(area.path, autoescape=True))
    )
    return select(Unit.id, Unit.name).where(or_(exists(owned), exists(paired)))


def unit_figures(session, area: Area, period: Period, *, hwm: int, asof: datetime) -> list[UnitFigures]:
    """Every unit of the area with its month's figures, in ranking order (one aggregate query)."""
    from ..registration.models import Registration

    units = units_in(area).subquery("units_here")
    reg = Registration.__table__
    both = (
        select(reg.c.member_id)
        .where(
            reg.c.approved_at.is_not(None),
            reg.c.approved_at <= asof,
            or_(reg.c.ended_at.is_(None), reg.c.ended_at > asof),
        )
        .group_by(reg.c.member_id)
        .having(func.count(func.distinct(reg.c.side)) == 2)
        .subquery("registered_both")
    )
    e = LedgerEntry.__table__
    reversal = e.alias("reversal")
    in_period = [e.c.booked_at >= period.start_utc, e.c.booked_at < period.end_utc, e.c.id <= hwm]
    served = (
        select(e.c.member_id)
        .where(
            *in_period,
            e.c.kind == "award",
            e.c.side == "residence",
            ~exists(select(reversal.c.id).where(reversal.c.reverses_id == e.c.id, reversal.c.id <= hwm)),
        )
        .group_by(e.c.member_id)
        .subquery("served")
    )
    points = (
        select(e.c.member_id, func.sum(e.c.amount).label("points"))
        .where(*in_period)
        .group_by(e.c.member_id)
        .subquery("points")
    )
    m = Member.__table__
    per_member = (
        select(
            m.c.unit_id,
            m.c.id.label("member_id"),
            both.c.member_id.is_not(None).label("is_both"),
            served.c.member_id.is_not(None).label("is_served"),
            func.coalesce(points.c.points, 0).label("points"),
        )
        .select_from(
            m.outerjoin(both, both.c.member_id == m.c.id)
            .outerjoin(served, served.c.member_id == m.c.id)
            .outerjoin(points, points.c.member_id == m.c.id)
        )
        .where(m.c.party_status == "in_service", m.c.active.is_(True), m.c.unit_id.in_(select(units.c.id)))
        .subquery("per_member")
    )
    p = per_member.c
    totals = (
        select(
            p.unit_id,
            func.count().label("members"),
            func.sum(case((p.is_both, 1), else_=0)).label("both"),
            func.sum(case((p.is_served, 1), else_=0)).label("served"),
            func.sum(p.points).label("points"),
        )
        .group_by(p.unit_id)
        .subquery("unit_totals")
    )
    rows = session.execute(
        select(
            units.c.id,
            units.c.name,
            func.coalesce(totals.c.members, 0),
            func.coalesce(totals.c.both, 0),
            func.coalesce(totals.c.served, 0),
            func.coalesce(totals.c.points, 0),
        ).select_from(units.outerjoin(totals, totals.c.unit_id == units.c.id))
    ).all()
    figures = [UnitFigures(uid, name, int(n), int(b), int(s), int(pts)) for uid, name, n, b, s, pts in rows]
    return order_units(figures)


def order_units(figures: list[UnitFigures]) -> list[UnitFigures]:
    judged = sorted(
        (f for f in figures if f.members),
        # Units with members: their shares are never None.
        key=lambda f: (-(f.participation or 0), -(f.residence_share or 0), -(f.points_per_member or 0), f.unit_id),
    )
    empty = sorted((f for f in figures if not f.members), key=lambda f: f.unit_id)
    ordered = judged + empty
    for position, f in enumerate(ordered, start=1):
        f.position = position
    return ordered


def judge(figures: list[UnitFigures], thresholds: dict) -> list[UnitFigures]:
    """Mark the red and black units (figures in ranking order; shares compared exactly)."""
    t = thresholds
    eligible = [f for f in figures if f.members and f.members >= t["min_members"]]
    red = [
        f
        for f in eligible
        if (f.participation or 0) * 100 >= t["red_participation_min"]
        and (f.residence_share or 0) * 100 >= t["red_residence_service_min"]
    ]
    black = [f for f in reversed(eligible) if (f.participation or 0) * 100 < t["black_participation_below"]]
    for f in figures:
        f.verdict = None
    for f in red[: t["max_each"]]:
        f.verdict = "red"
    for f in black[: t["max_each"]]:
        if f.verdict is None:
            f.verdict = "black"
    return figures


def _checksum(figures: list[UnitFigures]) -> str:
    text = "".join(
        f"{f.position}\t{f.unit_id}\t{f.verdict or '-'}\t{f.members}\t{f.registered_both}\t"
        f"{f.served_residence}\t{f.points}\n"
        for f in figures
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RedBlackView:
    area: Area
    period: Period
    thresholds: dict
    figures: list[UnitFigures]
    published: RedBlackList | None
    hwm: int
    generated_at: datetime


def month_of(day, tz: ZoneInfo) -> Period:
    return period_containing("month", day, tz)


def participation(session, scope: Scope, area_id: int, period: Period, now: datetime) -> dict:
    """Units of an area ranked by participation for any period, live (staff over the area)."""
    area = session.get(Area, area_id)
    if area is None or not scope.covers(area.path):
        raise NotFound(N_("区域不存在"))
    figures = unit_figures(session, area, period, hwm=high_water(session), asof=min(period.end_utc, now))
    return {
        "area_id": area.id,
        "area_name": area.name,
        "period": period,
        "live": True,
        "units": [figures_dict(f) for f in figures],
    }


def preview(session, scope: Scope, area_id: int, period: Period, now: datetime) -> RedBlackView:
    """The list as it would be published now (staff over the area; nothing is stored)."""
    area = _staff_area(session, scope, area_id)
    return _compute(session, area, period, now)


def _compute(session, area: Area, period: Period, now: datetime) -> RedBlackView:
    hwm = high_water(session)
    thresholds = thresholds_for(session, area)
    figures = judge(unit_figures(session, area, period, hwm=hwm, asof=min(period.end_utc, now)), thresholds)
    existing = _existing(session, area.id, period)
    return RedBlackView(area, period, thresholds, figures, existing, hwm, now)


def _existing(session, area_id: int, period: Period) -> RedBlackList | None:
    return session.scalar(
        select(RedBlackList).where(RedBlackList.area_id == area_id, RedBlackList.period_start == period.start)
    )


def _store(session, view: RedBlackView, author_id: int | None) -> RedBlackList:
    published = RedBlackList(
        area_id=view.area.id,
        period_start=view.period.start,
        period_end=view.period.end,
        thresholds=view.thresholds,
        ledger_high_water=view.hwm,
        generated_at=view.generated_at,
        checksum=_checksum(view.figures),
        published_by_id=author_id,
    )
    session.add(published)
    session.flush()
    if view.figures:
        session.execute(
            insert(RedBlackEntry),
            [
                {
                    "list_id": published.id,
                    "position": f.position,
                    "unit_id": f.unit_id,
                    "verdict": f.verdict,
                    "members": f.members,
                    "registered_both": f.registered_both,
                    "served_residence": f.served_residence,
                    "points": f.points,
                }
                for f in view.figures
            ],
        )
    return published


def publish(session, scope: Scope | None, area_id: int, period: Period, now: datetime) -> tuple[RedBlackList, bool]:
    """Publish a month's list for an area (street/city admins, or the scheduler with scope None);
    (list, created). The same month again returns the published one."""
    area = list_area(session, area_id) if scope is None else _staff_area(session, scope, area_id, PUBLISHER)
    if period.kind != "month":
        raise Invalid(N_("红黑榜按月发布"), fields={"start": [N_("须为一个月")]})
    if period.end_utc > now:
        raise Invalid(N_("该月尚未结束，不能发布红黑榜"), fields={"start": [N_("该月尚未结束")]})
    existing = _existing(session, area.id, period)
    if existing is not None:
        return existing, False
    view = _compute(session, area, period, now)
    published = _store(session, view, scope.account_id if scope else None)
    record(
        session,
        scope.account_id if scope else None,
        "red_black.publish",
        "red_black_list",
        published.id,
        area.path,
        month=period.label,
        red=sum(f.verdict == "red" for f in view.figures),
        black=sum(f.verdict == "black" for f in view.figures),
    )
    return published, True


def get_published(session, area_id: int, period: Period) -> RedBlackList:
    area = list_area(session, area_id)
    published = _existing(session, area.id, period)
    if published is None:
        raise NotFound(N_("该月红黑榜尚未发布"), period=period.label)
    return published


def figures_of(published: RedBlackList) -> list[UnitFigures]:
    return [
        UnitFigures(
            e.unit_id, e.unit.name, e.members, e.registered_both, e.served_residence, e.points, e.position, e.verdict
        )
        for e in published.entries
    ]


def list_areas(session) -> list[Area]:
    """Where the scheduler publishes: the city and every street (districts publish by hand)."""
    return list(session.scalars(select(Area).where(Area.kind.in_(("city", "street"))).order_by(Area.path)))


def publish_due(session, now: datetime, tz: ZoneInfo, keepalive=None) -> int:
    """Publish every month's list whose review window has passed and that nobody published,
    oldest first: from the latest month published (again), or the earliest ledger entry."""
    latest = session.scalar(select(func.max(RedBlackList.period_start)))
    if latest is not None:
        month = month_of(latest, tz)
    else:
        earliest = session.scalar(select(func.min(LedgerEntry.booked_at)))
        if earliest is None:
            return 0
        month = month_of(local_day(earliest, tz), tz)
    published = 0
    areas = list_areas(session)
    waits = {area.id: thresholds_for(session, area)["review_days"] for area in areas}
    while month.end_utc <= now:
        for area in areas:
            if month.end_utc + timedelta(days=waits[area.id]) > now:
                continue
            _list, created = publish(session, None, area.id, month, now)
            session.commit()
            published += created
            if created and keepalive is not None:
                keepalive()
        month = month.next()
    return published


def figures_dict(f: UnitFigures) -> dict:
    return {
        "position": f.position,
        "unit_id": f.unit_id,
        "unit_name": f.name,
        "verdict": f.verdict,
        "members": f.members,
        "registered_both": f.registered_both,
        "served_residence": f.served_residence,
        "participation_pct": percent(f.participation),
        "residence_service_pct": percent(f.residence_share),
        "points": f.points / 10,
        "points_per_member": None if f.points_per_member is None else round(float(f.points_per_member), 1),
    }


def view_dict(
    area: Area,
    period: Period,
    thresholds: dict,
    figures: list[UnitFigures],
    *,
    published=None,
    generated_at=None,
    preview_: bool = False,
) -> dict:
    rows = [figures_dict(f) for f in figures]
    return {
        "area_id": area.id,
        "area_name": area.name,
        "period": period,
        "thresholds": thresholds,
        "preview": preview_,
        "published_id": published.id if published else None,
        "generated_at": published.generated_at if published else generated_at,
        "checksum": published.checksum if published else None,
        "red": [r for r in rows if r["verdict"] == "red"],
        "black": [r for r in rows if r["verdict"] == "black"],
        "units": rows,
    }
