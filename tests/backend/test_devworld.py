"""The one-command platform (backend/devplatform.py) and the world it seeds (backend/devworld.py), started as
`make demo` and the browser tests start them: anvil, the deployment, the API, a worker and beat, on a data
dir of their own and free ports; then stopped and started again on the same data dir."""

from __future__ import annotations

from pathlib import Path

import httpx
from eth_account import Account
from web3 import HTTPProvider, Web3

from backend.chain.client import ChainClient, EdgeType, Permission
from backend.cli.api import PlatformApi
from backend.devchain import free_port
from backend.devplatform import RunningPlatform, running_platform
from backend.devworld import DAO_MEMBER_PROV, MODEL_USER_USDC, DemoWorld, Role, dev_accounts


def _contributions(platform: RunningPlatform) -> list[dict]:
    return httpx.get(f"{platform.api_url}/v1/contributions", params={"limit": 500}).json()


def _check_world(platform: RunningPlatform, world: DemoWorld) -> None:
    api = platform.api_url
    lineage = httpx.get(f"{api}/v1/models/{world.student_model_id}/lineage").json()
    assert {
        "source": world.teacher_model_id,
        "target": world.student_model_id,
        "type": "DISTILL",
        "licence_id": world.distillation_licence_id,
        "dataset_version": None,
        "weight_bps": None,
    } in lineage["edges"]
    teacher = httpx.get(f"{api}/v1/models/{world.teacher_model_id}").json()
    assert teacher["owner"] == world.account(Role.TEACHER_OWNER).address
    assert "DISTILLATION" in teacher["terms"]["permissions"]
    assert [d["dataset_id"] for d in teacher["training_datasets"]] == list(world.dataset_ids)

    contributions = _contributions(platform)
    assert sorted(c["id"] for c in contributions) == sorted(world.contribution_ids)
    contributors = {c["contributor"] for c in contributions}
    assert len(contributors) == 3 and world.account(Role.CURATOR).address in contributors
    assert {c["status"] for c in contributions} == {"accepted"}

    client = ChainClient(rpc_url=platform.rpc_url, manifest_path=platform.manifest_path)
    licence = client.licence(licence_id=world.distillation_licence_id)
    assert licence.holder == world.account(Role.LICENSEE).address
    assert Permission.DISTILLATION in licence.terms.permissions
    (edge,) = client.model(model_id=world.student_model_id).parents
    assert (edge.parent_id, edge.edge_type) == (world.teacher_model_id, EdgeType.DISTILL)
    for dataset_id in world.dataset_ids:
        assert len(client.dataset(dataset_id=dataset_id).versions) == 1

    user, member = world.account(Role.MODEL_USER).address, world.account(Role.DAO_MEMBER).address
    assert client.contract("MockUSDC").functions.balanceOf(user).call() == MODEL_USER_USDC
    assert httpx.get(f"{api}/v1/licences", params={"holder": user}).json()["count"] == 0
    prov = client.contract("ProvenanceToken")
    assert prov.functions.balanceOf(member).call() == DAO_MEMBER_PROV
    assert prov.functions.delegates(member).call() == "0x" + "00" * 20

    key = httpx.get(f"{api}/v1/operator-keys/current", headers={"X-API-Key": world.operator_key}).json()
    assert (key["model_id"], key["owner"]) == (world.student_model_id, world.account(Role.LICENSEE).address)


def test_runningPlatform_seedsOnce_andResumesWithTheSameData(tmp_path: Path) -> None:
    data_dir = tmp_path / "platform"
    with running_platform(data_dir=data_dir, chain_port=free_port(), api_port=free_port()) as first:
        assert first.world is not None
        _check_world(first, first.world)
        assert first.world.accounts == dev_accounts()
        registry = first.manifest["contracts"]["AssetRegistry"]["address"]
        block = Web3(HTTPProvider(first.rpc_url)).eth.block_number
    assert DemoWorld.from_json((data_dir / "world.json").read_text()) == first.world

    # Other ports: the SIWE settings and every URL follow the arguments; the contracts and data stay.
    with running_platform(data_dir=data_dir, chain_port=free_port(), api_port=free_port()) as second:
        assert second.world == first.world
        assert second.manifest["contracts"]["AssetRegistry"]["address"] == registry
        assert Web3(HTTPProvider(second.rpc_url)).eth.block_number >= block
        _check_world(second, second.world)
        models = httpx.get(f"{second.api_url}/v1/models").json()
        assert models["count"] == 2  # the teacher and the student, not seeded twice
        user = second.world.account(Role.MODEL_USER)
        with PlatformApi(second.api_url) as api:
            assert api.sign_in(Account.from_key(user.private_key)) == user.address


def test_demoWorld_jsonRoundTrip() -> None:
    world = DemoWorld(
        dataset_ids=(1, 2),
        teacher_model_id=3,
        student_model_id=4,
        distillation_licence_id=1,
        contribution_ids=(1, 2, 3),
        operator_key="pvk_example",
        accounts=dev_accounts(),
    )
    assert DemoWorld.from_json(world.to_json()) == world
