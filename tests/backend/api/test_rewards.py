"""``/v1/rewards/{account}``: rewards from the trees the epoch job builds; the proofs it serves are the ones
the reward distributor accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backend.chain.client import ChainClient
from backend.devchain import DevChain
from tests.backend.api.world import PROV, ClosedEpoch, World, accept_root, problem

ALICE_USDC, ALICE_PROV = 14_625_000, 750 * PROV  # 3/4 of the pool's 19.5 USDC and of the epoch's 1,000 PROV


def _by_token(rewards: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {token["token"]: token for token in rewards["tokens"]}


def test_getRewards_rootPending_totalsButNothingClaimable(
    api: httpx.Client, client: ChainClient, closed_epoch: ClosedEpoch
) -> None:
    response = api.get(f"/v1/rewards/{closed_epoch.alice}")

    assert response.status_code == 200
    rewards = response.json()
    assert (
        rewards["account"],
        rewards["latest_epoch"],
        rewards["latest_status"],
        rewards["current_epoch"],
    ) == (
        closed_epoch.alice,
        1,
        "pending",
        None,
    )
    usdc, prov = client.manifest.payment_token, client.contract("ProvenanceToken").address
    tokens = _by_token(rewards)
    assert tokens[usdc] == {
        "token": usdc,
        "cumulative_amount": str(ALICE_USDC),
        "claimed": "0",
        "claimable": "0",
        "claim": None,
    }
    assert tokens[prov]["cumulative_amount"] == str(ALICE_PROV)
    (epoch,) = rewards["history"]
    assert (epoch["epoch"], epoch["status"]) == (1, "pending")
    acceptable_at = client.contract("RewardDistributor").functions.pendingRoot().call()[4]
    assert epoch["acceptable_at"] == acceptable_at
    assert {(a["token"], a["cumulative_amount"], a["earned"]) for a in epoch["amounts"]} == {
        (usdc, str(ALICE_USDC), str(ALICE_USDC)),
        (prov, str(ALICE_PROV), str(ALICE_PROV)),
    }


def test_getRewards_rootAccepted_proofClaimsOnChainThenClaimed(
    api: httpx.Client,
    client: ChainClient,
    isolated_chain: DevChain,
    closed_epoch: ClosedEpoch,
    index: Callable[[], None],
) -> None:
    accept_root(isolated_chain, client)
    index()
    usdc, prov = client.manifest.payment_token, client.contract("ProvenanceToken").address

    rewards = api.get(f"/v1/rewards/{closed_epoch.alice}").json()

    assert (rewards["latest_status"], rewards["current_epoch"]) == ("accepted", 1)
    claim = _by_token(rewards)[usdc]["claim"]
    assert (claim["epoch"], claim["cumulative_amount"], claim["verified"]) == (1, str(ALICE_USDC), True)
    assert _by_token(rewards)[usdc]["claimable"] == str(ALICE_USDC)
    distributor = client.contract("RewardDistributor")
    call = distributor.functions.claim(
        closed_epoch.alice, usdc, int(claim["cumulative_amount"]), claim["proof"]
    )
    receipt = client.w3.eth.wait_for_transaction_receipt(call.transact({"from": isolated_chain.addresses[0]}))
    assert receipt["status"] == 1
    index()

    after = _by_token(api.get(f"/v1/rewards/{closed_epoch.alice}").json())

    assert (after[usdc]["claimed"], after[usdc]["claimable"], after[usdc]["claim"]) == (
        str(ALICE_USDC),
        "0",
        None,
    )
    assert after[prov]["claimable"] == str(ALICE_PROV)
    assert after[prov]["claim"]["verified"] is True


def test_getRewards_accountWithoutRewards_empty(api: httpx.Client, world: World) -> None:
    response = api.get(f"/v1/rewards/{world.user}")

    assert response.status_code == 200
    assert response.json() == {
        "account": world.user,
        "latest_epoch": None,
        "latest_status": None,
        "current_epoch": None,
        "tokens": [],
        "history": [],
    }


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/rewards/alice", "path.account"),
        ("/v1/rewards/0x" + "aB" * 20, "path.account"),  # mixed case with a wrong checksum
        ("/v1/rewards/0x" + "ab" * 20 + "?history=0", "query.history"),
    ],
)
def test_getRewards_malformedInput_422(api: httpx.Client, path: str, field: str) -> None:
    response = api.get(path)

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == [field]
