"""The backend's settings: one pydantic model read from ``PROVENANT_*`` environment variables and ``.env``.

Defaults are the embedded set-up of ``make demo`` (SQLite and files in the data dir, the local chain);
``environment=production`` refuses those of them that are unsafe or cannot work across machines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import make_url

from backend.core.rate_limit import RateLimit

ENV_PREFIX = "PROVENANT_"
DEVELOPMENT_SESSION_SECRET = "development-only-session-secret-do-not-use-in-production"
MIN_SECRET_LENGTH = 32


def _seconds_if_number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


# A duration from the environment: a number of seconds ("600") or ISO 8601 ("PT10M").
Duration = Annotated[timedelta, BeforeValidator(_seconds_if_number)]


class SettingsError(ValueError):
    """The environment does not describe a usable configuration; the message says what to change."""


class Settings(BaseModel):
    """Every field ``name`` is read from ``PROVENANT_<NAME>`` (see docs/backend.md)."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    environment: Literal["development", "production"] = Field(
        "development", description="`production` refuses development defaults"
    )
    data_dir: Path = Field(Path(".data"), description="files of the embedded set-up")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty: SQLite file `provenant.db` in the data dir"
    )
    broker_url: str = Field(
        "", description="Celery broker; empty: kombu's SQLAlchemy transport on `broker.db` in the data dir"
    )
    redis_url: str | None = Field(None, description="Redis for shared rate limits; unset: in-process limits")
    redis_key_prefix: str = Field("provenant:", description="prefix of every key the backend writes to Redis")
    rpc_url: str = Field("http://127.0.0.1:8645", description="EVM JSON-RPC endpoint")
    public_rpc_url: str | None = Field(
        None, description="JSON-RPC endpoint the web app reads the chain from; unset: `rpc_url`"
    )
    manifest_path: Path | None = Field(
        None,
        validation_alias=AliasChoices("manifest_path", "manifest"),
        description="deployment manifest (env `PROVENANT_MANIFEST`, as scripts/deploy.py); "
        "unset: `deployment.json` in the data dir",
    )
    ipfs_api: str | None = Field(
        None, description="kubo RPC API multiaddr; unset: the local block store in the data dir"
    )
    siwe_domain: str = Field("localhost:8000", description="the domain sign-in messages must name")
    siwe_uri: str = Field("http://localhost:8000", description="the URI sign-in messages must name")
    chain_id: int = Field(31337, ge=1, description="the chain sign-in messages and the deployment are on")
    session_secret: SecretStr = Field(
        SecretStr(DEVELOPMENT_SESSION_SECRET), description="HMAC key for session tokens at rest"
    )
    session_ttl: Duration = Field(timedelta(hours=24), description="session lifetime (seconds or ISO 8601)")
    nonce_ttl: Duration = Field(timedelta(minutes=10), description="sign-in nonce lifetime")
    rate_limit_ip: RateLimit = Field(
        RateLimit(requests=60, period_seconds=60), description="anonymous routes, per client IP"
    )
    rate_limit_address: RateLimit = Field(
        RateLimit(requests=600, period_seconds=60), description="session routes, per signed-in address"
    )
    rate_limit_api_key: RateLimit = Field(
        RateLimit(requests=6000, period_seconds=60), description="operator routes, per API key"
    )
    max_upload_size: ByteSize = Field(
        ByteSize(100 * 1024**2), description="largest accepted upload (bytes, or e.g. `100MiB`)"
    )
    epoch_genesis: int = Field(
        1_767_225_600, ge=0, description="unix time when epoch 1 starts (default 2026-01-01T00:00:00Z)"
    )
    epoch_length: Duration = Field(timedelta(hours=1), description="length of an epoch (seconds or ISO 8601)")
    confirmations: int = Field(
        2, ge=0, description="blocks on top of a block before settlement counts it (and a receipt is final)"
    )
    prov_per_epoch: int = Field(
        1_000 * 10**18, ge=0, description="PROV (18 decimals) shared among the weight accepted in an epoch"
    )
    oracle_private_key: SecretStr | None = Field(
        None,
        description="the oracle's hot-wallet key (settles usage, commits dataset versions, submits roots)",
    )
    oracle_priority_fee_gwei: float = Field(1.0, ge=0, description="priority fee of oracle transactions")
    oracle_max_fee_gwei: float = Field(200.0, gt=0, description="cap on the oracle's max fee per gas")
    oracle_replace_after: Duration = Field(
        timedelta(minutes=2),
        description="replace an unmined oracle transaction (fees +12.5%) after this long",
    )
    index_interval: float = Field(2.0, gt=0, description="seconds between chain indexer runs (beat)")
    epoch_check_interval: float = Field(30.0, gt=0, description="seconds between checks for epochs to close")
    task_visibility_timeout: int = Field(
        300, gt=0, description="seconds before a task of a vanished worker is delivered again"
    )

    @model_validator(mode="after")
    def _fill_defaults_and_check(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'provenant.db'}"
        self.database_url = _with_psycopg_driver(self.database_url)
        if not self.broker_url:
            self.broker_url = f"sqla+sqlite:///{self.data_dir / 'broker.db'}"
        if self.manifest_path is None:
            self.manifest_path = self.data_dir / "deployment.json"
        for name in ("session_ttl", "nonce_ttl", "epoch_length", "oracle_replace_after"):
            if getattr(self, name) <= timedelta(0):
                raise PydanticCustomError(
                    "positive_duration", f"{ENV_PREFIX}{name.upper()} must be a positive duration"
                )
        if self.environment == "production":
            problems = self._production_problems()
            if problems:
                raise PydanticCustomError(
                    "insecure_settings",
                    "refusing to start in production with development defaults: " + "; ".join(problems),
                )
        return self

    def _production_problems(self) -> list[str]:
        problems = []
        secret = self.session_secret.get_secret_value()
        if secret == DEVELOPMENT_SESSION_SECRET or len(secret) < MIN_SECRET_LENGTH:
            problems.append(
                f"set PROVENANT_SESSION_SECRET to a random value of at least {MIN_SECRET_LENGTH} characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if make_url(self.database_url).get_backend_name() == "sqlite":
            problems.append("set PROVENANT_DATABASE_URL to a PostgreSQL database (SQLite is for development)")
        if self.broker_url.startswith("sqla+"):
            problems.append("set PROVENANT_BROKER_URL to a Redis broker shared by every worker")
        if not self.redis_url:
            problems.append("set PROVENANT_REDIS_URL so rate limits are shared by every API process")
        if urlsplit(self.siwe_uri).scheme != "https":
            problems.append("set PROVENANT_SIWE_URI (and PROVENANT_SIWE_DOMAIN) to the site's https origin")
        return problems

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Reads ``PROVENANT_*`` variables from ``env_file`` (if it exists), overridden by ``environ``
        (default: the process environment). Empty values count as unset. Raises ``SettingsError``."""
        values: dict[str, str | None] = {}
        if env_file is not None and env_file.is_file():
            values.update(dotenv_values(env_file))
        values.update(os.environ if environ is None else environ)
        fields = {
            name[len(ENV_PREFIX) :].lower(): value
            for name, value in values.items()
            if name.startswith(ENV_PREFIX) and value
        }
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None


def _with_psycopg_driver(url: str) -> str:
    """``postgresql://`` means psycopg2 to SQLAlchemy; this project ships psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        where = f"{ENV_PREFIX}{field.upper()}: " if field else ""
        lines.append(f"{where}{error['msg']}")
    return "invalid settings: " + "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once. A FastAPI dependency; ``create_app`` binds it to its own."""
    return Settings.from_env()
