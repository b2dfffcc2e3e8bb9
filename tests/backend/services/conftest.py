"""Database fixtures: every service test runs on SQLite and on PostgreSQL (started here if it is down)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import Base
from backend.devchain import running_anvil

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _ensure_postgres_running() -> None:
    probe = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True)
    if probe.returncode == 0:
        return
    clusters = sorted(Path("/etc/postgresql").iterdir())
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1].name, "main", "start"], check=True
    )
    subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "30"], check=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    _ensure_postgres_running()
    name = f"provenant_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_engine(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql":
        yield from _fresh_engine(request.getfixturevalue("postgres_url"))
    else:
        yield from _fresh_engine(f"sqlite:///{tmp_path}/test.db")


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
def postgres_session_factory(postgres_url: str) -> Iterator[sessionmaker[Session]]:
    """For behaviour only PostgreSQL has (row locks)."""
    for engine in _fresh_engine(postgres_url):
        yield sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(scope="module")
def anvil() -> Iterator[Web3]:
    """A private anvil node on a free port, for tests that follow a chain."""
    with running_anvil(extra_args=("--block-base-fee-per-gas", "0")) as web3:
        yield web3
