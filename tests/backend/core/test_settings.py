"""Settings from the environment and .env, and the refusal of development defaults in production."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from backend.core.rate_limit import RateLimit
from backend.core.settings import Settings, SettingsError, get_settings

PRODUCTION = {
    "PROVENANT_ENVIRONMENT": "production",
    "PROVENANT_SESSION_SECRET": "s" * 40,
    "PROVENANT_DATABASE_URL": "postgresql://provenant@db.internal/provenant",
    "PROVENANT_BROKER_URL": "redis://redis.internal:6379/1",
    "PROVENANT_REDIS_URL": "redis://redis.internal:6379/0",
    "PROVENANT_SIWE_DOMAIN": "provenant.example",
    "PROVENANT_SIWE_URI": "https://provenant.example",
}


def test_from_env_defaults_embedded_setup_in_data_dir() -> None:
    settings = Settings.from_env({"PROVENANT_DATA_DIR": "/srv/provenant"}, env_file=None)

    assert settings.environment == "development"
    assert settings.database_url == "sqlite:////srv/provenant/provenant.db"
    assert settings.broker_url == "sqla+sqlite:////srv/provenant/broker.db"
    assert settings.manifest_path == Path("/srv/provenant/deployment.json")
    assert settings.redis_url is None
    assert settings.rate_limit_ip == RateLimit(requests=60, period_seconds=60)


def test_from_env_parses_each_kind_of_value() -> None:
    settings = Settings.from_env(
        {
            "PROVENANT_SESSION_TTL": "3600",
            "PROVENANT_NONCE_TTL": "PT5M",
            "PROVENANT_RATE_LIMIT_ADDRESS": "100/hour",
            "PROVENANT_MAX_UPLOAD_SIZE": "10MiB",
            "PROVENANT_CHAIN_ID": "8453",
            "PROVENANT_MANIFEST": "deployments/8453.json",  # the variable scripts/deploy.py writes to
            "PROVENANT_REDIS_URL": "",  # empty counts as unset
            "UNRELATED": "ignored",
        },
        env_file=None,
    )

    assert settings.session_ttl == timedelta(hours=1)
    assert settings.nonce_ttl == timedelta(minutes=5)
    assert settings.rate_limit_address == RateLimit(requests=100, period_seconds=3600)
    assert settings.max_upload_size == 10 * 1024**2
    assert settings.chain_id == 8453
    assert settings.manifest_path == Path("deployments/8453.json")
    assert settings.redis_url is None


def test_from_env_postgresql_url_uses_psycopg3() -> None:
    settings = Settings.from_env({"PROVENANT_DATABASE_URL": "postgresql://u:p%40ss@h:5432/db"}, env_file=None)

    assert settings.database_url == "postgresql+psycopg://u:p%40ss@h:5432/db"


def test_from_env_environment_overrides_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PROVENANT_CHAIN_ID=10\nPROVENANT_SIWE_DOMAIN=from-file.example\n")

    settings = Settings.from_env({"PROVENANT_CHAIN_ID": "8453"}, env_file=env_file)

    assert settings.chain_id == 8453
    assert settings.siwe_domain == "from-file.example"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "PROVENANT_RATE_LIMIT_IP",
            "60 per minute",
            "PROVENANT_RATE_LIMIT_IP: '60 per minute' is not a rate limit",
        ),
        ("PROVENANT_SESSION_TTL", "soon", "PROVENANT_SESSION_TTL: Input should be a valid timedelta"),
        ("PROVENANT_NONCE_TTL", "0", "PROVENANT_NONCE_TTL must be a positive duration"),
        (
            "PROVENANT_ENVIRONMENT",
            "staging",
            "PROVENANT_ENVIRONMENT: Input should be 'development' or 'production'",
        ),
        ("PROVENANT_CHAIN_ID", "0", "PROVENANT_CHAIN_ID: Input should be greater than or equal to 1"),
    ],
)
def test_from_env_bad_value_names_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=r"^invalid settings: ") as raised:
        Settings.from_env({variable: value}, env_file=None)

    assert message in str(raised.value)


def test_from_env_production_accepts_production_services() -> None:
    settings = Settings.from_env(PRODUCTION, env_file=None)

    assert settings.environment == "production"


@pytest.mark.parametrize(
    ("unset", "value", "fix"),
    [
        ("PROVENANT_SESSION_SECRET", None, "set PROVENANT_SESSION_SECRET"),
        ("PROVENANT_SESSION_SECRET", "too-short", "set PROVENANT_SESSION_SECRET"),
        ("PROVENANT_DATABASE_URL", None, "set PROVENANT_DATABASE_URL to a PostgreSQL database"),
        (
            "PROVENANT_DATABASE_URL",
            "sqlite:////srv/p.db",
            "set PROVENANT_DATABASE_URL to a PostgreSQL database",
        ),
        ("PROVENANT_BROKER_URL", None, "set PROVENANT_BROKER_URL"),
        ("PROVENANT_REDIS_URL", None, "set PROVENANT_REDIS_URL"),
        ("PROVENANT_SIWE_URI", "http://provenant.example", "set PROVENANT_SIWE_URI"),
    ],
)
def test_from_env_production_refuses_development_default(unset: str, value: str | None, fix: str) -> None:
    environ = {name: v for name, v in PRODUCTION.items() if name != unset}
    if value is not None:
        environ[unset] = value

    with pytest.raises(SettingsError, match="refusing to start in production") as raised:
        Settings.from_env(environ, env_file=None)

    assert fix in str(raised.value)


def test_from_env_production_lists_every_problem_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PROVENANT_ENVIRONMENT": "production"}, env_file=None)

    assert str(raised.value).count("; set ") == 4  # five problems, one message


def test_get_settings_reads_environment_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("PROVENANT_CHAIN_ID", "10")
    get_settings.cache_clear()
    try:
        first = get_settings()
        monkeypatch.setenv("PROVENANT_CHAIN_ID", "11")

        assert first.chain_id == 10
        assert get_settings() is first
    finally:
        get_settings.cache_clear()
