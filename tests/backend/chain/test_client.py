"""The chain client on the deployed contracts: handles from the manifest, reads after real transactions,
custom errors decoded from reverts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError

from backend.chain.client import (
    ChainClient,
    ChainUnavailable,
    ContractReverted,
    DatasetUse,
    DatasetVersion,
    DecodedError,
    EdgeType,
    ErrorDecoder,
    NotFoundError,
    ParentEdge,
    Permission,
    ProposalState,
    Terms,
)
from backend.chain.manifest import ManifestError, load_manifest
from backend.devchain import DevChain
from tests.backend.chain_actions import ATTRIBUTION, DERIVATIVES, USDC, Platform, make_terms

PROV = 10**18


def _block_time(client: ChainClient, block: int) -> datetime:
    return datetime.fromtimestamp(client.w3.eth.get_block(block)["timestamp"], UTC)


def test_contract_handlesPointAtManifestAddresses(client: ChainClient, dev_chain: DevChain) -> None:
    manifest = load_manifest(path=dev_chain.manifest_path)

    registry = client.contract("AssetRegistry")

    assert registry.address == manifest.contract("AssetRegistry").address
    assert client.contract("MockUSDC").address == manifest.payment_token
    # A live handle: the token answers from the chain.
    assert client.contract("MockUSDC").functions.decimals().call() == 6


def test_contract_unknownNameRefused(client: ChainClient) -> None:
    with pytest.raises(ValueError, match="unknown contract 'Registry'; expected one of AssetRegistry, "):
        client.contract("Registry")  # type: ignore[arg-type]


def test_contract_absentFromDeploymentNamed(client: ChainClient, tmp_path, dev_chain: DevChain) -> None:
    # A production deployment has no MockUSDC.
    path = tmp_path / "manifest.json"
    path.write_text(dev_chain.manifest_path.read_text().replace('"MockUSDC"', '"Unused"'))
    production = ChainClient(rpc_url=dev_chain.rpc_url, manifest_path=path)

    with pytest.raises(ManifestError, match="no contract named 'MockUSDC'"):
        production.contract("MockUSDC")


def test_chainClient_unreachableNodeSaysWhere(dev_chain: DevChain) -> None:
    with pytest.raises(ChainUnavailable, match=re.escape("no Ethereum node answers at http://127.0.0.1:9")):
        ChainClient(rpc_url="http://127.0.0.1:9", manifest_path=dev_chain.manifest_path, request_timeout=5)


def test_model_returnsVersionsParentsDatasetsAndTerms(client: ChainClient, platform: Platform) -> None:
    curator, owner, deriver = platform.chain.addresses[1:4]
    dataset_id = platform.register_dataset(curator)
    base_terms = make_terms(price=50 * USDC, permissions=DERIVATIVES | ATTRIBUTION)
    base_id = platform.register_model(owner, datasets=((dataset_id, 1, 10_000),), terms=base_terms)
    registry = client.contract("AssetRegistry")
    platform.transact(registry.functions.publishModelVersion(base_id, "QmModel1v2", b"\x33" * 32), owner)
    licence_id = platform.buy(deriver, base_id)
    derived_id = platform.register_model(
        deriver,
        cid="QmDerived",
        parents=((base_id, EdgeType.FINE_TUNE, licence_id),),
        terms=make_terms(price=0),
    )

    base = client.model(model_id=base_id)
    derived = client.model(model_id=derived_id)

    assert base.model_id == base_id
    assert base.owner == owner
    assert [(v.manifest_cid, v.weights_hash) for v in base.versions] == [
        ("QmModel1", b"\x22" * 32),
        ("QmModel1v2", b"\x33" * 32),
    ]
    assert base.versions[0].published_at <= base.versions[1].published_at
    assert base.parents == ()
    assert base.training_datasets == (DatasetUse(dataset_id=dataset_id, version=1, weight_bps=10_000),)
    assert base.terms_version == 1
    assert base.terms == Terms(
        price=50 * USDC,
        duration=30 * 86_400,
        contributors_bps=2_000,
        derivative_rev_share_bps=1_000,
        permissions=Permission.DERIVATIVES | Permission.ATTRIBUTION,
        max_derivatives=1,
        fee_per_call=1_000,
        included_calls=1_000,
    )
    assert derived.owner == deriver
    assert derived.parents == (
        ParentEdge(parent_id=base_id, edge_type=EdgeType.FINE_TUNE, licence_id=licence_id),
    )
    assert derived.terms.price == 0
    assert client.licence(licence_id=licence_id).derivations == 1  # the licence has used its one derivation


def test_dataset_returnsCuratorAndVersions(client: ChainClient, platform: Platform) -> None:
    curator = platform.chain.addresses[1]
    dataset_id = platform.register_dataset(curator, root=b"\x44" * 32, cid="QmData")
    receipt = platform.transact(
        client.contract("AssetRegistry").functions.commitDatasetVersion(dataset_id, b"\x55" * 32, "QmDataV2"),
        curator,
    )

    dataset = client.dataset(dataset_id=dataset_id)

    assert dataset.dataset_id == dataset_id
    assert dataset.curator == curator
    assert dataset.versions[0].contributions_root == b"\x44" * 32
    assert dataset.versions[0].manifest_cid == "QmDatav1"
    assert dataset.versions[1] == DatasetVersion(
        contributions_root=b"\x55" * 32,
        manifest_cid="QmDataV2",
        committed_at=_block_time(client, receipt["blockNumber"]),
    )


def test_model_wrongKindOrMissingIsNotFound(client: ChainClient, platform: Platform) -> None:
    dataset_id = platform.register_dataset(platform.chain.addresses[1])

    with pytest.raises(NotFoundError, match=f"asset {dataset_id} is a dataset, not a model"):
        client.model(model_id=dataset_id)
    with pytest.raises(NotFoundError, match="model 99 does not exist"):
        client.model(model_id=99)
    with pytest.raises(NotFoundError, match="dataset 99 does not exist"):
        client.dataset(dataset_id=99)


@pytest.mark.parametrize("bad", [-1, 2**256, "1", 1.0, True])
def test_model_badIdRefused(client: ChainClient, bad: object) -> None:
    with pytest.raises(ValueError, match="model id must be a non-negative integer below 2\\*\\*256"):
        client.model(model_id=bad)  # type: ignore[arg-type]


def test_terms_currentAndEachVersion(client: ChainClient, platform: Platform) -> None:
    model_id = platform.register_model(platform.chain.addresses[2], terms=make_terms(price=7 * USDC))

    assert client.terms(model_id=model_id).price == 7 * USDC
    assert client.terms(model_id=model_id, version=1) == client.terms(model_id=model_id)
    with pytest.raises(NotFoundError, match=f"model {model_id} has no terms version 2 \\(it has 1 to 1\\)"):
        client.terms(model_id=model_id, version=2)
    with pytest.raises(NotFoundError, match="model 99 does not exist"):
        client.terms(model_id=99)


def test_licence_returnsPurchasedLicence(client: ChainClient, platform: Platform) -> None:
    owner, buyer = platform.chain.addresses[2], platform.chain.addresses[4]
    model_id = platform.register_model(owner, terms=make_terms(price=100 * USDC, duration=3_600))
    licence_id = platform.buy(buyer, model_id)
    licenses, usdc = client.contract("LicenseManager"), client.contract("MockUSDC")
    platform.transact(usdc.functions.faucet(buyer, 5 * USDC), buyer)
    platform.transact(usdc.functions.approve(licenses.address, 5 * USDC), buyer)
    platform.transact(licenses.functions.deposit(licence_id, 5 * USDC), buyer)
    (purchase,) = licenses.events.LicensePurchased().get_logs(from_block=0)

    licence = client.licence(licence_id=licence_id)

    assert licence.licence_id == licence_id
    assert licence.holder == buyer
    assert licence.model_id == model_id
    assert licence.terms_version == 1
    assert licence.terms == client.terms(model_id=model_id)
    assert licence.expires_at == _block_time(client, purchase["blockNumber"]) + timedelta(seconds=3_600)
    assert licence.derivations == 0
    assert licence.credit == 5 * USDC
    assert licence.settled_calls == 0
    assert licence.last_settled_epoch == 0
    assert licence.valid


def test_licence_expiredIsInvalid(client: ChainClient, platform: Platform) -> None:
    model_id = platform.register_model(platform.chain.addresses[2], terms=make_terms(duration=60))
    licence_id = platform.buy(platform.chain.addresses[4], model_id)
    platform.chain.rpc("evm_increaseTime", 61)
    platform.chain.rpc("evm_mine")

    assert not client.licence(licence_id=licence_id).valid


def test_licence_missingIsNotFound(client: ChainClient) -> None:
    with pytest.raises(NotFoundError, match="licence 42 does not exist"):
        client.licence(licence_id=42)


def test_proposal_returnsStateAndTallies(client: ChainClient, platform: Platform) -> None:
    deployer, against, abstain = platform.chain.addresses[0], *platform.chain.addresses[5:7]
    prov, governor = client.contract("ProvenanceToken"), client.contract("ProvenantGovernor")
    licenses = client.contract("LicenseManager")
    model_id = platform.register_model(platform.chain.addresses[2])
    for voter, amount in ((against, 2_000 * PROV), (abstain, 500 * PROV)):
        platform.transact(prov.functions.transfer(voter, amount), deployer)
        platform.transact(prov.functions.delegate(voter), voter)
    platform.transact(prov.functions.delegate(deployer), deployer)
    platform.chain.rpc("anvil_mine", 1)  # the proposer's votes count from the block before the proposal
    calldata = licenses.encode_abi("setTerms", args=[model_id, make_terms(price=1 * USDC)])
    receipt = platform.transact(
        governor.functions.propose([licenses.address], [0], [calldata], "Cut the price"), deployer
    )
    created = platform.event(receipt, "ProvenantGovernor", "ProposalCreated")
    proposal_id = created["proposalId"]
    assert client.proposal(proposal_id=proposal_id).state is ProposalState.PENDING
    platform.chain.rpc("anvil_mine", 2)
    platform.transact(governor.functions.castVote(proposal_id, 1), deployer)
    platform.transact(governor.functions.castVoteWithReason(proposal_id, 0, "too cheap"), against)
    platform.transact(governor.functions.castVote(proposal_id, 2), abstain)

    proposal = client.proposal(proposal_id=proposal_id)

    assert proposal.proposal_id == proposal_id
    assert proposal.state is ProposalState.ACTIVE
    assert proposal.proposer == deployer
    assert proposal.votes_for == prov.functions.balanceOf(deployer).call()
    assert proposal.votes_against == 2_000 * PROV
    assert proposal.votes_abstain == 500 * PROV
    assert proposal.snapshot == created["voteStart"]
    assert proposal.deadline >= created["voteEnd"]
    assert proposal.eta == 0


def test_proposal_missingIsNotFound(client: ChainClient) -> None:
    with pytest.raises(NotFoundError, match="proposal 12345 does not exist"):
        client.proposal(proposal_id=12345)


def test_call_revertCarriesDecodedCustomError(client: ChainClient, platform: Platform) -> None:
    model_id = platform.register_model(platform.chain.addresses[2], terms=make_terms(price=100 * USDC))
    purchase = client.contract("LicenseManager").functions.purchase(
        model_id, platform.chain.addresses[4], 1, 1
    )

    with pytest.raises(ContractReverted) as raised:
        client.call(purchase)

    assert (
        str(raised.value)
        == "call purchase reverted: LicenseManagerPriceAboveMax(price=100000000, maxPrice=1)"
    )
    assert raised.value.error.name == "LicenseManagerPriceAboveMax"
    assert dict(raised.value.error.args) == {"price": 100 * USDC, "maxPrice": 1}


def test_call_revertShowsEnumsAndAddressesReadably(client: ChainClient, platform: Platform) -> None:
    registry = client.contract("AssetRegistry")
    dataset_id = platform.register_dataset(platform.chain.addresses[1])
    stranger = platform.chain.addresses[7]

    with pytest.raises(
        ContractReverted,
        match=f"AssetRegistryWrongKind\\(assetId={dataset_id}, expected=MODEL, actual=DATASET\\)",
    ):
        client.call(registry.functions.modelVersion(dataset_id, 1))
    # A revert met outside the client (here web3's own call) decodes the same way.
    with pytest.raises(ContractCustomError) as raised:
        registry.functions.commitDatasetVersion(dataset_id, b"\x01" * 32, "Qm").call({"from": stranger})
    assert str(client.decode_revert(data=raised.value.data)) == (
        f"AssetRegistryUnauthorized(assetId={dataset_id}, caller='{stranger}')"
    )


def _error(selector: str, types: list[str], values: list[object]) -> bytes:
    return keccak(text=selector)[:4] + encode(types, values)


def test_errorDecoder_standardUnknownAndEmptyReverts() -> None:
    decoder = ErrorDecoder([])

    assert str(decoder.decode(_error("Error(string)", ["string"], ["nope"]))) == "Error('nope')"
    assert str(decoder.decode(_error("Panic(uint256)", ["uint256"], [0x11]))) == (
        "Panic(0x11: arithmetic overflow or underflow)"
    )
    assert str(decoder.decode("0x")) == "revert without data"
    unknown = decoder.decode("0xdeadbeef0102")
    assert unknown == DecodedError(
        "UnknownError", (("selector", bytes.fromhex("deadbeef")), ("data", b"\x01\x02"))
    )
    assert str(unknown) == "UnknownError(selector=0xdeadbeef, data=0x0102)"


def test_errorDecoder_truncatedArgumentsStillNamed(client: ChainClient) -> None:
    data = _error("LicenseManagerUnknownLicense(uint256)", ["uint256"], [7])[:20]

    decoded = client.decode_revert(data=data)

    assert decoded.name == "LicenseManagerUnknownLicense"
    assert str(decoded).startswith("LicenseManagerUnknownLicense(undecodable=0x")
