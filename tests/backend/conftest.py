"""Fixtures shared by the backend tests: a real anvil chain with every contract deployed by scripts/deploy.py,
and real databases.

``dev_chain`` (session) starts anvil on a free port and deploys once; ``isolated_chain`` (per test) hands the
same chain over and reverts it to the deployment afterwards, so tests can change state freely. ``engine`` and
``session_factory`` give an empty database with every table, once on SQLite and once on PostgreSQL (started
here if it is down, never skipped).
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

import backend.models  # noqa: F401  (registers every table)
from backend.chain.client import ChainClient
from backend.core.db import Base
from backend.devchain import PROJECT_ROOT, DevChain, running_dev_chain
from tests.backend.chain_actions import Platform


def pytest_collection_finish(session: pytest.Session) -> bool | None:
    """Keeps Brownie's pytest plugin off the network when only backend tests run.

    The plugin connects to Brownie's default development network (anvil on 8545, shared with other work on
    this machine) after collection unless a collection-finish hook returns a result; backend tests bring
    their own chain, and only the contract tests need Brownie connected.
    """
    backend = PROJECT_ROOT / "tests" / "backend"
    if session.items and all(backend in Path(item.path).parents for item in session.items):
        return True
    return None


@pytest.fixture(scope="session")
def dev_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    with running_dev_chain(tmp_path_factory.mktemp("dev-chain")) as chain:
        yield chain


@pytest.fixture
def isolated_chain(dev_chain: DevChain) -> Iterator[DevChain]:
    """The session chain, put back as deployed after the test (blocks, balances, nonces, mining mode)."""
    snapshot = dev_chain.rpc("evm_snapshot")
    yield dev_chain
    dev_chain.rpc("evm_setAutomine", True)
    dev_chain.rpc("anvil_dropAllTransactions")
    dev_chain.rpc("evm_revert", snapshot)


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


@pytest.fixture
def client(isolated_chain: DevChain) -> ChainClient:
    return ChainClient(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)


@pytest.fixture
def platform(client: ChainClient, isolated_chain: DevChain) -> Platform:
    return Platform(client=client, chain=isolated_chain)
