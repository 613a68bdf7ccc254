from tests.tasks.conftest import loop  # noqa: F401  (the catalogue, rules and member A registered)
