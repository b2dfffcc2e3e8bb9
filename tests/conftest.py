"""Fixtures shared by the backend and worker tests: a real anvil chain with every contract deployed by scripts/deploy.py,
and real databases.

``dev_chain`` (session) starts anvil on a free port and deploys once; ``isolated_chain`` (per test) hands the
same chain over and reverts it to the deployment afterwards, so tests can change state freely. ``engine`` and
``session_factory`` give an empty database with every table, once on SQLite and once on PostgreSQL (started
here if it is down, never skipped).

The API tests take ``api`` (or ``make_api``): an HTTP client of the app served by uvicorn, on a database
migrated by Alembic (SQLite and PostgreSQL, one per session, emptied after each test). Redis is the
machine's, started here if it is down; each test writes under a key prefix of its own.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

import backend.models  # noqa: F401  (registers every table)
from backend.chain.client import ChainClient
from backend.core.db import Base, create_db_engine, upgrade_database
from backend.core.rate_limit import RateLimit
from backend.core.settings import Settings
from backend.devchain import PROJECT_ROOT, DevChain, running_dev_chain
from backend.main import create_app
from backend.models import Asset
from backend.services.indexer import indexer_for
from tests.backend.chain_actions import Platform


def pytest_collection_finish(session: pytest.Session) -> bool | None:
    """Keeps Brownie's pytest plugin off the network when no contract test runs.

    The plugin connects to Brownie's default development network (it launches anvil on 8545) after collection
    unless a collection-finish hook returns a result; the backend and worker tests bring their own chain, and
    only the contract tests (tests/contracts) need Brownie connected.
    """
    contracts = PROJECT_ROOT / "tests" / "contracts"
    if session.items and not any(contracts in Path(item.path).parents for item in session.items):
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
def index(client: ChainClient, app_engine: Engine) -> Callable[[], None]:
    """``index()``: runs the chain indexer up to the chain's head into the app's database."""

    def run() -> None:
        with Session(app_engine) as session:
            indexer_for(web3=client.w3, manifest=client.manifest).sync(session=session)

    return run


@pytest.fixture
def platform(client: ChainClient, isolated_chain: DevChain) -> Platform:
    return Platform(client=client, chain=isolated_chain)


REDIS_URL = "redis://127.0.0.1:6379/0"
START_REDIS = (
    "redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no "
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
# High enough that no test trips a limit by accident; rate-limit tests set their own.
GENEROUS = RateLimit(requests=10_000, period_seconds=60)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis, started if it is down."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        subprocess.run(START_REDIS, shell=True, check=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def new_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """Makes empty databases: ``new_database("sqlite" | "postgresql")`` returns the URL of a new one.
    PostgreSQL ones are dropped at the end of the session."""
    _ensure_postgres_running()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make(kind: str) -> str:
        name = f"provenant_test_{uuid.uuid4().hex[:12]}"
        if kind == "sqlite":
            created.append("")
            return f"sqlite:///{tmp_path_factory.mktemp('db') / f'{name}.db'}"
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    yield make
    with admin.connect() as connection:
        for name in filter(None, created):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated_database_url(request: pytest.FixtureRequest, new_database: Callable[[str], str]) -> str:
    """One database per kind for the session, migrated to the latest revision."""
    url = new_database(request.param)
    engine = create_db_engine(url)
    upgrade_database(engine)
    engine.dispose()
    return url


@pytest.fixture
def app_engine(migrated_database_url: str) -> Iterator[Engine]:
    """An engine on the test database; every table is emptied after the test."""
    engine = create_db_engine(migrated_database_url)
    yield engine
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def make_settings(app_engine: Engine, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "database_url": app_engine.url.render_as_string(hide_password=False),
            "rate_limit_ip": GENEROUS,
            "rate_limit_address": GENEROUS,
            "rate_limit_api_key": GENEROUS,
        }
        return Settings(**(values | overrides))

    return make


@contextmanager
def _serve(app: FastAPI) -> Iterator[str]:
    """Serves ``app`` with uvicorn in a thread (which leaves signals alone) on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws="none"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the API server did not start")
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def api_spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OpenAPI document every app built by ``create_app`` serves (generated once: it takes a while)."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("spec"))).openapi()


