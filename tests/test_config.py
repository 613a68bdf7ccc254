import pytest

from config import Config, normalise_database_url


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = Config.from_env({}, tmp_path)["SECRET_KEY"]
    second = Config.from_env({}, tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert Config.from_env({"SECRET_KEY": "from-env"}, tmp_path)["SECRET_KEY"] == "from-env"


def test_defaults_and_environment(tmp_path):
    settings = Config.from_env({}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'service.db'}"
    assert settings["TIMEZONE"] == "Asia/Shanghai" and settings["REDIS_URL"] is None
    settings = Config.from_env(
        {"DATABASE_URL": "postgresql://u@h/db", "TIMEZONE": "Asia/Urumqi", "REDIS_URL": "redis://127.0.0.1:6379/0"},
        tmp_path,
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["TIMEZONE"] == "Asia/Urumqi" and settings["RATELIMIT_STORAGE_URI"].startswith("redis://")


def test_postgres_random_page_cost_from_the_environment(tmp_path):
    assert Config.from_env({}, tmp_path)["POSTGRES_RANDOM_PAGE_COST"] == 1.1
    assert Config.from_env({"POSTGRES_RANDOM_PAGE_COST": "2"}, tmp_path)["POSTGRES_RANDOM_PAGE_COST"] == 2.0
    assert Config.from_env({"POSTGRES_RANDOM_PAGE_COST": "server"}, tmp_path)["POSTGRES_RANDOM_PAGE_COST"] is None
    with pytest.raises(ValueError, match="POSTGRES_RANDOM_PAGE_COST"):
        Config.from_env({"POSTGRES_RANDOM_PAGE_COST": "cheap"}, tmp_path)


def test_public_page_seconds_from_the_environment(tmp_path):
    assert Config.from_env({}, tmp_path)["PUBLIC_PAGE_SECONDS"] == 30
    assert Config.from_env({"PUBLIC_PAGE_SECONDS": "0"}, tmp_path)["PUBLIC_PAGE_SECONDS"] == 0
    for wrong in ("soon", "-5", "86400"):
        with pytest.raises(ValueError, match="PUBLIC_PAGE_SECONDS"):
            Config.from_env({"PUBLIC_PAGE_SECONDS": wrong}, tmp_path)


def test_normalise_database_url():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"
