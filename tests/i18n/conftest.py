from tests.tasks.conftest import loop, make_task  # noqa: F401  (the claims loop: catalogue, rules, member A registered)
