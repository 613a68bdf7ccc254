from flask.views import MethodView
from flask_smorest import Blueprint

from ..api import page_of, paginate
from ..database import db
from ..people.auth import require_scope
from ..people.scope import MANAGE
from . import service
from .schemas import (
    AreaCreateSchema,
    AreaQuerySchema,
    AreaSchema,
    AreaUpdateSchema,
    UnitCreateSchema,
    UnitQuerySchema,
    UnitSchema,
    UnitUpdateSchema,
)

areas = Blueprint("areas", __name__, url_prefix="/api/v1/areas", description="区域树 Area tree")
units = Blueprint("units", __name__, url_prefix="/api/v1/units", description="单位 Work units")


@areas.route("")
class Areas(MethodView):
    @areas.arguments(AreaQuerySchema, location="query")
    @areas.response(200, page_of(AreaSchema))
    def get(self, args):
        scope = require_scope()
        page, per_page = args.pop("page"), args.pop("per_page")
        within_id = args.pop("within_id", None)
        within_path = service.get_area(db.session, scope, within_id).path if within_id is not None else None
        return paginate(db.session, service.list_areas(scope, within_path=within_path, **args), page, per_page)

    @areas.arguments(AreaCreateSchema)
    @areas.response(201, AreaSchema)
    def post(self, data):
        area = service.create_area(db.session, require_scope(), **data)
        db.session.commit()
        return area


@areas.route("/<int:area_id>")
class AreaItem(MethodView):
    @areas.response(200, AreaSchema)
    def get(self, area_id):
        return service.get_area(db.session, require_scope(), area_id)

    @areas.arguments(AreaUpdateSchema)
    @areas.response(200, AreaSchema)
    def patch(self, data, area_id):
        scope = require_scope()
        area = service.update_area(db.session, scope, service.get_area(db.session, scope, area_id, MANAGE), data)
        db.session.commit()
        return area


@units.route("")
class Units(MethodView):
    @units.arguments(UnitQuerySchema, location="query")
    @units.response(200, page_of(UnitSchema))
    def get(self, args):
        page, per_page = args.pop("page"), args.pop("per_page")
        return paginate(db.session, service.list_units(require_scope(), **args), page, per_page)

    @units.arguments(UnitCreateSchema)
    @units.response(201, UnitSchema)
    def post(self, data):
        unit = service.create_unit(db.session, require_scope(), **data)
        db.session.commit()
        return unit


@units.route("/<int:unit_id>")
class UnitItem(MethodView):
    @units.response(200, UnitSchema)
    def get(self, unit_id):
        return service.get_unit(db.session, require_scope(), unit_id)

    @units.arguments(UnitUpdateSchema)
    @units.response(200, UnitSchema)
    def patch(self, data, unit_id):
        scope = require_scope()
        unit = service.update_unit(db.session, scope, service.get_unit(db.session, scope, unit_id), data)
        db.session.commit()
        return unit
