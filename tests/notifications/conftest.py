from tests.needs.conftest import needs_world, sms  # noqa: F401  (fixtures)
from tests.tasks.conftest import loop  # noqa: F401  (fixture)
