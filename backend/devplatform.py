"""The whole platform on one machine, for `make demo` and the browser tests: ``running_platform(...)``.

It starts anvil (mining a block every second, its state kept in the data dir), deploys the contracts the
first time (a later start on the same data dir finds them and resumes with the same data), migrates the
database, runs the API, a Celery worker and beat as subprocesses (logs in ``<data dir>/logs``), seeds the
demo world once (backend/devworld.py; remembered in ``<data dir>/world.json``), and on exit stops the
services, then anvil, so the chain's state is saved last.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from web3 import HTTPProvider, Web3

from backend.core.db import create_db_engine, upgrade_database
from backend.core.settings import Settings
from backend.devchain import ORACLE, PROJECT_ROOT, deploy_platform, dev_keys, launch_anvil, stop_anvil
from backend.devworld import DemoWorld, seed_world
from backend.storage import content_store

STARTUP_TIMEOUT = 120.0  # seconds for anvil or the API to answer
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class RunningPlatform:
    data_dir: Path
    rpc_url: str
    api_url: str  # the API serves the web app at / once frontend/dist exists
    manifest_path: Path
    manifest: dict[str, Any]  # the deployment manifest
    world: DemoWorld | None  # what was seeded; None when started with seed=False on a new data dir


@contextmanager
def running_platform(
    *,
    data_dir: Path,
    chain_port: int,
    api_port: int,
    epoch_length: int = 120,
    broker_url: str | None = None,
    database_url: str | None = None,
    seed: bool = True,
) -> Iterator[RunningPlatform]:
    """Runs the platform on ``data_dir`` until the block exits. ``database_url`` (default: SQLite in the data
    dir) and ``broker_url`` (default: the embedded SQLite broker) point at PostgreSQL and Redis instead."""
    data_dir = data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    rpc_url, api_url = f"http://127.0.0.1:{chain_port}", f"http://127.0.0.1:{api_port}"
    chain = _start_chain(data_dir, chain_port, logs)
    services: list[subprocess.Popen[bytes]] = []
    try:
        epoch_clock = (_epoch_genesis(data_dir), epoch_length)
        manifest_path = _deploy_once(data_dir, chain_port, rpc_url, epoch_clock)
        manifest = json.loads(manifest_path.read_text())
        env = _environment(
            data_dir=data_dir,
            rpc_url=rpc_url,
            api_url=api_url,
            manifest=manifest,
            epoch_clock=epoch_clock,
            database_url=database_url,
            broker_url=broker_url,
        )
        settings = Settings.from_env(env, env_file=PROJECT_ROOT / ".env")
        engine = create_db_engine(settings.database_url)
        try:
            upgrade_database(engine)
        finally:
            engine.dispose()
        services = _start_services(env, data_dir, api_port, logs)
        _wait_until_healthy(api_url, services, logs)
        world = _seed_once(
            data_dir=data_dir,
            rpc_url=rpc_url,
            manifest_path=manifest_path,
            api_url=api_url,
            settings=settings,
            seed=seed,
        )
        yield RunningPlatform(
            data_dir=data_dir,
            rpc_url=rpc_url,
            api_url=api_url,
            manifest_path=manifest_path,
            manifest=manifest,
            world=world,
        )
    finally:
        _stop_services(services)
        stop_anvil(chain, signal.SIGINT)  # anvil writes its --state file on SIGINT


def _start_chain(data_dir: Path, port: int, logs: Path) -> subprocess.Popen[bytes]:
    process = launch_anvil(
        port,
        logs / "anvil.log",
        *("--state", str(data_dir / "anvil-state.json"), "--state-interval", "5"),
        # Blocks keep coming when nobody transacts, so settlement's confirmation depth is reached.
        *("--block-time", "1"),
    )
    w3 = Web3(HTTPProvider(f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not w3.is_connected():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                stop_anvil(process)
            raise RuntimeError(
                f"anvil did not start on port {port} (is it in use?): {_tail(logs / 'anvil.log')}"
            )
        time.sleep(0.1)
    return process


def _epoch_genesis(data_dir: Path) -> int:
    """Epoch 1 starts at the first run; later runs keep counting from it."""
    genesis_file = data_dir / "epoch-genesis"
    if not genesis_file.exists():
        genesis_file.write_text(str(int(time.time())))
    return int(genesis_file.read_text().strip())


def _deploy_once(data_dir: Path, chain_port: int, rpc_url: str, epoch_clock: tuple[int, int]) -> Path:
    """The manifest of the contracts on this chain, deploying them first if the chain has none."""
    manifest_path = data_dir / "deployment.json"
    if manifest_path.exists():
        registry = json.loads(manifest_path.read_text())["contracts"]["AssetRegistry"]["address"]
        if Web3(HTTPProvider(rpc_url)).eth.get_code(registry):
            return manifest_path
    addresses = tuple(Account.from_key(key).address for key in dev_keys())
    # Brownie gets a home of its own under the data dir, so parallel platforms do not share a network list.
    return deploy_platform(chain_port, data_dir, addresses, epoch_clock=epoch_clock)


def _environment(
    *,
    data_dir: Path,
    rpc_url: str,
    api_url: str,
    manifest: dict[str, Any],
    epoch_clock: tuple[int, int],
    database_url: str | None,
    broker_url: str | None,
) -> dict[str, str]:
    """The settings of the platform's processes (PROVENANT_* variables; docs/backend.md)."""
    genesis, epoch_length = epoch_clock
    return {
        **os.environ,
        "PROVENANT_DATA_DIR": str(data_dir),
        "PROVENANT_RPC_URL": rpc_url,
        "PROVENANT_MANIFEST": str(data_dir / "deployment.json"),
        "PROVENANT_CHAIN_ID": str(manifest["chainId"]),
        "PROVENANT_SIWE_DOMAIN": api_url.removeprefix("http://"),
        "PROVENANT_SIWE_URI": api_url,
        "PROVENANT_ORACLE_PRIVATE_KEY": dev_keys()[ORACLE],
        "PROVENANT_EPOCH_GENESIS": str(genesis),
        "PROVENANT_EPOCH_LENGTH": str(epoch_length),
        # What the distributor may mint in an epoch, so PROV claims never wait for its emission allowance.
        "PROVENANT_PROV_PER_EPOCH": str(int(manifest["config"]["emission_rate"]) * epoch_length),
        "PROVENANT_CONFIRMATIONS": "2",
        "PROVENANT_EPOCH_CHECK_INTERVAL": str(max(1, min(10, epoch_length // 6))),
        # Empty means the embedded default (an inherited or .env value must not pick another database).
        "PROVENANT_DATABASE_URL": database_url or "",
        "PROVENANT_BROKER_URL": broker_url or "",
    }


def _start_services(
    env: dict[str, str], data_dir: Path, api_port: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "workers.celery_app"]
    commands = {
        "api": [
            *(python, "-m", "uvicorn", "--factory", "backend.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(api_port)),
        ],
        "worker": [*celery, "worker", "--concurrency", "1", "--loglevel", "INFO"],
        "beat": [*celery, "beat", "--schedule", str(data_dir / "beat-schedule"), "--loglevel", "INFO"],
    }
    services = []
    # Sessions of their own: a Ctrl-C reaches only the caller, which stops them, then the chain, in order.
    for name, command in commands.items():
        with (logs / f"{name}.log").open("ab") as log:
            services.append(
                subprocess.Popen(
                    command,
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return services


def _wait_until_healthy(api_url: str, services: list[subprocess.Popen[bytes]], logs: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        for service, name in zip(services, ("api", "worker", "beat"), strict=True):
            if service.poll() is not None:
                raise RuntimeError(
                    f"the {name} exited with code {service.returncode}: {_tail(logs / f'{name}.log')}"
                )
        try:
            if httpx.get(f"{api_url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API did not answer at {api_url}/healthz: {_tail(logs / 'api.log')}")
        time.sleep(0.2)


def _seed_once(
    *, data_dir: Path, rpc_url: str, manifest_path: Path, api_url: str, settings: Settings, seed: bool
) -> DemoWorld | None:
    world_file = data_dir / "world.json"
    if world_file.exists():
        return DemoWorld.from_json(world_file.read_text())
    if not seed:
        return None
    world = seed_world(
        rpc_url=rpc_url,
        manifest_path=manifest_path,
        api_url=api_url,
        store=content_store(data_dir=settings.data_dir, ipfs_api=settings.ipfs_api),
    )
    world_file.write_text(world.to_json())
    return world


def _stop_services(services: list[subprocess.Popen[bytes]]) -> None:
    for service in services:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGTERM)  # the whole group: the worker's pool processes too
    for service in services:
        try:
            service.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait()


def _tail(log: Path, characters: int = 2_000) -> str:
    return log.read_text(errors="replace")[-characters:] if log.exists() else "(no log)"
