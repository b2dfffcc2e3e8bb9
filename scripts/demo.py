"""`make demo`: the whole platform on embedded defaults, in one command.

Starts anvil (from the npm package, mining a block every second) with its state in `.data/`, deploys the
platform the first time (later runs find the contracts there and resume with the same data), migrates the
SQLite database, then runs the API (with the web app), a Celery worker and beat on the embedded broker
(SQLite) and the local IPFS block store, all in `.data/`. Epochs last two minutes, so one closes by itself
while you watch. Ctrl-C stops everything and saves the chain's state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PROVENANT_DATA_DIR", PROJECT_ROOT / ".data"))
PORT = int(os.environ.get("PROVENANT_CHAIN_PORT", "8645"))
RPC_URL = f"http://127.0.0.1:{PORT}"
API_PORT = int(os.environ.get("PROVENANT_API_PORT", "8000"))
API_URL = f"http://localhost:{API_PORT}"
NETWORK_ID = "provenant-demo"
MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public dev mnemonic


def _rpc(method: str, params: list | None = None):
    response = requests.post(
        RPC_URL, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    )
    response.raise_for_status()
    return response.json()["result"]


def start_chain(state_file: Path) -> subprocess.Popen:
    anvil = shutil.which("anvil")
    if anvil is None:
        sys.exit("anvil not found: run through `make demo`, which installs it (node_modules/.bin)")
    process = subprocess.Popen(
        [
            anvil,
            "--port",
            str(PORT),
            "--mnemonic",
            MNEMONIC,
            "--state",
            str(state_file),
            "--state-interval",
            "5",
            # Blocks keep coming when nobody transacts, so settlement's confirmation depth is reached.
            "--block-time",
            "1",
            # Brownie deploys with a zero gas price on development networks.
            "--block-base-fee-per-gas",
            "0",
            "--silent",
        ],
        start_new_session=True,  # stopped by this script after the services, so its state is saved last
    )
    for _ in range(100):
        try:
            _rpc("eth_chainId")
            return process
        except requests.ConnectionError:
            if process.poll() is not None:
                sys.exit(f"anvil exited with code {process.returncode} (is port {PORT} in use?)")
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"anvil did not answer on {RPC_URL}")


def deploy_once(manifest_path: Path) -> dict:
    # Brownie reads its network list when imported: register the demo network first (a no-op if known).
    subprocess.run(
        [
            "brownie",
            "networks",
            "add",
            "development",
            NETWORK_ID,
            "cmd=anvil",
            "host=http://127.0.0.1",
            f"port={PORT}",
        ],
        capture_output=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    from brownie import network, project

    project.load(PROJECT_ROOT, name="ProvenantProject").load_config()
    network.connect(NETWORK_ID)  # attaches to the anvil started above

    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        registry = manifest["contracts"]["AssetRegistry"]["address"]
        if _rpc("eth_getCode", [registry, "latest"]) not in ("0x", "0x0"):
            return manifest

    from brownie import accounts

    from scripts.deploy import DeployConfig, deploy, write_manifest

    config = DeployConfig(oracle=accounts[9].address, guardian=accounts[8].address)
    write_manifest(deploy(accounts[0], config), config, manifest_path)
    return json.loads(manifest_path.read_text())


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def platform_environment(manifest: dict) -> dict[str, str]:
    """The settings of the demo's processes: everything embedded under DATA_DIR."""
    from backend.devchain import dev_keys

    genesis_file = DATA_DIR / "epoch-genesis"
    if not genesis_file.exists():  # epoch 1 starts at the first run; later runs keep counting from it
        genesis_file.write_text(str(int(time.time())))
    return {
        **os.environ,
        "PROVENANT_DATA_DIR": str(DATA_DIR),
        "PROVENANT_RPC_URL": RPC_URL,
        "PROVENANT_MANIFEST": str(DATA_DIR / "deployment.json"),
        "PROVENANT_CHAIN_ID": str(manifest["chainId"]),
        "PROVENANT_SIWE_DOMAIN": f"localhost:{API_PORT}",
        "PROVENANT_SIWE_URI": API_URL,
        "PROVENANT_ORACLE_PRIVATE_KEY": dev_keys()[9],
        "PROVENANT_EPOCH_GENESIS": genesis_file.read_text().strip(),
        "PROVENANT_EPOCH_LENGTH": "120",
        "PROVENANT_CONFIRMATIONS": "2",
        "PROVENANT_EPOCH_CHECK_INTERVAL": "10",
    }


def start_services(env: dict[str, str]) -> list[subprocess.Popen]:
    """Migrates the database, then starts the API, a worker and beat."""
    python = sys.executable
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True)
    logs = DATA_DIR / "logs"
    logs.mkdir(exist_ok=True)
    commands = {
        "api": [python, "-m", "uvicorn", "--factory", "backend.main:create_app", "--port", str(API_PORT)],
        "worker": [python, "-m", "celery", "-A", "workers.celery_app", "worker", "--concurrency", "1"],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "beat",
            "-s",
            str(DATA_DIR / "beat-schedule"),
        ],
    }
    # Sessions of their own: Ctrl-C reaches only this script, which stops them, then the chain, in order.
    return [
        subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=(logs / f"{name}.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, command in commands.items()
    ]


def main() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    chain = start_chain(DATA_DIR / "anvil-state.json")
    services: list[subprocess.Popen] = []
    try:
        manifest = deploy_once(DATA_DIR / "deployment.json")
        services = start_services(platform_environment(manifest))
        print(
            f"\nProvenant is running: API {API_URL}/v1/docs, chain {RPC_URL} (chain id {manifest['chainId']})"
        )
        print(f"Logs of the API, worker and beat: {DATA_DIR / 'logs'}")
        for name, contract in manifest["contracts"].items():
            print(f"  {name:<20} {contract['address']}")
        print(f"Deployment manifest: {DATA_DIR / 'deployment.json'}")
        print(f"Development accounts (each funded with 10,000 ETH), mnemonic: {MNEMONIC!r}")
        for index, account in enumerate(_rpc("eth_accounts")):
            role = {0: "deployer", 8: "guardian", 9: "oracle"}.get(index, "user")
            print(f"  [{index}] {account} ({role})")
        print("Press Ctrl-C to stop; the chain's state is kept in", DATA_DIR)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        for service in services:
            service.terminate()
        for service in services:
            service.wait(timeout=30)
        chain.send_signal(signal.SIGINT)  # anvil writes its state on SIGINT
        chain.wait(timeout=30)
        print("Stopped; state saved.")


if __name__ == "__main__":
    main()
