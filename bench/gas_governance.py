"""Gas of the DAO's hot paths: ProvenantGovernor against the plain OpenZeppelin Wizard governor.

Both governors get their own PROV, timelock and governed counter, the same parameters and the same vote
distribution, and run the same proposal: propose, four votes, queue, execute. Each vote comes from a fresh
voter, so every row pays the same cold storage on both sides. The late-quorum extension does its work on
votes, so the votes are reported by where they fall against the quorum. All four come before the final
late-quorum window (the last LATE_QUORUM_EXTENSION blocks); docs/contracts.md gives the cost of votes
inside it.
"""

from __future__ import annotations

from brownie import (
    GovernedCounter,
    PlainGovernor,
    ProvenanceToken,
    ProvenantGovernor,
    TimelockController,
    chain,
)
from eth_utils import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
PROV = 10**18
SUPPLY = 1_000_000 * PROV
TIMELOCK_DELAY = 60  # seconds
VOTING_DELAY = 1  # blocks
VOTING_PERIOD = 20  # blocks
PROPOSAL_THRESHOLD = 1_000 * PROV
QUORUM_PERCENT = 4  # 40,000 PROV of the supply
LATE_QUORUM_EXTENSION = 10  # blocks
AGAINST, FOR, ABSTAIN = 0, 1, 2

# (row label, voter index, support, reason): For + Abstain crosses the 40,000 PROV quorum on the third vote.
VOTES = (
    ("castVote (before quorum)", 1, FOR, None),
    ("castVote Against (before quorum)", 2, AGAINST, None),
    ("castVoteWithReason (reaches quorum)", 3, ABSTAIN, "Fine either way"),
    ("castVote (after quorum)", 4, FOR, None),
)
DESCRIPTION = "Set the counter to 42"
DESCRIPTION_HASH = keccak(text=DESCRIPTION)
HOLDINGS = {1: 30_000 * PROV, 2: 20_000 * PROV, 3: 15_000 * PROV, 4: 10_000 * PROV}


def _deploy(deployer, late_quorum: bool):
    tx = {"from": deployer}
    token = ProvenanceToken.deploy(deployer, SUPPLY, SUPPLY, deployer, tx)
    governor_address = deployer.get_deployment_address(deployer.nonce + 1)
    timelock = TimelockController.deploy(TIMELOCK_DELAY, [governor_address], [ZERO_ADDRESS], ZERO_ADDRESS, tx)
    params = (token, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT)
    if late_quorum:
        governor = ProvenantGovernor.deploy(*params, LATE_QUORUM_EXTENSION, tx)
    else:
        governor = PlainGovernor.deploy(*params, tx)
    counter = GovernedCounter.deploy(timelock, tx)
    return token, governor, counter


def _run(accounts, late_quorum: bool) -> dict[str, int]:
    deployer = accounts[0]
    token, governor, counter = _deploy(deployer, late_quorum)
    token.delegate(deployer, {"from": deployer})
    for index, amount in HOLDINGS.items():
        token.transfer(accounts[index], amount, {"from": deployer})
        token.delegate(accounts[index], {"from": accounts[index]})
    chain.mine(1)

    actions = ([counter.address], [0], [counter.setValue.encode_input(42)])
    gas = {"propose": governor.propose(*actions, DESCRIPTION, {"from": deployer}).gas_used}
    proposal_id = governor.hashProposal(*actions, DESCRIPTION_HASH)
    chain.mine(VOTING_DELAY + 1)
    for label, voter, support, reason in VOTES:
        tx = {"from": accounts[voter]}
        if reason is None:
            gas[label] = governor.castVote(proposal_id, support, tx).gas_used
        else:
            gas[label] = governor.castVoteWithReason(proposal_id, support, reason, tx).gas_used
    chain.mine(VOTING_PERIOD + LATE_QUORUM_EXTENSION)
    gas["queue"] = governor.queue(*actions, DESCRIPTION_HASH, {"from": deployer}).gas_used
    chain.sleep(TIMELOCK_DELAY + 1)
    chain.mine(1)
    gas["execute"] = governor.execute(*actions, DESCRIPTION_HASH, {"from": deployer}).gas_used
    if counter.value() != 42:
        raise RuntimeError("the proposal did not execute")
    return gas


def measure_governance_gas(accounts) -> list[dict]:
    """Gas of each operation on ProvenantGovernor and on the plain OpenZeppelin governor, from receipts."""
    ours = _run(accounts, late_quorum=True)
    plain = _run(accounts, late_quorum=False)
    return [
        {"operation": op, "provenant": ours[op], "openzeppelin": plain[op], "ratio": ours[op] / plain[op]}
        for op in ours
    ]
