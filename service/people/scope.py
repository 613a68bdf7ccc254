"""What an account may see and change: the union of its live role grants.

A grant on an area covers that area's whole subtree. Service functions take a
``Scope`` (never the request), so jobs, CLI commands and tests use them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..database import subtree_condition
from ..places.models import Area
from .models import AREA_ROLES, Account, RoleGrant

RANK = {role: i + 1 for i, role in enumerate(AREA_ROLES)}
READ = "grid_worker"
MANAGE = "community_admin"


@dataclass(frozen=True)
class AreaGrant:
    role: str
    area_id: int
    path: str
    kind: str


@dataclass(frozen=True)
class Scope:
    account_id: int | None
    member_id: int | None = None
    area_grants: tuple[AreaGrant, ...] = ()
    unit_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return bool(self.area_grants or self.unit_ids)

    @property
    def is_city_admin(self) -> bool:
        return any(g.role == "city_admin" for g in self.area_grants)

    def paths(self, at_least: str = READ) -> list[str]:
        """Roots of the subtrees where this scope holds ``at_least`` (nested ones folded)."""
        wanted = RANK[at_least]
        paths = sorted({g.path for g in self.area_grants if RANK[g.role] >= wanted})
        roots: list[str] = []
        for p in paths:
            if not any(p.startswith(r) for r in roots):
                roots.append(p)
        return roots

    def covers(self, path: str | None, at_least: str = READ) -> bool:
        return path is not None and any(path.startswith(p) for p in self.paths(at_least))

    def rank_over(self, path: str) -> int:
        """The highest area role this scope holds over ``path`` (0 if none)."""
        return max((RANK[g.role] for g in self.area_grants if path.startswith(g.path)), default=0)

    def within(self, path_column, at_least: str = READ):
        return subtree_condition(path_column, self.paths(at_least))

    def roles(self) -> set[str]:
        roles = {g.role for g in self.area_grants}
        if self.unit_ids:
            roles.add("unit_admin")
        if self.member_id:
            roles.add("member")
        return roles


ANONYMOUS = Scope(account_id=None)


GRANT_COLUMNS = (RoleGrant.role, RoleGrant.area_id, RoleGrant.unit_id, Area.path, Area.kind)


def scope_for(session, account: Account | None) -> Scope:
    if account is None or not account.active:
        return ANONYMOUS
    rows = session.execute(
        select(*GRANT_COLUMNS)
        .outerjoin(Area, Area.id == RoleGrant.area_id)
        .where(RoleGrant.account_id == account.id, RoleGrant.revoked_at.is_(None))
    ).all()
    return scope_of_grants(account, rows)


def scope_of_grants(account: Account, rows) -> Scope:
    """A scope from (role, area id, unit id, area path, area kind) rows; rows of None are skipped."""
    area_grants = tuple(
        AreaGrant(role, area_id, path, kind) for role, area_id, unit_id, path, kind in rows if area_id is not None
    )
    unit_ids = frozenset(unit_id for role, _a, unit_id, _p, _k in rows if role == "unit_admin" and unit_id)
    return Scope(account.id, account.member_id, area_grants, unit_ids)
