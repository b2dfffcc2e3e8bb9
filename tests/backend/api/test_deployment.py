"""GET /v1/deployment: the chain and the contracts' addresses, from the deployment manifest."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from backend.devchain import DevChain


def test_deployment_answersChainAndAddressesOfTheManifest(
    chain_api: httpx.Client, isolated_chain: DevChain
) -> None:
    manifest = json.loads(isolated_chain.manifest_path.read_text())

    response = chain_api.get("/v1/deployment")

    assert response.status_code == 200
    body = response.json()
    assert body["chain_id"] == manifest["chainId"]
    assert body["deployment_block"] == manifest["deploymentBlock"]
    assert body["payment_token"] == manifest["paymentToken"]
    assert body["contracts"] == {name: entry["address"] for name, entry in manifest["contracts"].items()}
    assert body["rpc_url"] == isolated_chain.rpc_url


def test_deployment_publicRpcUrlReplacesTheBackendsOwn(
    make_api: Callable[..., httpx.Client], isolated_chain: DevChain
) -> None:
    api = make_api(
        rpc_url=isolated_chain.rpc_url,
        manifest_path=isolated_chain.manifest_path,
        public_rpc_url="https://rpc.example.org",
    )

    assert api.get("/v1/deployment").json()["rpc_url"] == "https://rpc.example.org"


def test_deployment_withoutManifest_is503Problem(
    make_api: Callable[..., httpx.Client], isolated_chain: DevChain, tmp_path: Path
) -> None:
    api = make_api(rpc_url=isolated_chain.rpc_url, manifest_path=tmp_path / "missing.json")

    response = api.get("/v1/deployment")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The API is not connected to a deployment of the contracts."
