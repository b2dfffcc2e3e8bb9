"""Fixtures for the chain tests: a client on the isolated chain, both databases, platform actions."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine

import backend.models  # noqa: F401  (registers the tables created below)
from backend.chain.client import ChainClient
from backend.core.db import Base
from tests.backend.chain_actions import Platform
from tests.backend.dev_chain import DevChain

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"
TEST_DATABASE = "provenant_chain_test"


def _postgres_test_database() -> str:
    """Starts the machine's PostgreSQL if it is down and creates this package's test database."""
    try:
        admin = psycopg.connect(f"{POSTGRES} dbname=test", autocommit=True)
    except psycopg.OperationalError:
        version = os.listdir("/etc/postgresql")[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True)
        admin = psycopg.connect(f"{POSTGRES} dbname=test", autocommit=True)
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEST_DATABASE,)).fetchone()
        if exists is None:
            admin.execute(f'CREATE DATABASE "{TEST_DATABASE}" TEMPLATE template0')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{TEST_DATABASE}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _postgres_test_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database with the backend's tables, on each of the two supported engines."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'backend.db'}")
    else:
        engine = create_engine(request.getfixturevalue("postgres_url"))
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def client(isolated_chain: DevChain) -> ChainClient:
    return ChainClient(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)


@pytest.fixture
def platform(client: ChainClient, isolated_chain: DevChain) -> Platform:
    return Platform(client=client, chain=isolated_chain)
