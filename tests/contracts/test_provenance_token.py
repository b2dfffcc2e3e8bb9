"""ProvenanceToken (PROV) as deployed: the cap and the genesis allocation, minting by the reward distributor
alone, EIP-2612 permits and vote delegation signed with real keys, and block-number vote checkpoints.

The signing keys are fixed test keys that hold no ether: their signatures are relayed by other accounts.
"""

from __future__ import annotations

import brownie
import pytest
from brownie import ProvenanceToken, chain, web3
from eth_account import Account as EthAccount
from eth_account.messages import encode_typed_data

from tests.contracts.conftest import custom_error

PROV = 10**18
CAP = 1_000_000_000 * PROV  # DeployConfig defaults
GENESIS = 100_000_000 * PROV
HOLDER_KEY = "0x" + "a1" * 32
OTHER_KEY = "0x" + "b2" * 32
HOLDER = EthAccount.from_key(HOLDER_KEY).address
OTHER = EthAccount.from_key(OTHER_KEY).address

PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}
DELEGATION_TYPES = {
    "Delegation": [
        {"name": "delegatee", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ]
}


def signed(prov, key: str, types: dict, message: dict) -> tuple:
    """`message` signed as EIP-712 typed data for PROV's domain: (v, r, s) as the contract takes them."""
    domain = {"name": "Provenant", "version": "1", "chainId": chain.id, "verifyingContract": prov.address}
    signature = EthAccount.sign_message(encode_typed_data(domain, types, message), key)
    return signature.v, f"0x{signature.r:064x}", f"0x{signature.s:064x}"


def recovered(prov, types: dict, message: dict, vrs: tuple) -> str:
    """The signer ECDSA recovers for `message` from signature `vrs`."""
    domain = {"name": "Provenant", "version": "1", "chainId": chain.id, "verifyingContract": prov.address}
    v, r, s = vrs
    return EthAccount.recover_message(
        encode_typed_data(domain, types, message), vrs=(v, int(r, 16), int(s, 16))
    )


def permit_message(owner: str, spender, value: int, nonce: int, deadline: int) -> dict:
    return {"owner": owner, "spender": str(spender), "value": value, "nonce": nonce, "deadline": deadline}


@pytest.fixture
def prov(system):
    return system.prov


@pytest.fixture
def minter(system):
    """The reward distributor impersonated on anvil: PROV's only minter."""
    return brownie.accounts.at(system.rewards.address, force=True)


@pytest.fixture
def holder_funded(prov, system) -> None:
    """HOLDER owns 1,000 PROV and has not delegated."""
    prov.transfer(HOLDER, 1_000 * PROV, {"from": system.deployer})


# --- cap and genesis ------------------------------------------------------------------------------------


def test_deploy_mintsGenesisToDeployerWithinCap(prov, system):
    assert (prov.name(), prov.symbol(), prov.decimals()) == ("Provenant", "PROV", 18)
    assert prov.cap() == CAP
    assert prov.totalSupply() == GENESIS
    assert prov.balanceOf(system.deployer) == GENESIS
    mint = prov.tx.events["Transfer"]
    assert (mint["from"], mint["to"], mint["value"]) == (brownie.ZERO_ADDRESS, system.deployer, GENESIS)


def test_constructor_genesisToRecipient_countsAgainstCap(accounts):
    token = ProvenanceToken.deploy(accounts[4], 7 * PROV, 10 * PROV, accounts[5], {"from": accounts[0]})
    assert token.balanceOf(accounts[4]) == token.totalSupply() == 7 * PROV
    assert token.balanceOf(accounts[0]) == 0
    token.mint(accounts[6], 3 * PROV, {"from": accounts[5]})
    with brownie.reverts(custom_error("ERC20ExceededCap", 10 * PROV + 1, 10 * PROV)):
        token.mint(accounts[6], 1, {"from": accounts[5]})


def test_constructor_genesisAboveCap_reverts(accounts):
    with brownie.reverts(custom_error("ERC20ExceededCap", 10 * PROV + 1, 10 * PROV)):
        ProvenanceToken.deploy(accounts[4], 10 * PROV + 1, 10 * PROV, accounts[5], {"from": accounts[0]})


def test_constructor_zeroCap_reverts(accounts):
    with brownie.reverts(custom_error("ERC20InvalidCap", 0)):
        ProvenanceToken.deploy(accounts[4], 0, 0, accounts[5], {"from": accounts[0]})


# --- minting --------------------------------------------------------------------------------------------


def test_mint_byRewardDistributor_mintsToRecipient(prov, minter, accounts):
    tx = prov.mint(accounts[3], 5 * PROV, {"from": minter})
    assert prov.balanceOf(accounts[3]) == 5 * PROV
    assert prov.totalSupply() == GENESIS + 5 * PROV
    assert tx.events["Transfer"]["from"] == brownie.ZERO_ADDRESS


@pytest.mark.parametrize("caller_name", ["deployer", "timelock_account", "oracle", "guardian"])
def test_mint_byAnyoneButRewardDistributor_revertsWithCaller(prov, system, caller_name):
    caller = getattr(system, caller_name)
    with brownie.reverts(custom_error("ProvenanceTokenUnauthorizedMinter", caller)):
        prov.mint(caller, 1, {"from": caller})
    assert prov.totalSupply() == GENESIS


def test_mint_aboveCap_revertsAndUpToCapSucceeds(prov, minter, accounts):
    headroom = CAP - GENESIS
    with brownie.reverts(custom_error("ERC20ExceededCap", CAP + 1, CAP)):
        prov.mint(accounts[3], headroom + 1, {"from": minter})
    prov.mint(accounts[3], headroom, {"from": minter})
    assert prov.totalSupply() == CAP
    with brownie.reverts(custom_error("ERC20ExceededCap", CAP + 1, CAP)):
        prov.mint(accounts[3], 1, {"from": minter})


# --- EIP-2612 permit ------------------------------------------------------------------------------------


def test_domainSeparator_matchesEip712DomainOfProvenantVersion1(prov):
    domain = {"name": "Provenant", "version": "1", "chainId": chain.id, "verifyingContract": prov.address}
    expected = encode_typed_data(domain, PERMIT_TYPES, permit_message(HOLDER, OTHER, 0, 0, 0)).header
    assert prov.DOMAIN_SEPARATOR() == "0x" + expected.hex()
    fields, name, version, chain_id, contract, _, _ = prov.eip712Domain()
    assert (fields, name, version, chain_id, contract) == ("0x0f", "Provenant", "1", chain.id, prov.address)


@pytest.mark.usefixtures("holder_funded")
def test_permit_withHoldersSignature_setsAllowanceSpendsNonceAndLetsSpenderPull(prov, accounts):
    spender = accounts[2]
    deadline = chain[-1].timestamp + 3_600
    vrs = signed(prov, HOLDER_KEY, PERMIT_TYPES, permit_message(HOLDER, spender, 400 * PROV, 0, deadline))

    tx = prov.permit(HOLDER, spender, 400 * PROV, deadline, *vrs, {"from": spender})

    assert prov.allowance(HOLDER, spender) == 400 * PROV
    assert prov.nonces(HOLDER) == 1
    assert dict(tx.events["Approval"]) == {"owner": HOLDER, "spender": spender, "value": 400 * PROV}
    prov.transferFrom(HOLDER, accounts[3], 400 * PROV, {"from": spender})
    assert prov.balanceOf(accounts[3]) == 400 * PROV
    assert prov.allowance(HOLDER, spender) == 0


@pytest.mark.usefixtures("holder_funded")
def test_permit_replayed_revertsAsAnotherSigner(prov, accounts):
    # The nonce is part of the signed message: once spent, the same signature recovers another address.
    spender = accounts[2]
    deadline = chain[-1].timestamp + 3_600
    vrs = signed(prov, HOLDER_KEY, PERMIT_TYPES, permit_message(HOLDER, spender, 400 * PROV, 0, deadline))
    prov.permit(HOLDER, spender, 400 * PROV, deadline, *vrs, {"from": spender})

    signer = recovered(prov, PERMIT_TYPES, permit_message(HOLDER, spender, 400 * PROV, 1, deadline), vrs)
    with brownie.reverts(custom_error("ERC2612InvalidSigner", signer, HOLDER)):
        prov.permit(HOLDER, spender, 400 * PROV, deadline, *vrs, {"from": spender})
    assert prov.nonces(HOLDER) == 1


@pytest.mark.usefixtures("holder_funded")
def test_permit_signedByAnotherKey_reverts(prov, accounts):
    spender = accounts[2]
    deadline = chain[-1].timestamp + 3_600
    vrs = signed(prov, OTHER_KEY, PERMIT_TYPES, permit_message(HOLDER, spender, PROV, 0, deadline))
    with brownie.reverts(custom_error("ERC2612InvalidSigner", OTHER, HOLDER)):
        prov.permit(HOLDER, spender, PROV, deadline, *vrs, {"from": spender})
    assert prov.allowance(HOLDER, spender) == 0


@pytest.mark.usefixtures("holder_funded")
def test_permit_afterDeadline_reverts(prov, accounts):
    spender = accounts[2]
    deadline = chain[-1].timestamp - 1
    vrs = signed(prov, HOLDER_KEY, PERMIT_TYPES, permit_message(HOLDER, spender, PROV, 0, deadline))
    with brownie.reverts(custom_error("ERC2612ExpiredSignature", deadline)):
        prov.permit(HOLDER, spender, PROV, deadline, *vrs, {"from": spender})


# --- delegation and checkpoints -------------------------------------------------------------------------


def test_clock_isBlockNumber(prov):
    assert prov.CLOCK_MODE() == "mode=blocknumber&from=default"
    number = web3.eth.block_number
    assert prov.clock(block_identifier=number) == number


def test_delegate_self_countsBalanceAsVotesFromThatBlock(prov, system, accounts):
    holder = accounts[3]
    prov.transfer(holder, 1_000 * PROV, {"from": system.deployer})
    assert prov.getVotes(holder) == 0  # balances weigh nothing until delegated

    tx = prov.delegate(holder, {"from": holder})

    assert prov.getVotes(holder) == 1_000 * PROV
    assert prov.delegates(holder) == holder
    assert dict(tx.events["DelegateChanged"]) == {
        "delegator": holder,
        "fromDelegate": brownie.ZERO_ADDRESS,
        "toDelegate": holder,
    }
    assert dict(tx.events["DelegateVotesChanged"]) == {
        "delegate": holder,
        "previousVotes": 0,
        "newVotes": 1_000 * PROV,
    }
    chain.mine()
    assert prov.getPastVotes(holder, tx.block_number - 1) == 0
    assert prov.getPastVotes(holder, tx.block_number) == 1_000 * PROV


def test_getPastVotes_followsTransfersAndRedelegationBlockByBlock(prov, system, accounts):
    alice, bob, carol = accounts[3], accounts[4], accounts[5]
    prov.transfer(alice, 1_000 * PROV, {"from": system.deployer})
    delegated = prov.delegate(alice, {"from": alice}).block_number
    prov.delegate(carol, {"from": bob})  # bob's future balance votes with carol
    moved = prov.transfer(bob, 300 * PROV, {"from": alice}).block_number
    redelegated = prov.delegate(carol, {"from": alice}).block_number
    chain.mine()

    history = {
        delegated - 1: (0, 0),
        delegated: (1_000 * PROV, 0),
        moved: (700 * PROV, 300 * PROV),
        redelegated: (0, 1_000 * PROV),
    }
    for block, (alice_votes, carol_votes) in history.items():
        assert (prov.getPastVotes(alice, block), prov.getPastVotes(carol, block)) == (
            alice_votes,
            carol_votes,
        )
        assert prov.getPastVotes(bob, block) == 0
    assert prov.numCheckpoints(alice) == 3
    assert prov.getPastTotalSupply(redelegated) == GENESIS


def test_getPastVotes_currentOrFutureBlock_reverts(prov, accounts):
    clock = web3.eth.block_number  # calls run in this block
    assert prov.getPastVotes(accounts[3], clock - 1, block_identifier=clock) == 0
    for timepoint in (clock, clock + 10):
        with brownie.reverts(custom_error("ERC5805FutureLookup", timepoint, clock)):
            prov.getPastVotes(accounts[3], timepoint, block_identifier=clock)
    with brownie.reverts(custom_error("ERC5805FutureLookup", clock, clock)):
        prov.getPastTotalSupply(clock, block_identifier=clock)


@pytest.mark.usefixtures("holder_funded")
def test_delegateBySig_withHoldersSignature_delegatesHoldersVotes(prov, accounts):
    delegatee, relayer = accounts[3], accounts[4]
    expiry = chain[-1].timestamp + 3_600
    vrs = signed(
        prov, HOLDER_KEY, DELEGATION_TYPES, {"delegatee": str(delegatee), "nonce": 0, "expiry": expiry}
    )

    prov.delegateBySig(delegatee, 0, expiry, *vrs, {"from": relayer})

    assert prov.delegates(HOLDER) == delegatee
    assert prov.getVotes(delegatee) == 1_000 * PROV
    assert prov.nonces(HOLDER) == 1


@pytest.mark.usefixtures("holder_funded")
def test_delegateBySig_nonceSpentByPermit_reverts(prov, accounts):
    # Permits and delegations draw on one nonce sequence per signer.
    spender, delegatee = accounts[2], accounts[3]
    deadline = chain[-1].timestamp + 3_600
    permit_vrs = signed(prov, HOLDER_KEY, PERMIT_TYPES, permit_message(HOLDER, spender, PROV, 0, deadline))
    prov.permit(HOLDER, spender, PROV, deadline, *permit_vrs, {"from": spender})

    message = {"delegatee": str(delegatee), "nonce": 0, "expiry": deadline}
    vrs = signed(prov, HOLDER_KEY, DELEGATION_TYPES, message)
    with brownie.reverts(custom_error("InvalidAccountNonce", HOLDER, 1)):
        prov.delegateBySig(delegatee, 0, deadline, *vrs, {"from": spender})
    assert prov.delegates(HOLDER) == brownie.ZERO_ADDRESS


@pytest.mark.usefixtures("holder_funded")
def test_delegateBySig_afterExpiry_reverts(prov, accounts):
    expiry = chain[-1].timestamp - 1
    vrs = signed(
        prov, HOLDER_KEY, DELEGATION_TYPES, {"delegatee": str(accounts[3]), "nonce": 0, "expiry": expiry}
    )
    with brownie.reverts(custom_error("VotesExpiredSignature", expiry)):
        prov.delegateBySig(accounts[3], 0, expiry, *vrs, {"from": accounts[4]})
