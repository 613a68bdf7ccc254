"""What the capabilities built on people add to it, without people importing them.

People sits below registration, points, tasks and notifications, so it never imports
them. Each of those packages registers its part here when it is imported (its
``__init__.py`` imports the module that registers; ``service/models.py`` imports every
package's models, so a running app always has every part):

* ``export_section(key)``: the member's rows that package keeps, as one section of the
  personal-data export (``people/privacy.py``);
* ``member_reach``: a condition that widens which members a staff scope may see
  (``people/service.py: member_visibility``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from .models import Account
from .scope import Scope

# (session, member_id, account or None) -> the section's rows
ExportSection = Callable[[Session, int, Account | None], list[dict[str, Any]]]
# (scope, at_least) -> a condition on Member
MemberReach = Callable[[Scope, str], ColumnElement[bool]]

EXPORT_SECTIONS: dict[str, ExportSection] = {}
MEMBER_REACH: list[MemberReach] = []


def export_section(key: str) -> Callable[[ExportSection], ExportSection]:
    """Register ``collect(session, member_id, account)`` as the export's section ``key``."""

    def register(collect: ExportSection) -> ExportSection:
        EXPORT_SECTIONS[key] = collect
        return collect

    return register


def member_reach(reach: MemberReach) -> MemberReach:
    """Register ``reach(scope, at_least)``: members it matches are visible to a scope with area grants."""
    if reach not in MEMBER_REACH:
        MEMBER_REACH.append(reach)
    return reach


def plain(value: Any) -> Any:
    """A value as JSON can carry it: dates and times in ISO 8601."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows(session: Session, stmt: Select, fields: Iterable[str]) -> list[dict[str, Any]]:
    """Each row of ``stmt`` as a dict of the named attributes."""
    fields = list(fields)
    return [{f: plain(getattr(row, f)) for f in fields} for row in session.scalars(stmt)]