@pytest.fixture
def make_api(
    make_settings: Callable[..., Settings], api_spec: dict[str, Any]
) -> Iterator[Callable[..., httpx.Client]]:
    """``make_api(configure=None, **settings)``: an HTTP client of a new app served by uvicorn
    (``configure(app)`` runs first). After the test, every (route, status) the app answered must be
    declared in its OpenAPI document."""
    with ExitStack() as stack:
        apps: list[FastAPI] = []

        def make(configure: Callable[[FastAPI], None] | None = None, **overrides: Any) -> httpx.Client:
            app = create_app(make_settings(**overrides))
            if configure is not None:
                configure(app)
            apps.append(app)
            base_url = stack.enter_context(_serve(app))
            return stack.enter_context(httpx.Client(base_url=base_url, timeout=30))

        yield make
    for app in apps:
        _assert_answers_declared(app, api_spec)


def _assert_answers_declared(app: FastAPI, spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for metric in app.state.metrics.requests.collect():
        for sample in metric.samples:
            if not sample.name.endswith("_total"):
                continue
            route, method, status = sample.labels["route"], sample.labels["method"], sample.labels["status"]
            operation = paths.get(route, {}).get(method.lower())
            if operation is not None:
                assert status in operation["responses"], f"{method} {route} answered {status}, undeclared"


@pytest.fixture
def api(make_api: Callable[..., httpx.Client]) -> httpx.Client:
    """An HTTP client of the app with the test settings."""
    return make_api()


def _siwe_text(
    address: str,
    nonce: str,
    *,
    domain: str = "localhost:8000",
    uri: str = "http://localhost:8000",
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expiration_time: datetime | None = None,
    not_before: datetime | None = None,
) -> str:
    """An EIP-4361 message, as a wallet would show it (defaults: the development settings)."""

    def stamp(moment: datetime) -> str:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    lines = [
        f"{domain} wants you to sign in with your Ethereum account:",
        address,
        "",
        "Sign in to Provenant.",
        "",
        f"URI: {uri}",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {stamp(issued_at or datetime.now(UTC))}",
    ]
    if expiration_time is not None:
        lines.append(f"Expiration Time: {stamp(expiration_time)}")
    if not_before is not None:
        lines.append(f"Not Before: {stamp(not_before)}")
    return "\n".join(lines)


def _sign(account: LocalAccount, message: str) -> str:
    return account.sign_message(encode_defunct(text=message)).signature.to_0x_hex()


@pytest.fixture
def siwe_text() -> Callable[..., str]:
    """``siwe_text(address, nonce, **fields)``: an EIP-4361 message (defaults: the development settings)."""
    return _siwe_text


@pytest.fixture
def sign() -> Callable[[LocalAccount, str], str]:
    """``sign(account, message)``: the account's EIP-191 signature of the message, as a wallet makes it."""
    return _sign


@pytest.fixture
def sign_in() -> Callable[..., dict[str, str]]:
    """``sign_in(api, account=None)``: signs in through the API; returns the Authorization header."""

    def login(api: httpx.Client, account: LocalAccount | None = None) -> dict[str, str]:
        account = account or Account.create()
        nonce = api.get("/v1/auth/nonce").json()["nonce"]
        message = _siwe_text(account.address, nonce)
        response = api.post("/v1/auth/login", json={"message": message, "signature": _sign(account, message)})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return login


@pytest.fixture
def sign_in_owner(
    sign_in: Callable[..., dict[str, str]], app_engine: Engine
) -> Callable[..., dict[str, str]]:
    """``sign_in_owner(api, *model_ids, account=None)``: signs in an account that owns those models, as the
    indexer's projection of the asset registry records them (usage keys are only for a model's owner)."""

    def login(api: httpx.Client, *model_ids: int, account: LocalAccount | None = None) -> dict[str, str]:
        account = account or Account.create()
        with Session(app_engine) as session:
            for model_id in model_ids:
                session.add(
                    Asset(
                        id=model_id,
                        kind="model",
                        owner=account.address,
                        manifest_cid="Qm",
                        registered_block=1,
                    )
                )
            session.commit()
        return sign_in(api, account)

    return login


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A Redis key prefix for one test; its keys are deleted afterwards."""
    prefix = f"provenant-test-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()
