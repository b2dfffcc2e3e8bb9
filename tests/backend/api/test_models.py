"""``/v1/models``: the catalogue, one model and its lineage, over HTTP from a world made on anvil."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from backend.devchain import DevChain, free_port
from tests.backend.api.world import World, problem
from tests.backend.chain_actions import MAX_TERMS, USDC, Platform


def test_listModels_catalogue_currentTermsParentsDatasets(api: httpx.Client, world: World) -> None:
    response = api.get("/v1/models")

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 3
    teacher, student, quantized = page["data"]
    assert [model["id"] for model in page["data"]] == [world.teacher, world.student, world.quantized]
    assert (teacher["owner"], teacher["manifest_cid"], teacher["version_count"]) == (
        world.teacher_owner,
        "QmTeacher",
        1,
    )
    assert teacher["terms"]["price"] == str(100 * USDC)
    assert teacher["terms"]["permissions"] == ["COMMERCIAL", "DERIVATIVES", "DISTILLATION", "ATTRIBUTION"]
    assert teacher["datasets"] == [{"dataset_id": world.dataset, "version": 1, "weight_bps": 10_000}]
    assert student["parents"] == [
        {"model_id": world.teacher, "edge_type": "DISTILL", "licence_id": world.teacher_licence}
    ]
    assert quantized["parents"] == [{"model_id": world.student, "edge_type": "QUANTIZE", "licence_id": None}]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("q=qmstudent", ["QmStudent", "QmStudentQ4"]),  # in the CID, any case
        ("q=Q4", ["QmStudentQ4"]),
        ("q=%", []),  # a LIKE wildcard is text here
        ("offset=1&limit=1", ["QmStudent"]),
    ],
)
def test_listModels_searchAndPages_matchingModels(
    api: httpx.Client, world: World, query: str, names: list[str]
) -> None:
    page = api.get(f"/v1/models?{query}").json()

    assert [model["manifest_cid"] for model in page["data"]] == names


def test_listModels_searchByOwner_theirModels(api: httpx.Client, world: World) -> None:
    page = api.get("/v1/models", params={"q": world.student_owner.lower()}).json()

    assert (page["count"], [model["id"] for model in page["data"]]) == (2, [world.student, world.quantized])


def test_getModel_student_versionsTermsParentsRoyaltyStack(chain_api: httpx.Client, world: World) -> None:
    response = chain_api.get(f"/v1/models/{world.student}")

    assert response.status_code == 200
    model = response.json()
    assert (model["id"], model["owner"], model["manifest_cid"]) == (
        world.student,
        world.student_owner,
        "QmStudent",
    )
    assert [(v["version"], v["manifest_cid"], v["weights_hash"]) for v in model["versions"]] == [
        (1, "QmStudent", "0x" + "33" * 32)
    ]
    assert model["terms"] == model["terms_history"][-1]
    assert (model["terms"]["version"], model["terms"]["price"], model["terms"]["included_calls"]) == (
        1,
        str(50 * USDC),
        "1000",
    )
    assert model["parents"] == [
        {"model_id": world.teacher, "edge_type": "DISTILL", "licence_id": world.teacher_licence}
    ]
    # The teacher's licence terms give it 10% of every payment for the student, on chain.
    assert model["royalty_stack"] == [{"model_id": world.teacher, "rev_share_bps": 1_000}]


def test_getModel_teacher_trainingDatasetVersionWithRoot(chain_api: httpx.Client, world: World) -> None:
    model = chain_api.get(f"/v1/models/{world.teacher}").json()

    assert model["training_datasets"] == [
        {
            "dataset_id": world.dataset,
            "version": 1,
            "weight_bps": 10_000,
            "contributions_root": "0x" + "11" * 32,
            "manifest_cid": "QmDataset1v1",
        }
    ]
    assert model["royalty_stack"] == []


@pytest.mark.parametrize("path", ["/v1/models/999", "/v1/models/999/lineage"])
def test_getModel_unknownId_404(chain_api: httpx.Client, world: World, path: str) -> None:
    response = chain_api.get(path)

    assert response.status_code == 404
    assert problem(response)["type"] == "/problems/not-found"


def test_getModel_datasetId_404(chain_api: httpx.Client, world: World) -> None:
    response = chain_api.get(f"/v1/models/{world.dataset}")

    assert response.status_code == 404
    assert problem(response)["detail"] == f"There is no model with id {world.dataset}."


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/models/0", "path.model_id"),
        ("/v1/models/seven", "path.model_id"),
        (f"/v1/models/{2**63}", "path.model_id"),
        ("/v1/models/1/lineage?depth=0", "query.depth"),
        ("/v1/models/1/lineage?depth=17", "query.depth"),
        ("/v1/models?limit=101", "query.limit"),
        ("/v1/models?offset=-1", "query.offset"),
        ("/v1/models?q=", "query.q"),
        ("/v1/models?q=%00", "query.q"),
    ],
)
def test_models_malformedInput_422(api: httpx.Client, path: str, field: str) -> None:
    response = api.get(path)

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == [field]


def test_getModel_chainDown_503(
    make_api: Callable[..., httpx.Client], dev_chain: DevChain, world: World
) -> None:
    api = make_api(rpc_url=f"http://127.0.0.1:{free_port()}", manifest_path=dev_chain.manifest_path)

    response = api.get(f"/v1/models/{world.student}")

    assert response.status_code == 503
    assert problem(response)["type"] == "/problems/chain-unavailable"
    # What the database alone answers still works.
    assert api.get(f"/v1/models/{world.student}/lineage").status_code == 200


def _edges(graph: dict[str, object]) -> set[tuple[int, int, str]]:
    return {(edge["source"], edge["target"], edge["type"]) for edge in graph["edges"]}  # type: ignore[attr-defined]


def test_getLineage_student_ancestorsDescendantsAndDatasets(api: httpx.Client, world: World) -> None:
    response = api.get(f"/v1/models/{world.student}/lineage")

    assert response.status_code == 200
    graph = response.json()
    depths = {node["id"]: (node["kind"], node["depth"]) for node in graph["nodes"]}
    assert depths == {
        world.dataset: ("dataset", -2),
        world.teacher: ("model", -1),
        world.student: ("model", 0),
        world.quantized: ("model", 1),
    }
    assert _edges(graph) == {
        (world.dataset, world.teacher, "TRAINING_DATA"),
        (world.teacher, world.student, "DISTILL"),
        (world.student, world.quantized, "QUANTIZE"),
    }
    distill = next(edge for edge in graph["edges"] if edge["type"] == "DISTILL")
    assert distill["licence_id"] == world.teacher_licence
    assert graph["truncated"] is False


def test_getLineage_teacherDepth1_descendantsCutAndTruncated(api: httpx.Client, world: World) -> None:
    graph = api.get(f"/v1/models/{world.teacher}/lineage?depth=1").json()

    assert {node["id"] for node in graph["nodes"]} == {world.dataset, world.teacher, world.student}
    assert _edges(graph) == {
        (world.dataset, world.teacher, "TRAINING_DATA"),
        (world.teacher, world.student, "DISTILL"),
    }
    assert graph["truncated"] is True


def test_getLineage_quantized_allAncestorsUpstream(api: httpx.Client, world: World) -> None:
    graph = api.get(f"/v1/models/{world.quantized}/lineage").json()

    assert {node["id"]: node["depth"] for node in graph["nodes"]} == {
        world.quantized: 0,
        world.student: -1,
        world.teacher: -2,
        world.dataset: -3,
    }
    assert graph["truncated"] is False


def test_modelWithTermsAtEveryBound_isIndexedListedAndShown_laterEventsToo(
    make_api: Callable[..., httpx.Client],
    platform: Platform,
    isolated_chain: DevChain,
    index: Callable[[], None],
) -> None:
    """The attack of a registrant choosing the largest terms the contracts take (below the fields' type maxima,
    which test_licences.py feeds through the indexer): the indexer projects them, the API lists and shows them
    (amounts and call counts as decimal strings), and the events after them are indexed."""
    api = make_api(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)
    owner = isolated_chain.addresses[2]
    model_id = platform.register_model(owner, terms=MAX_TERMS)
    index()
    later = platform.register_model(owner, cid="QmLater")
    index()

    listed = {model["id"]: model for model in api.get("/v1/models", params={"limit": 100}).json()["data"]}
    assert later in listed
    terms = api.get(f"/v1/models/{model_id}").json()["terms"]
    assert listed[model_id]["terms"] == terms
    assert (terms["price"], terms["fee_per_call"], terms["included_calls"]) == (
        str(10**30),
        str(10**18),
        str(10**18),
    )
    assert (terms["duration"], terms["max_derivatives"]) == (3_650 * 86_400, 1_000)
    assert (terms["contributors_bps"], terms["derivative_rev_share_bps"]) == (10_000, 5_000)
    assert terms["permissions"] == [
        "COMMERCIAL",
        "DERIVATIVES",
        "DISTILLATION",
        "TRAIN_ON_OUTPUTS",
        "ATTRIBUTION",
    ]
