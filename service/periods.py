"""Calendar periods (week, month, quarter, year) in the configured time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, UTC
from zoneinfo import ZoneInfo

PERIOD_KINDS = ("week", "month", "quarter", "year")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local day
    end: date  # first local day of the next period
    tz: ZoneInfo

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), self.tz).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(), self.tz).astimezone(UTC)

    @property
    def label(self) -> str:
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def next(self) -> Period:
        return period_containing(self.kind, self.end, self.tz)

    def previous(self) -> Period:
        return period_containing(self.kind, self.start - timedelta(days=1), self.tz)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(kind: str, day: date, tz: ZoneInfo) -> Period:
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=7), tz)
    if kind == "month":
        start = day.replace(day=1)
        return Period(kind, start, _add_months(start, 1), tz)
    if kind == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, start, _add_months(start, 3), tz)
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year + 1, 1, 1), tz)
    raise ValueError(f"unknown period kind {kind!r}")


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def day_bounds_utc(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tz)
    end = datetime.combine(day + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def app_timezone() -> ZoneInfo:
    """The configured zone (needs an app context: requests, CLI commands and jobs all have one)."""
    from flask import current_app

    return ZoneInfo(current_app.config["TIMEZONE"])


def today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()
