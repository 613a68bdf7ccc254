"""The whole API fuzzed from its own OpenAPI document (/api/v1/openapi.json) with schemathesis.

A city admin (who may reach every endpoint) calls each operation with generated input on a
world with data; no answer may be a 5xx, and every answer must match the documented schema
and status codes. Bounded and reproducible: a few examples per operation, derandomized.
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

EXAMPLES = 12


@pytest.fixture
def fuzz_app(make_app, tmp_path):
    return make_app(RATELIMIT_ENABLED=False, NEED_PHOTO_DIR=str(tmp_path / "photos"))


@pytest.fixture
def fuzz_world(fuzz_app, session, world):
    """The world plus the catalogue, the city's rules and a need, task and claim in community A."""
    from service.points.catalogue import ensure_default_catalogue
    from service.points.service import publish_rule_set
    from tests.points.conftest import CITY_RULES
    from tests.tasks.conftest import make_task

    from ..factories import make_department, make_need, make_registration, settle

    ensure_default_catalogue(session)
    from datetime import date

    publish_rule_set(session, None, area_id=world.city.id, effective_from=date(2020, 1, 1), body=CITY_RULES)
    make_registration(session, world.member_a, world.community_a, "residence")
    make_department(session, "城管")
    make_need(session, world.community_a, world.building_a)
    settle(session)
    make_task(session, world, slots=3, policy="everyone")
    session.close()  # no transaction left open: on SQLite it would hold the write lock
    return world


@pytest.fixture
def api_schema(fuzz_app, fuzz_world):
    spec = fuzz_app.test_client().get("/api/v1/openapi.json").get_json()
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_dict(spec)
    schema.app = fuzz_app
    schema.config.update(headers={"Authorization": f"Bearer {fuzz_world.tokens['city_admin']}"})
    # Valid-shaped input (the 422 paths are covered by the schema tests); our own bearer token.
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE], with_security_parameters=False, max_examples=EXAMPLES, deterministic=True
    )
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_api_survives_generated_input(case, fuzz_app, fuzz_world):
    # Revoking a token is fuzzed with a token of its own, so the city admin's stays valid.
    who = "nobody" if (case.method, case.path) == ("DELETE", "/api/v1/auth/token") else "city_admin"
    response = case.call(headers={"Authorization": f"Bearer {fuzz_world.tokens[who]}"})
    if os.environ.get("FUZZ_LOG"):
        with open(os.environ["FUZZ_LOG"], "a") as log:
            log.write(f"{case.method} {case.path} {response.status_code} {response.text[:150]}\n")
    case.validate_response(
        response, checks=[checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance]
    )
