"""The deployment manifest: which chain the platform lives on and where each contract is.

scripts/deploy.py writes it (``chainId``, ``deploymentBlock``, ``paymentToken``, ``contracts{name: {address,
abi}}``); the backend, workers, CLI and web app read it, so no address is written anywhere else. Loading
validates everything the backend relies on and says exactly what is wrong with a bad file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from web3 import Web3

# Every deployment has these; MockUSDC exists on development chains only.
REQUIRED_CONTRACTS = (
    "AssetRegistry",
    "LicenseManager",
    "ProvenanceToken",
    "ProvenantGovernor",
    "RewardDistributor",
    "RoyaltyRouter",
    "TimelockController",
)


class ManifestError(ValueError):
    """The deployment manifest is missing, malformed, incomplete or for another chain."""


@dataclass(frozen=True)
class DeployedContract:
    name: str
    address: ChecksumAddress
    abi: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Manifest:
    path: Path
    chain_id: int
    deployment_block: int
    payment_token: ChecksumAddress
    contracts: Mapping[str, DeployedContract]

    def contract(self, name: str) -> DeployedContract:
        try:
            return self.contracts[name]
        except KeyError:
            known = ", ".join(sorted(self.contracts))
            raise ManifestError(f"{self.path}: no contract named {name!r} (it lists {known})") from None

    def check_chain_id(self, *, chain_id: int, rpc_url: str) -> None:
        """Refuses a node on another chain: every address in the manifest would point at something else."""
        if chain_id != self.chain_id:
            raise ManifestError(
                f"{self.path} is for chain {self.chain_id} but the node at {rpc_url} is on chain {chain_id}"
            )


def load_manifest(*, path: str | Path) -> Manifest:
    """Reads and validates the manifest at ``path``; raises ManifestError naming what is wrong."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ManifestError(
            f"deployment manifest not found: {path} (deploy with scripts/deploy.py or point the settings at it)"
        ) from None
    except OSError as error:
        raise ManifestError(f"cannot read deployment manifest {path}: {error.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: expected a JSON object at the top level, got {type(data).__name__}")

    contracts = data.get("contracts")
    if not isinstance(contracts, dict):
        raise ManifestError(f"{path}: 'contracts' must be an object of name -> {{address, abi}}")
    missing = [name for name in REQUIRED_CONTRACTS if name not in contracts]
    if missing:
        raise ManifestError(f"{path}: missing contract(s): {', '.join(missing)}")

    return Manifest(
        path=path,
        chain_id=_positive_int(data, "chainId", path),
        deployment_block=_block_number(data, path),
        payment_token=_address(data.get("paymentToken"), "paymentToken", path),
        contracts={name: _contract(name, entry, path) for name, entry in contracts.items()},
    )


def _positive_int(data: dict[str, Any], key: str, path: Path) -> int:
    value = data.get(key)
    # bool is an int in Python; a manifest saying `true` is broken all the same.
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ManifestError(f"{path}: '{key}' must be a positive integer, got {value!r}")
    return value


def _block_number(data: dict[str, Any], path: Path) -> int:
    value = data.get("deploymentBlock")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ManifestError(f"{path}: 'deploymentBlock' must be a block number, got {value!r}")
    return value


def checksum_address(value: object, *, what: str) -> ChecksumAddress:
    """``value`` as a checksummed address; raises ValueError naming ``what`` when it is not one.

    A mixed-case address must carry a valid EIP-55 checksum: a wrong one means a typo.
    """
    if not isinstance(value, str) or not Web3.is_address(value):
        raise ValueError(f"{what} must be a 0x-prefixed 20-byte address, got {value!r}")
    digits = value[2:]
    if digits not in (digits.lower(), digits.upper()) and not Web3.is_checksum_address(value):
        raise ValueError(f"{what} {value} has a wrong EIP-55 checksum (mixed case): a typo?")
    return Web3.to_checksum_address(value)


def _address(value: object, what: str, path: Path) -> ChecksumAddress:
    try:
        return checksum_address(value, what=what)
    except ValueError as error:
        raise ManifestError(f"{path}: {error}") from None


def _contract(name: str, entry: object, path: Path) -> DeployedContract:
    if not isinstance(entry, dict):
        raise ManifestError(f"{path}: contract {name} must be an object with 'address' and 'abi'")
    abi = entry.get("abi")
    if not isinstance(abi, list) or not all(isinstance(item, dict) for item in abi):
        raise ManifestError(f"{path}: contract {name} has no ABI (expected a list of ABI entries)")
    return DeployedContract(
        name=name, address=_address(entry.get("address"), f"{name}.address", path), abi=tuple(abi)
    )
