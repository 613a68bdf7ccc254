import marshmallow as ma

from ..api import DumpSchema, LoadSchema, PageArgs, UpdateSchema, text
from .models import AREA_KINDS, UNIT_KINDS


class AreaSchema(DumpSchema):
    id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    name = ma.fields.String()
    code = ma.fields.String(allow_none=True)
    path = ma.fields.String()
    depth = ma.fields.Integer()
    households = ma.fields.Integer(allow_none=True)


class AreaCreateSchema(LoadSchema):
    parent_id = ma.fields.Integer(required=True, strict=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(AREA_KINDS))
    name = text(100)
    code = ma.fields.String(validate=ma.validate.Length(max=32), allow_none=True)
    households = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=100000), allow_none=True)


class AreaUpdateSchema(UpdateSchema):
    name = text(100, required=False)
    code = ma.fields.String(validate=ma.validate.Length(max=32), allow_none=True)
    households = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=100000), allow_none=True)


class AreaQuerySchema(PageArgs):
    parent_id = ma.fields.Integer()
    kind = ma.fields.String(validate=ma.validate.OneOf(AREA_KINDS))
    within_id = ma.fields.Integer(metadata={"description": "only this area's subtree"})
    q = ma.fields.String(validate=ma.validate.Length(max=50))


class UnitSchema(DumpSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    code = ma.fields.String(allow_none=True)
    kind = ma.fields.String()
    area_id = ma.fields.Integer()
    community_ids = ma.fields.List(ma.fields.Integer())


class UnitCreateSchema(LoadSchema):
    name = text(120)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(UNIT_KINDS))
    area_id = ma.fields.Integer(required=True, strict=True)
    code = ma.fields.String(validate=ma.validate.Length(max=32), allow_none=True)
    community_ids = ma.fields.List(
        ma.fields.Integer(strict=True), load_default=list, validate=ma.validate.Length(max=50)
    )


class UnitUpdateSchema(UpdateSchema):
    name = text(120, required=False)
    kind = ma.fields.String(validate=ma.validate.OneOf(UNIT_KINDS))
    code = ma.fields.String(validate=ma.validate.Length(max=32), allow_none=True)
    community_ids = ma.fields.List(ma.fields.Integer(strict=True), validate=ma.validate.Length(max=50))


class UnitQuerySchema(PageArgs):
    kind = ma.fields.String(validate=ma.validate.OneOf(UNIT_KINDS))
    community_id = ma.fields.Integer()
    q = ma.fields.String(validate=ma.validate.Length(max=50))
