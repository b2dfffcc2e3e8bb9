"""``/v1/provenance/{asset_id}``: the audit trail, each step's transaction checked against the chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.backend.api.world import World, problem
from tests.backend.chain_actions import Platform


def _event(platform: Platform, recorded: dict[str, Any], contract: str, name: str) -> Any:
    """The event ``name`` in the transaction the API names, after checking its block."""
    receipt = platform.client.w3.eth.get_transaction_receipt(recorded["transaction_hash"])
    assert receipt["blockNumber"] == recorded["block_number"]
    return platform.event(receipt, contract, name)


def test_getProvenance_student_registrationVersionsAndLicenceDerivedUnder(
    api: httpx.Client, platform: Platform, world: World, index: Callable[[], None]
) -> None:
    registry = platform.client.contract("AssetRegistry")
    platform.transact(
        registry.functions.publishModelVersion(world.student, "QmStudentV2", b"\x55" * 32),
        world.student_owner,
    )
    index()

    response = api.get(f"/v1/provenance/{world.student}")

    assert response.status_code == 200
    trail = response.json()
    assert (trail["kind"], trail["owner"], trail["manifest_cid"]) == (
        "model",
        world.student_owner,
        "QmStudent",
    )
    assert (
        _event(platform, trail["registered"], "AssetRegistry", "ModelRegistered")["modelId"] == world.student
    )
    first, second = trail["versions"]
    assert (first["version"], first["recorded"]) == (1, trail["registered"])
    assert (second["version"], second["manifest_cid"], second["weights_hash"]) == (
        2,
        "QmStudentV2",
        "0x" + "55" * 32,
    )
    assert _event(platform, second["recorded"], "AssetRegistry", "ModelVersionPublished")["version"] == 2
    (derivation,) = trail["derived_from"]
    assert (derivation["parent_id"], derivation["edge_type"], derivation["licence_id"]) == (
        world.teacher,
        "DISTILL",
        world.teacher_licence,
    )
    licence = derivation["licence"]
    assert licence["holder"] == world.student_owner
    assert "DISTILLATION" in licence["terms"]["permissions"]  # what allowed the distillation
    purchase = _event(platform, licence["purchased"], "LicenseManager", "LicensePurchased")
    assert (purchase["licenceId"], purchase["holder"]) == (world.teacher_licence, world.student_owner)
    assert trail["trained_on"] == []
    assert trail["dataset_versions"] == []


def test_getProvenance_teacher_trainingDatasetVersionWithRootAndTransaction(
    api: httpx.Client, platform: Platform, world: World
) -> None:
    trail = api.get(f"/v1/provenance/{world.teacher}").json()

    assert trail["derived_from"] == []
    (training,) = trail["trained_on"]
    assert (training["dataset_id"], training["version"], training["weight_bps"]) == (world.dataset, 1, 10_000)
    version = training["dataset_version"]
    assert (version["contributions_root"], version["manifest_cid"]) == ("0x" + "11" * 32, "QmDataset1v1")
    committed = _event(platform, version["recorded"], "AssetRegistry", "DatasetVersionCommitted")
    assert (committed["datasetId"], committed["version"]) == (world.dataset, 1)


def test_getProvenance_quantized_ownerDerivationWithoutLicence(api: httpx.Client, world: World) -> None:
    trail = api.get(f"/v1/provenance/{world.quantized}").json()

    assert trail["derived_from"] == [
        {"parent_id": world.student, "edge_type": "QUANTIZE", "licence_id": None, "licence": None}
    ]


def test_getProvenance_dataset_registrationAndVersions(
    api: httpx.Client, platform: Platform, world: World
) -> None:
    trail = api.get(f"/v1/provenance/{world.dataset}").json()

    assert (trail["kind"], trail["owner"]) == ("dataset", world.curator)
    assert (
        _event(platform, trail["registered"], "AssetRegistry", "DatasetRegistered")["datasetId"]
        == world.dataset
    )
    (version,) = trail["dataset_versions"]
    assert (version["version"], version["contributions_root"]) == (1, "0x" + "11" * 32)
    assert (trail["versions"], trail["derived_from"], trail["trained_on"]) == ([], [], [])


def test_getProvenance_unknownId_404(api: httpx.Client, world: World) -> None:
    response = api.get("/v1/provenance/999")

    assert response.status_code == 404
    assert problem(response)["detail"] == "There is no model or dataset with id 999."


@pytest.mark.parametrize("asset_id", ["0", "x", str(2**63)])
def test_getProvenance_malformedId_422(api: httpx.Client, asset_id: str) -> None:
    response = api.get(f"/v1/provenance/{asset_id}")

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == ["path.asset_id"]
