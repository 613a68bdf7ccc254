import pytest
from flask import has_app_context

from service.database import db

from service.notifications import service as notifications
from service.points.catalogue import ensure_default_catalogue
from tests.factories import make_area, make_department, settle


@pytest.fixture
def app(make_app, tmp_path):
    """Photos go to the test's folder; the public door's limit is out of the way unless a test sets it."""
    return make_app(NEED_FORM_LIMIT="1000 per minute", NEED_PHOTO_DIR=str(tmp_path / "photos"))


class Outbox:
    """The SMS gateway: what residents receive once the outbox job has run (``sent`` and
    ``to`` run it first)."""

    def __init__(self, app):
        self.app = app
        self.received: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.received.append((phone, text))

    def deliver(self) -> None:
        if has_app_context():  # the test's own session (the job commits, ending its transaction)
            notifications.deliver_outbox(db.session)
            return
        with self.app.app_context():
            try:
                notifications.deliver_outbox(db.session)
            finally:
                db.session.remove()

    @property
    def sent(self) -> list[tuple[str, str]]:
        self.deliver()
        return self.received

    def to(self, phone: str) -> list[str]:
        return [text for p, text in self.sent if p == phone]


@pytest.fixture
def sms(app):
    outbox = Outbox(app)
    notifications.set_sender(outbox)
    yield outbox
    notifications.set_sender(notifications.LoggingSender())


@pytest.fixture
def needs_world(session, world):
    """The world plus the catalogue, a compound with a building in community A, and two departments."""
    ensure_default_catalogue(session)
    compound = make_area(session, "compound", "金山花园", world.community_a)
    building = make_area(session, "building", "金山花园3栋", compound)
    world.compound_a = compound
    world.compound_building_a = building
    world.departments = [make_department(session, "城管", 5), make_department(session, "物业", 3)]
    settle(session)
    return world


def public_need(world, **overrides) -> dict:
    body = {
        "community_id": world.community_a.id,
        "place_id": world.building_a.id,
        "category": "everyday_help",
        "description": "楼道灯坏了，晚上看不见",
        "resident_name": "王秀英",
        "resident_phone": "13912345678",
    }
    body.update(overrides)
    return body
