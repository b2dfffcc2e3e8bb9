"""``/v1/datasets``: the catalogue, one dataset, and inclusion proofs of contributions in the versions the
epoch job commits, checked by the proofs' own verification and by the on-chain root."""

from __future__ import annotations

import httpx
import pytest

from backend.chain.client import ChainClient
from backend.domain.contributions_tree import ContributionLeaf, ContributionTree
from tests.backend.api.world import ClosedEpoch, World, contribute, problem


def test_listDatasets_catalogue_latestVersion(api: httpx.Client, world: World) -> None:
    response = api.get("/v1/datasets")

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    (dataset,) = page["data"]
    assert (dataset["id"], dataset["curator"], dataset["manifest_cid"], dataset["version_count"]) == (
        world.dataset,
        world.curator,
        "QmDataset1",
        1,
    )
    assert dataset["latest_version"]["contributions_root"] == "0x" + "11" * 32
    assert api.get("/v1/datasets", params={"q": "nothing-like-it"}).json() == {"data": [], "count": 0}


def test_getDataset_afterEpoch_versionsAndContributionCounts(
    api: httpx.Client, closed_epoch: ClosedEpoch
) -> None:
    contribute(
        closed_epoch.session_factory,
        closed_epoch.store,
        closed_epoch.clock,
        closed_epoch.dataset,
        closed_epoch.bob,
        b"d\n",
    )

    response = api.get(f"/v1/datasets/{closed_epoch.dataset}")

    assert response.status_code == 200
    dataset = response.json()
    first, second = dataset["versions"]
    assert (first["version"], first["manifest_cid"]) == (1, "QmDataset1v1")  # the curator's own
    assert second["version"] == 2  # the epoch job's, over the accepted contributions
    # Bob's second file is the same content: rejected as a duplicate.
    assert dataset["contributions"] == {"pending": 0, "accepted": 2, "rejected": 1}


def test_getContributionProof_inVersion_verifiesAgainstOnChainRoot(
    api: httpx.Client, client: ChainClient, closed_epoch: ClosedEpoch
) -> None:
    alice = closed_epoch.contributions["alice"]

    response = api.get(f"/v1/datasets/{closed_epoch.dataset}/versions/2/proof/{alice}")

    assert response.status_code == 200
    proof = response.json()
    assert proof["verified"] is True
    assert (proof["leaf"]["contributor"], proof["leaf"]["weight"]) == (closed_epoch.alice, 3)
    on_chain = "0x" + client.dataset(dataset_id=closed_epoch.dataset).versions[1].contributions_root.hex()
    assert proof["root"] == on_chain
    leaf = ContributionLeaf(proof["leaf"]["contributor"], proof["leaf"]["cid"], proof["leaf"]["weight"])
    assert ContributionTree.verify(root=on_chain, leaf=leaf, proof=proof["proof"])


def test_getContributionProof_contributionOutsideVersion_404(
    api: httpx.Client, closed_epoch: ClosedEpoch
) -> None:
    later = contribute(
        closed_epoch.session_factory,
        closed_epoch.store,
        closed_epoch.clock,
        closed_epoch.dataset,
        closed_epoch.alice,
        b"e\n",
    )

    response = api.get(f"/v1/datasets/{closed_epoch.dataset}/versions/2/proof/{later}")

    assert response.status_code == 404
    assert problem(response)["detail"] == (
        f"Contribution {later} is not in version 2 of dataset {closed_epoch.dataset}."
    )


def test_getContributionProof_versionWithoutManifest_404(
    api: httpx.Client, closed_epoch: ClosedEpoch
) -> None:
    alice = closed_epoch.contributions["alice"]

    # Version 1 was committed by the curator with a manifest CID that is on no content store.
    response = api.get(f"/v1/datasets/{closed_epoch.dataset}/versions/1/proof/{alice}")

    assert response.status_code == 404
    assert problem(response)["type"] == "/problems/manifest-unavailable"


@pytest.mark.parametrize("path", ["/v1/datasets/999", "/v1/datasets/999/versions/1/proof/1"])
def test_getDataset_unknownId_404(api: httpx.Client, world: World, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert problem(response)["type"] == "/problems/not-found"


def test_getDataset_modelId_404(api: httpx.Client, world: World) -> None:
    assert api.get(f"/v1/datasets/{world.teacher}").status_code == 404


def test_getContributionProof_unknownVersion_404(api: httpx.Client, world: World) -> None:
    response = api.get(f"/v1/datasets/{world.dataset}/versions/7/proof/1")

    assert response.status_code == 404
    assert problem(response)["detail"] == f"Dataset {world.dataset} has no version 7."


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/datasets/x", "path.dataset_id"),
        ("/v1/datasets/0", "path.dataset_id"),
        ("/v1/datasets/1/versions/0/proof/1", "path.version"),
        (f"/v1/datasets/1/versions/{2**32}/proof/1", "path.version"),
        ("/v1/datasets/1/versions/1/proof/-1", "path.contribution_id"),
        ("/v1/datasets?limit=0", "query.limit"),
    ],
)
def test_datasets_malformedInput_422(api: httpx.Client, path: str, field: str) -> None:
    response = api.get(path)

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == [field]
