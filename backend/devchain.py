"""A development chain: anvil (from the npm package @foundry-rs/anvil) on a free port, with or without the
platform deployed by scripts/deploy.py. Used by the tests, the benchmarks and the embedded demo."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, cast

from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import HTTPProvider, Web3
from web3.contract import Contract

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public dev mnemonic
ACCOUNT_COUNT = 10
DEPLOYER, GUARDIAN, ORACLE = 0, 8, 9  # account indexes, as in scripts/demo.py


@dataclass(frozen=True)
class DevChain:
    """A running anvil with the platform deployed on it."""

    rpc_url: str
    manifest_path: Path
    # Derived from MNEMONIC: [0] deployer (holds the PROV genesis), [8] guardian, [9] oracle; all funded.
    private_keys: tuple[str, ...]
    addresses: tuple[ChecksumAddress, ...]

    @property
    def oracle_key(self) -> str:
        return self.private_keys[ORACLE]

    @property
    def oracle(self) -> ChecksumAddress:
        return self.addresses[ORACLE]

    def rpc(self, method: str, *params: Any) -> Any:
        """A raw JSON-RPC call, for anvil's test methods (evm_mine, evm_setAutomine, ...)."""
        response = Web3(HTTPProvider(self.rpc_url)).provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in response:
            raise RuntimeError(f"{method} failed: {response['error']}")
        return response["result"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dev_keys() -> tuple[str, ...]:
    Account.enable_unaudited_hdwallet_features()
    return tuple(
        Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.to_0x_hex()
        for index in range(ACCOUNT_COUNT)
    )


def _start_anvil(log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Starts anvil on a free port; tries another port if one is taken between probing and binding."""
    for _ in range(3):
        port = free_port()
        process = launch_anvil(port, log)
        w3 = Web3(HTTPProvider(f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if w3.is_connected():
                return process, port
            time.sleep(0.05)
        stop_anvil(process)
    raise RuntimeError(f"anvil did not start: {log.read_text()[-2000:]}")


def stop_anvil(process: subprocess.Popen[bytes], stop_signal: int = signal.SIGTERM) -> None:
    """Stops anvil and its node wrapper (its process group); SIGINT makes anvil save its ``--state`` first."""
    os.killpg(process.pid, stop_signal)
    process.wait(timeout=30)


def launch_anvil(port: int, log: Path, *options: str) -> subprocess.Popen[bytes]:
    """Starts anvil on ``port`` with the dev accounts (and extra command-line ``options``), logging to ``log``."""
    anvil = shutil.which(
        "anvil", path=f"{PROJECT_ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ['PATH']}"
    )
    if anvil is None:
        raise RuntimeError(
            "anvil not found: run `make install` (it comes from the npm package @foundry-rs/anvil)"
        )
    # Its own process group: the npm package's `anvil` is a node wrapper around the real binary.
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                anvil,
                *("--port", str(port), "--mnemonic", MNEMONIC, "--accounts", str(ACCOUNT_COUNT)),
                # Brownie deploys with a zero gas price; tests that need a base fee set one.
                *("--block-base-fee-per-gas", "0"),
                *options,
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def deploy_platform(
    rpc_port: int,
    workdir: Path,
    addresses: tuple[ChecksumAddress, ...],
    *,
    epoch_clock: tuple[int, int] | None = None,
) -> Path:
    """Runs scripts/deploy.py through `brownie run`, as an operator would, on the anvil at ``rpc_port``;
    returns the manifest path (``workdir``/deployment.json). ``epoch_clock`` (genesis, length in seconds)
    sets the licence manager's epochs, which the backend's must match; default: the deploy script's."""
    # Brownie keeps its network list in ~/.brownie, which other work on this machine edits: give the
    # deployment a home of its own whose only development network is this anvil.
    brownie_home = workdir / "home" / ".brownie"
    brownie_home.mkdir(parents=True, exist_ok=True)
    (brownie_home / "network-config.yaml").write_text(
        "development:\n"
        "- id: development\n"
        "  name: Provenant backend tests\n"
        "  cmd: anvil\n"
        "  host: http://127.0.0.1\n"
        f"  cmd_settings:\n    port: {rpc_port}\n"
        "live: []\n"
    )
    manifest = workdir / "deployment.json"
    env = {
        **os.environ,
        "HOME": str(brownie_home.parent),
        "SOLCX_BINARY_PATH": os.environ.get("SOLCX_BINARY_PATH", str(PROJECT_ROOT / "scripts" / "solc")),
        "PROVENANT_MANIFEST": str(manifest),
        "PROVENANT_ORACLE": addresses[ORACLE],
        "PROVENANT_GUARDIAN": addresses[GUARDIAN],
    }
    if epoch_clock is not None:
        env["PROVENANT_EPOCH_GENESIS"], env["PROVENANT_EPOCH_LENGTH"] = map(str, epoch_clock)
    brownie = Path(sys.executable).with_name("brownie")
    completed = subprocess.run(
        [str(brownie), "run", "scripts/deploy.py", "--network", "development"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 or not manifest.exists():
        raise RuntimeError(
            f"deployment failed ({completed.returncode}):\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )
    return manifest


@contextmanager
def running_dev_chain(workdir: Path) -> Iterator[DevChain]:
    """Starts anvil, deploys the platform, and stops anvil on exit; ``workdir`` keeps the log and manifest."""
    anvil, port = _start_anvil(workdir / "anvil.log")
    try:
        keys = dev_keys()
        addresses = tuple(Account.from_key(key).address for key in keys)
        manifest = deploy_platform(port, workdir, addresses)
        yield DevChain(
            rpc_url=f"http://127.0.0.1:{port}", manifest_path=manifest, private_keys=keys, addresses=addresses
        )
    finally:
        stop_anvil(anvil)


@contextmanager
def running_anvil() -> Iterator[Web3]:
    """A bare anvil (dev accounts funded, nothing deployed), stopped on exit."""
    with TemporaryDirectory() as workdir:
        anvil, port = _start_anvil(Path(workdir) / "anvil.log")
        try:
            yield Web3(HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
        finally:
            stop_anvil(anvil)


def deploy_artifact(web3: Web3, name: str, *args: object) -> Contract:
    """Deploys contract ``name`` from Brownie's build/ (compiled when the project loads) from account 0."""
    artifact = json.loads((PROJECT_ROOT / "build" / "contracts" / f"{name}.json").read_text())
    factory = web3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = factory.constructor(*args).transact({"from": web3.eth.accounts[0]})
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash)
    return cast(Contract, web3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"]))
