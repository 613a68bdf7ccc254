import pytest
from flask_babel import refresh

from tests.factories import ApiClient
from tests.tasks.conftest import loop, make_task  # noqa: F401  (the claims loop: catalogue, rules, member A registered)


class FreshApiClient(ApiClient):
    """Each request chooses its language afresh. The tests share one application context,
    where Flask-Babel keeps the first request's choice; in production every request has its own."""

    def as_(self, role):
        return FreshApiClient(self.client, self.world, role)

    def _headers(self, headers=None):
        refresh()
        return super()._headers(headers)


@pytest.fixture
def api(client, world):
    return FreshApiClient(client, world)
