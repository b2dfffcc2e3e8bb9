"""``/v1/proposals``: a real proposal (a licence terms change through the governor, with PROV delegated by
the deployer, who holds the genesis supply), its live state, votes with reasons and decoded action."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from backend.chain.client import ChainClient
from backend.devchain import DevChain, free_port
from tests.backend.api.world import World, problem
from tests.backend.chain_actions import COMMERCIAL, USDC, Platform, make_terms

GENESIS = 100_000_000 * 10**18  # PROV of the deployer (scripts/deploy.py)
DESCRIPTION = "Student: 250 USDC for 60 days\n\nThe student is in demand; raise its price."


def _propose(platform: Platform, chain: DevChain, model: int) -> tuple[int, tuple[int, ...]]:
    """Delegates the deployer's PROV to itself, proposes new terms for ``model``, opens the vote and casts
    two votes with reasons; returns the proposal id and the proposed terms."""
    client, deployer, other = platform.client, chain.addresses[0], chain.addresses[5]
    governor, licenses = client.contract("ProvenantGovernor"), client.contract("LicenseManager")
    platform.transact(client.contract("ProvenanceToken").functions.delegate(deployer), deployer)
    chain.rpc("evm_mine")  # the proposal threshold is checked at the previous block
    terms = make_terms(price=250 * USDC, duration=60 * 86_400, permissions=COMMERCIAL)
    calldata = licenses.encode_abi("setTerms", args=[model, terms])
    receipt = platform.transact(
        governor.functions.propose([licenses.address], [0], [calldata], DESCRIPTION), deployer
    )
    proposal_id = int(platform.event(receipt, "ProvenantGovernor", "ProposalCreated")["proposalId"])
    chain.rpc("anvil_mine", hex(2))  # past the voting delay
    platform.transact(governor.functions.castVoteWithReason(proposal_id, 1, "fair for its quality"), deployer)
    platform.transact(governor.functions.castVoteWithReason(proposal_id, 0, "too expensive"), other)
    return proposal_id, terms


def test_getProposal_termsChange_liveStateVotesAndDecodedAction(
    chain_api: httpx.Client,
    client: ChainClient,
    platform: Platform,
    isolated_chain: DevChain,
    world: World,
    index: Callable[[], None],
) -> None:
    proposal_id, terms = _propose(platform, isolated_chain, world.student)
    index()

    response = chain_api.get(f"/v1/proposals/{proposal_id}")

    assert response.status_code == 200
    proposal = response.json()
    assert (proposal["id"], proposal["proposer"], proposal["state"]) == (
        str(proposal_id),
        isolated_chain.addresses[0],
        "active",
    )
    assert (proposal["title"], proposal["description"]) == ("Student: 250 USDC for 60 days", DESCRIPTION)
    assert proposal["tally"] == {"for": str(GENESIS), "against": "0", "abstain": "0"}
    assert proposal["quorum"] == str(GENESIS * 4 // 100)  # 4% of the supply at the snapshot
    assert [(v["voter"], v["support"], v["weight"], v["reason"]) for v in proposal["votes"]] == [
        (isolated_chain.addresses[0], "for", str(GENESIS), "fair for its quality"),
        (isolated_chain.addresses[5], "against", "0", "too expensive"),
    ]
    (action,) = proposal["actions"]
    names = (
        "price",
        "duration",
        "contributorsBps",
        "derivativeRevShareBps",
        "permissions",
        "maxDerivatives",
        "feePerCall",
        "includedCalls",
    )
    assert (action["target"], action["contract"], action["function"], action["value"]) == (
        client.contract("LicenseManager").address,
        "LicenseManager",
        "setTerms",
        "0",
    )
    assert (
        action["signature"] == "setTerms(uint256,(uint128,uint32,uint16,uint16,uint8,uint16,uint128,uint64))"
    )
    assert action["args"] == {"modelId": world.student, "terms": dict(zip(names, terms, strict=True))}
    assert action["call"].startswith(
        f"LicenseManager.setTerms(modelId={world.student}, terms={{price: 250000000,"
    )


def test_listProposals_newestFirst_stateFromGovernor(
    chain_api: httpx.Client,
    platform: Platform,
    isolated_chain: DevChain,
    world: World,
    index: Callable[[], None],
) -> None:
    proposal_id, _ = _propose(platform, isolated_chain, world.student)
    isolated_chain.rpc("anvil_mine", hex(25))  # past the voting period: the vote succeeded
    index()

    response = chain_api.get("/v1/proposals")

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    (summary,) = page["data"]
    assert (summary["id"], summary["state"], summary["tally"]["for"]) == (
        str(proposal_id),
        "succeeded",
        str(GENESIS),
    )


def test_listProposals_none_emptyPage(chain_api: httpx.Client, world: World) -> None:
    assert chain_api.get("/v1/proposals").json() == {"data": [], "count": 0}


def test_getProposal_unknownId_404(chain_api: httpx.Client, world: World) -> None:
    response = chain_api.get(f"/v1/proposals/{2**255}")

    assert response.status_code == 404
    assert problem(response)["type"] == "/problems/not-found"


@pytest.mark.parametrize("proposal_id", ["12x", "-1", "1" * 79])
def test_getProposal_malformedId_422(chain_api: httpx.Client, proposal_id: str) -> None:
    response = chain_api.get(f"/v1/proposals/{proposal_id}")

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == ["path.proposal_id"]


def test_listProposals_chainDown_503(
    make_api: Callable[..., httpx.Client],
    dev_chain: DevChain,
    platform: Platform,
    isolated_chain: DevChain,
    world: World,
    index: Callable[[], None],
) -> None:
    _propose(platform, isolated_chain, world.student)
    index()
    api = make_api(rpc_url=f"http://127.0.0.1:{free_port()}", manifest_path=dev_chain.manifest_path)

    response = api.get("/v1/proposals")

    assert response.status_code == 503
    assert problem(response)["detail"] == "The blockchain node does not answer; try again later."
