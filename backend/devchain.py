"""A local anvil node (from the npm package @foundry-rs/anvil) for the embedded demo, tests and benchmarks."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from web3 import Web3
from web3.contract import Contract

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_MNEMONIC = "test test test test test test test test test test test junk"  # anvil's public dev mnemonic


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def anvil_binary() -> str:
    binary = shutil.which("anvil") or PROJECT_ROOT / "node_modules" / ".bin" / "anvil"
    if not Path(binary).exists():
        raise FileNotFoundError("anvil not found: run `make install` (it comes with the npm packages)")
    return str(binary)


@contextmanager
def running_anvil(*, port: int | None = None, extra_args: tuple[str, ...] = ()) -> Iterator[Web3]:
    """Starts anvil with the dev mnemonic and a zero base fee, yields a connected Web3, stops it on exit."""
    port = port or free_port()
    command = [anvil_binary(), "--port", str(port), "--mnemonic", DEV_MNEMONIC, "--silent", *extra_args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    web3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
    try:
        for _ in range(200):
            if web3.is_connected():
                break
            if process.poll() is not None:
                raise RuntimeError(f"anvil exited with code {process.returncode} (is port {port} in use?)")
            time.sleep(0.05)
        else:
            raise RuntimeError(f"anvil did not answer on port {port}")
        yield web3
    finally:
        process.terminate()
        process.wait(timeout=30)


def deploy_artifact(web3: Web3, name: str, *args: object) -> Contract:
    """Deploys contract ``name`` from Brownie's build/ (compiled when the project loads) from account 0."""
    artifact = json.loads((PROJECT_ROOT / "build" / "contracts" / f"{name}.json").read_text())
    factory = web3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx_hash = factory.constructor(*args).transact({"from": web3.eth.accounts[0]})
    receipt = web3.eth.wait_for_transaction_receipt(tx_hash)
    return web3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])
