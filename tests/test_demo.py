from sqlalchemy import func, select

from service.people.models import Account, Member
from service.places.models import Area, Unit


def test_demo_city_has_the_promised_shape_and_working_logins(app, session):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "13800000006 / demo-2026 / member" in result.output
    count = lambda q: session.scalar(select(func.count()).select_from(Area).where(Area.kind == q))
    assert count("district") == 1 and count("street") == 2 and count("community") == 6
    assert 48 <= count("compound") + count("grid") <= 72 and 400 <= count("building") <= 900
    assert session.scalar(select(func.count()).select_from(Unit)) == 40
    members = session.scalar(select(func.count()).select_from(Member))
    assert 2900 <= members <= 3001
    statuses = set(session.scalars(select(Member.party_status).distinct()))
    assert statuses == {"in_service", "retired", "floating", "non_party", "new_employment"}
    session.rollback()
    client = app.test_client()
    for phone in ("13800000001", "13800000003", "13800000005", "13800000006"):
        assert client.post("/api/v1/auth/token", json={"phone": phone, "password": "demo-2026"}).status_code == 201
    again = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert session.scalar(select(func.count()).select_from(Account)) == 6


def test_demo_data_is_deterministic(app, session):
    from service.demo.build import build_all

    def names():
        build_all(session, scale="demo", seed=7, hash_params={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
        result = list(session.scalars(select(Member.name).order_by(Member.id).limit(200)))
        session.rollback()
        return result

    assert names() == names()
