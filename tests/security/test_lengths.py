"""What a form or an API body may hold fits where it is stored: each string field's length limit is
its column's, and a roster cell too long for its column is that row's error (never a DataError)."""

from __future__ import annotations

import csv

import marshmallow as ma
import pytest
from sqlalchemy import String, func, select

from service.api import LoadSchema, UpdateSchema
from service.needs import schemas as needs
from service.needs.models import Department, Need
from service.pairs import schemas as pairs
from service.pairs.models import Beneficiary, StandingPair
from service.people import schemas as people
from service.people.models import Account, Member, RoleGrant, SkillTag
from service.places import schemas as places
from service.places.models import Area, Unit
from service.points import schemas as points
from service.points.models import LedgerEntry, MemberEvaluation, RuleSet, ServiceItem
from service.registration import schemas as registration
from service.registration.models import Registration
from service.tasks import schemas as tasks
from service.tasks.models import Task

# Every schema that creates or changes a record, and the models its fields are stored in.
STORED_IN: dict[type[ma.Schema], tuple] = {
    places.AreaCreateSchema: (Area,),
    places.AreaUpdateSchema: (Area,),
    places.UnitCreateSchema: (Unit,),
    places.UnitUpdateSchema: (Unit,),
    people.MemberCreateSchema: (Member,),
    people.MemberUpdateSchema: (Member,),
    people.SkillCreateSchema: (SkillTag,),
    people.RoleGrantCreateSchema: (RoleGrant, Account),
    people.RoleGrantUpdateSchema: (RoleGrant,),
    needs.NeedCreateSchema: (Need,),
    needs.NeedAcceptSchema: (Need,),
    needs.DepartmentCreateSchema: (Department,),
    needs.DepartmentUpdateSchema: (Department,),
    tasks.TaskCreateSchema: (Task,),
    tasks.TaskUpdateSchema: (Task,),
    pairs.PairCreateSchema: (StandingPair, Beneficiary),
    points.ItemCreateSchema: (ServiceItem,),
    points.RuleSetCreateSchema: (RuleSet,),
    points.AwardRequestSchema: (LedgerEntry,),
    points.AdjustmentRequestSchema: (LedgerEntry,),
    points.EvaluationRequestSchema: (MemberEvaluation,),
    registration.RegistrationCreateSchema: (Registration,),
}
# Where a field's name is not its column's.
COLUMN_OF = {(pairs.PairCreateSchema, "resident_name"): "name", (pairs.PairCreateSchema, "resident_phone"): "phone"}
# Normalised before they are stored (spaces, dashes, +86 taken off; 11 digits checked), so the
# input may be longer than what is kept.
NORMALISED = {"phone", "resident_phone"}
# Not stored as given: the ledger's key is the caller's key with a prefix and the account.
NOT_STORED = {(points.AdjustmentRequestSchema, "idempotency_key")}
# Schemas with no string field stored in a bounded column (their text goes into Text columns).
NOTHING_BOUNDED = {points.RuleSetCreateSchema, points.AdjustmentRequestSchema, people.RoleGrantUpdateSchema}


def _load_schemas(cls=LoadSchema):
    for sub in cls.__subclasses__():
        yield sub
        yield from _load_schemas(sub)


def _limit(field: ma.fields.Field) -> int | None:
    """The longest string ``field`` lets in, or None if it lets in any length."""
    limits = [v.max for v in field.validators if isinstance(v, ma.validate.Length) and v.max is not None]
    limits += [max(len(str(c)) for c in v.choices) for v in field.validators if isinstance(v, ma.validate.OneOf)]
    return min(limits) if limits else None


def test_every_schema_that_writes_a_record_is_listed():
    writers = {s for s in _load_schemas() if s.__name__.endswith(("CreateSchema", "UpdateSchema"))}
    unlisted = writers - set(STORED_IN) - {UpdateSchema, needs.NeedPolicyUpdateSchema, pairs.RhythmUpdateSchema}
    assert not unlisted, f"say where these schemas' fields are stored: {sorted(s.__name__ for s in unlisted)}"


@pytest.mark.parametrize("schema", list(STORED_IN), ids=lambda s: s.__name__)
def test_each_string_fields_limit_is_its_columns_length(schema):
    mismatches, checked = [], 0
    for name, field in schema._declared_fields.items():
        if not isinstance(field, ma.fields.String) or (schema, name) in NOT_STORED:
            continue
        column_name = COLUMN_OF.get((schema, name), name)
        for model in STORED_IN[schema]:
            column = model.__table__.columns.get(column_name)
            if column is None or not isinstance(column.type, String) or column.type.length is None:
                continue
            checked += 1
            limit = _limit(field)
            if name in NORMALISED:
                ok = limit is not None
            elif any(isinstance(v, ma.validate.OneOf) for v in field.validators):
                ok = limit is not None and limit <= column.type.length
            else:
                ok = limit == column.type.length
            if not ok:
                mismatches.append(f"{name}: schema {limit}, {model.__tablename__}.{column_name} {column.type.length}")
    assert not mismatches, f"{schema.__name__}: " + "; ".join(mismatches)
    assert checked or schema in NOTHING_BOUNDED


def test_the_rule_catches_a_mismatch():
    class TooLong(LoadSchema):
        name = ma.fields.String(validate=ma.validate.Length(max=60))

    assert _limit(TooLong._declared_fields["name"]) == 60 != Member.__table__.c.name.type.length


# --- roster import -----------------------------------------------------------------


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_sixty_character_name_in_a_roster_is_that_rows_error(app, world, tmp_path, session):
    before = session.scalar(select(func.count()).select_from(Member))
    session.close()
    path = _write_csv(
        tmp_path / "members.csv",
        ["姓名", "手机号", "身份", "楼栋编码"],
        [["王" * 50, "13700000001", "在职党员", "T-BA"], ["李" * 60, "13700000002", "在职党员", "T-BA"]],
    )
    result = app.test_cli_runner().invoke(args=["import", "members", str(path)])
    assert result.exit_code == 1, result.output
    assert "第 3 行 [name]: 最多 50 个字符" in result.output and "第 2 行" not in result.output
    assert "nothing imported" in result.output and "DataError" not in result.output
    assert session.scalar(select(func.count()).select_from(Member)) == before


def test_over_long_area_and_unit_cells_are_row_errors(app, world, tmp_path):
    runner = app.test_cli_runner()
    areas = _write_csv(
        tmp_path / "areas.csv", ["code", "name", "kind", "parent_code"], [["X" * 33, "楼" * 101, "building", "T-CA"]]
    )
    out = runner.invoke(args=["import", "areas", str(areas)]).output
    assert "第 2 行 [code]: 最多 32 个字符" in out and "第 2 行 [name]: 最多 100 个字符" in out
    units = _write_csv(
        tmp_path / "units.csv", ["code", "name", "kind", "area_code"], [["U" * 33, "局" * 121, "机关", "T-CITY"]]
    )
    out = runner.invoke(args=["import", "units", str(units)]).output
    assert "第 2 行 [code]: 最多 32 个字符" in out and "第 2 行 [name]: 最多 120 个字符" in out
