"""The deployment manifest: the one scripts/deploy.py writes loads; every kind of broken one says what is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.chain.client import ChainClient
from backend.chain.manifest import REQUIRED_CONTRACTS, ManifestError, load_manifest
from backend.devchain import DevChain


def _write(tmp_path: Path, manifest: Any) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


@pytest.fixture
def deployed(dev_chain: DevChain) -> dict[str, Any]:
    return json.loads(dev_chain.manifest_path.read_text())


def test_loadManifest_readsWhatDeployWrote(dev_chain: DevChain, deployed: dict[str, Any]) -> None:
    manifest = load_manifest(path=dev_chain.manifest_path)

    assert manifest.chain_id == deployed["chainId"] == 31337
    assert manifest.deployment_block == deployed["deploymentBlock"]
    assert manifest.payment_token == deployed["contracts"]["MockUSDC"]["address"]
    assert set(REQUIRED_CONTRACTS) <= set(manifest.contracts)
    registry = manifest.contract("AssetRegistry")
    assert registry.address == deployed["contracts"]["AssetRegistry"]["address"]
    assert any(entry.get("name") == "registerModel" for entry in registry.abi)


def test_loadManifest_missingFileNamesPath(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"deployment manifest not found: .*nowhere\.json"):
        load_manifest(path=tmp_path / "nowhere.json")


def test_loadManifest_badJsonSaysWhere(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text('{"chainId": 31337,\n  "contracts": }')

    with pytest.raises(ManifestError, match=r"not valid JSON: .* line 2, column"):
        load_manifest(path=path)


def test_loadManifest_notAnObjectRejected(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="expected a JSON object at the top level, got list"):
        load_manifest(path=_write(tmp_path, []))


def test_loadManifest_missingContractNamed(tmp_path: Path, deployed: dict[str, Any]) -> None:
    del deployed["contracts"]["LicenseManager"], deployed["contracts"]["RoyaltyRouter"]

    with pytest.raises(ManifestError, match="missing contract\\(s\\): LicenseManager, RoyaltyRouter"):
        load_manifest(path=_write(tmp_path, deployed))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(chainId="31337"), "'chainId' must be a positive integer, got '31337'"),
        (lambda m: m.update(chainId=True), "'chainId' must be a positive integer, got True"),
        (lambda m: m.pop("deploymentBlock"), "'deploymentBlock' must be a block number, got None"),
        (lambda m: m.update(paymentToken="0x1234"), "paymentToken must be a 0x-prefixed 20-byte address"),
        (lambda m: m.update(contracts=[]), "'contracts' must be an object"),
        (
            lambda m: m["contracts"]["AssetRegistry"].update(
                address="0x5fbdb2315678afecb367f032d93F642f64180aa3"
            ),
            "AssetRegistry.address 0x5fbdb2315678afecb367f032d93F642f64180aa3 has a wrong EIP-55 checksum",
        ),
        (lambda m: m["contracts"]["LicenseManager"].pop("abi"), "contract LicenseManager has no ABI"),
        (lambda m: m["contracts"].update(AssetRegistry="0xabc"), "contract AssetRegistry must be an object"),
    ],
)
def test_loadManifest_invalidFieldNamed(
    tmp_path: Path, deployed: dict[str, Any], change: Any, message: str
) -> None:
    change(deployed)

    with pytest.raises(ManifestError) as raised:
        load_manifest(path=_write(tmp_path, deployed))
    assert message in str(raised.value)


def test_contract_unknownNameListsKnownOnes(dev_chain: DevChain) -> None:
    manifest = load_manifest(path=dev_chain.manifest_path)

    with pytest.raises(ManifestError, match="no contract named 'Nope' \\(it lists AssetRegistry, "):
        manifest.contract("Nope")


def test_checkChainId_nodeOnAnotherChainRefused(
    tmp_path: Path, dev_chain: DevChain, deployed: dict[str, Any]
) -> None:
    deployed["chainId"] = 1
    path = _write(tmp_path, deployed)

    with pytest.raises(
        ManifestError, match=f"is for chain 1 but the node at {dev_chain.rpc_url} is on chain 31337"
    ):
        ChainClient(rpc_url=dev_chain.rpc_url, manifest_path=path)
