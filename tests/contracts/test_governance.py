"""ProvenantGovernor and its TimelockController driven through real proposals, on the system that
scripts/deploy.py deploys with its development parameters: voting delay 1 block, voting period 20 blocks,
late-quorum extension 10 blocks, quorum 4 % of the supply, proposal threshold 1,000 PROV, timelock delay 60 s.

Each contract's own tests check that its setters refuse everyone but the timelock (impersonated there); here the
timelock acts only because a proposal passed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import IntEnum

import brownie
import pytest
from brownie import ZERO_ADDRESS, ProvenantGovernor, TimestampClock, chain
from brownie.test import given
from eth_utils import keccak
from hexbytes import HexBytes
from hypothesis import settings
from hypothesis import strategies as st

from backend.domain.merkle import RewardTree
from scripts.deploy import DeployConfig, deploy
from tests.contracts.conftest import (
    ALL_PERMISSIONS,
    USDC,
    System,
    anvil_rpc,
    cid,
    custom_error,
    make_terms,
    plain,
)

PROV = 10**18
DAY = 86_400
SUPPLY = 100_000_000 * PROV  # the genesis allocation, all of it the deployer's
QUORUM_PERCENT = 4
QUORUM = SUPPLY * QUORUM_PERCENT // 100
THRESHOLD = 1_000 * PROV
VOTING_DELAY, VOTING_PERIOD, EXTENSION = 1, 20, 10  # blocks
TIMELOCK_DELAY = 60  # seconds
AGAINST, FOR, ABSTAIN = 0, 1, 2
ZERO_BYTES32 = "0x" + "00" * 32
# Delegated holdings: Alice and Bob together make the quorum exactly; Carol alone outweighs Alice.
ALICE, BOB, CAROL = 2_500_000 * PROV, 1_500_000 * PROV, 3_000_000 * PROV


class State(IntEnum):
    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


def bitmap(*bits: int) -> str:
    """A state bitmap as OpenZeppelin's governor and timelock errors carry it (bytes32)."""
    return "0x" + sum(1 << bit for bit in bits).to_bytes(32, "big").hex()


TIMELOCK_READY = bitmap(2)  # TimelockController.OperationState.Ready


def bytes32(value) -> str:
    """A role or other bytes32 value as 0x-prefixed lower-case hex, whatever type Brownie gave it in."""
    return "0x" + bytes(HexBytes(value)).hex()


def governor_salt(governor, description_hash: bytes) -> str:
    """The salt under which the governor schedules a proposal on the timelock (GovernorTimelockControl)."""
    address = bytes.fromhex(governor.address[2:]) + bytes(12)
    return "0x" + bytes(a ^ b for a, b in zip(address, description_hash, strict=True)).hex()


def mine_through(block: int) -> None:
    """Mines empty blocks up to `block`: calls then see `block`, the next transaction lands in the one after."""
    if block > chain.height:
        chain.mine(block - chain.height)


def action(contract, function: str, *args) -> tuple[str, str]:
    """One call of a proposal: target and calldata."""
    return contract.address, getattr(contract, function).encode_input(*args)


@dataclass
class Proposal:
    id: int
    targets: list[str]
    calldatas: list[str]
    description: str
    block: int  # where it was proposed

    @property
    def actions(self) -> tuple:
        """(targets, values, calldatas, descriptionHash), as queue, execute and cancel take them."""
        return self.targets, [0] * len(self.targets), self.calldatas, keccak(text=self.description)


@dataclass
class Dao:
    system: object
    alice: object
    bob: object
    carol: object
    proposer: object  # holds exactly the proposal threshold

    @property
    def governor(self):
        return self.system.governor

    def state(self, proposal: Proposal) -> State:
        """The state as of the latest block."""
        return State(self.governor.state(proposal.id))

    def deadline(self, proposal: Proposal) -> int:
        return self.governor.proposalDeadline(proposal.id)

    def propose(self, actions: list[tuple[str, str]], description: str, proposer=None) -> Proposal:
        targets, calldatas = [a[0] for a in actions], [a[1] for a in actions]
        tx = self.governor.propose(
            targets, [0] * len(targets), calldatas, description, {"from": proposer or self.proposer}
        )
        return Proposal(
            tx.events["ProposalCreated"]["proposalId"], targets, calldatas, description, tx.block_number
        )

    def open_voting(self, proposal: Proposal) -> None:
        """Mines until the proposal is Active in the latest block."""
        mine_through(self.governor.proposalSnapshot(proposal.id) + 1)

    def vote(
        self, proposal: Proposal, voter, support: int, reason: str | None = None, *, at: int | None = None
    ):
        """Casts a vote, in block `at` if given."""
        if at is not None:
            mine_through(at - 1)
        if reason is None:
            tx = self.governor.castVote(proposal.id, support, {"from": voter})
        else:
            tx = self.governor.castVoteWithReason(proposal.id, support, reason, {"from": voter})
        assert at is None or tx.block_number == at
        return tx

    def close_voting(self, proposal: Proposal) -> None:
        """Mines until the proposal's vote is over in the latest block."""
        mine_through(self.deadline(proposal) + 1)

    def queue(self, proposal: Proposal):
        return self.governor.queue(*proposal.actions, {"from": self.alice})

    def execute(self, proposal: Proposal):
        return self.governor.execute(*proposal.actions, {"from": self.alice})

    def pass_(self, actions: list[tuple[str, str]], description: str) -> Proposal:
        """Proposes and votes a proposal through (Alice and Bob For: the quorum exactly)."""
        proposal = self.propose(actions, description)
        self.open_voting(proposal)
        self.vote(proposal, self.alice, FOR)
        self.vote(proposal, self.bob, FOR)
        self.close_voting(proposal)
        return proposal

    def enact(self, actions: list[tuple[str, str]], description: str):
        """Passes, queues and executes a proposal; returns the execution."""
        proposal = self.pass_(actions, description)
        self.queue(proposal)
        chain.sleep(TIMELOCK_DELAY)
        return self.execute(proposal)


@pytest.fixture(scope="module")
def dao(system, accounts) -> Dao:
    prov, deployer = system.prov, system.deployer
    dao = Dao(system, alice=accounts[1], bob=accounts[2], carol=accounts[3], proposer=accounts[4])
    for holder, amount in ((dao.alice, ALICE), (dao.bob, BOB), (dao.carol, CAROL), (dao.proposer, THRESHOLD)):
        prov.transfer(holder, amount, {"from": deployer})
        prov.delegate(holder, {"from": holder})
    chain.mine(1)  # proposal thresholds are checked on the previous block
    return dao


# --- as deployed ----------------------------------------------------------------------------------------


def test_deployment_governorParametersMatchDeployConfig(system, dao):
    governor = dao.governor
    assert (governor.votingDelay(), governor.votingPeriod()) == (VOTING_DELAY, VOTING_PERIOD)
    assert governor.lateQuorumVoteExtension() == EXTENSION
    assert (governor.quorumNumerator(), governor.proposalThreshold()) == (QUORUM_PERCENT, THRESHOLD)
    assert system.timelock.getMinDelay() == TIMELOCK_DELAY
    assert governor.clock() == system.prov.clock() == chain.height
    assert governor.CLOCK_MODE() == "mode=blocknumber&from=default"


def test_constructor_tokenClockInSeconds_reverts(system):
    clock = TimestampClock.deploy({"from": system.deployer})
    with brownie.reverts(custom_error("ProvenantGovernorTokenClockNotBlockNumber", clock)):
        ProvenantGovernor.deploy(
            clock,
            system.timelock,
            VOTING_DELAY,
            VOTING_PERIOD,
            THRESHOLD,
            QUORUM_PERCENT,
            EXTENSION,
            {"from": system.deployer},
        )


def test_deployment_grantsNoRoleBeyondTheDaoOracleAndGuardian(system):
    timelock, governor, registry, licenses, rewards = (
        system.timelock,
        system.governor,
        system.registry,
        system.licenses,
        system.rewards,
    )
    admin = ZERO_BYTES32
    expected = [
        (registry, [(admin, timelock), (registry.ORACLE_ROLE(), system.oracle)]),
        (licenses, [(admin, timelock), (licenses.ORACLE_ROLE(), system.oracle)]),
        (system.router, [(admin, timelock)]),
        (
            rewards,
            [
                (admin, timelock),
                (rewards.ORACLE_ROLE(), system.oracle),
                (rewards.GUARDIAN_ROLE(), system.guardian),
            ],
        ),
        (
            timelock,
            [
                (admin, timelock),  # the timelock alone administers itself: role changes need a proposal
                (timelock.PROPOSER_ROLE(), governor),
                (timelock.CANCELLER_ROLE(), governor),
                (timelock.EXECUTOR_ROLE(), ZERO_ADDRESS),  # anyone may execute what is ready
            ],
        ),
    ]
    for contract, grants in expected:
        granted = contract.events.get_sequence(0, event_type="RoleGranted")
        assert sorted((bytes32(e.args.role), e.args.account) for e in granted) == sorted(
            (bytes32(role), str(account)) for role, account in grants
        )
        assert contract.events.get_sequence(0, event_type="RoleRevoked") == []


# --- the full path: a licence-terms change --------------------------------------------------------------


def test_termsProposal_proposeVoteQueueExecute_newSalesUseNewTermsSoldLicenceKeepsItsOwn(
    system, dao, accounts
):
    licenses, owner, buyer = system.licenses, accounts[5], accounts[6]
    old_terms = make_terms(price=100 * USDC, duration=30 * DAY)
    model = system.register_model(owner, terms=old_terms)
    old_licence = system.buy(buyer, model)
    old_record = plain(licenses.licenseOf(old_licence))
    new_terms = make_terms(price=250 * USDC, duration=60 * DAY, permissions=ALL_PERMISSIONS)

    proposal = dao.propose([action(licenses, "setTerms", model, new_terms)], "Model 1: 250 USDC for 60 days")
    assert dao.state(proposal) == State.PENDING
    dao.open_voting(proposal)
    assert dao.state(proposal) == State.ACTIVE
    tx = dao.vote(proposal, dao.alice, FOR, "Fair for twice the duration")
    assert dict(tx.events["VoteCast"]) == {
        "voter": dao.alice,
        "proposalId": proposal.id,
        "support": FOR,
        "weight": ALICE,
        "reason": "Fair for twice the duration",
    }
    dao.vote(proposal, dao.bob, FOR)
    dao.vote(proposal, dao.carol, AGAINST, "Too expensive")
    assert plain(dao.governor.proposalVotes(proposal.id)) == (CAROL, ALICE + BOB, 0)
    dao.close_voting(proposal)
    assert dao.state(proposal) == State.SUCCEEDED

    queued = dao.queue(proposal)
    assert dao.state(proposal) == State.QUEUED
    assert dao.governor.proposalEta(proposal.id) == queued.timestamp + TIMELOCK_DELAY
    chain.sleep(TIMELOCK_DELAY)
    executed = dao.execute(proposal)
    assert dao.state(proposal) == State.EXECUTED
    assert executed.events["TermsPublished"]["modelId"] == model
    assert executed.events["TermsPublished"]["version"] == 2
    assert licenses.currentTermsVersion(model) == 2

    system.fund(buyer, 250 * USDC)
    # A buyer who saw version 1 does not get version 2's terms.
    with brownie.reverts("LicenseManagerTermsVersionMismatch: 1, 2"):
        licenses.purchase(model, buyer, 250 * USDC, 1, {"from": buyer})
    bought = licenses.purchase(model, buyer, 250 * USDC, 2, {"from": buyer})
    new_licence = bought.events["LicensePurchased"]["licenceId"]
    assert bought.events["LicensePurchased"]["price"] == 250 * USDC
    assert plain(licenses.licenseOf(new_licence))[1:3] == (2, bought.timestamp + 60 * DAY)
    assert plain(licenses.licenseTerms(new_licence)) == plain(new_terms)
    # The licence sold before keeps its terms version, price, permissions and expiry.
    assert plain(licenses.licenseOf(old_licence)) == old_record
    assert old_record[1] == 1
    assert plain(licenses.licenseTerms(old_licence)) == plain(old_terms)
    assert licenses.isValid(old_licence)


# --- votes count at the snapshot ------------------------------------------------------------------------


def test_castVote_provReceivedOrDelegatedAfterSnapshot_weighsNothing(system, dao, accounts):
    prov, governor, attacker = system.prov, dao.governor, accounts[7]
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    dao.open_voting(proposal)
    snapshot = governor.proposalSnapshot(proposal.id)

    # A flash loan after the snapshot: borrow, delegate, attract Carol's delegation, vote, repay.
    loan = 50_000_000 * PROV
    prov.transfer(attacker, loan, {"from": system.deployer})
    prov.delegate(attacker, {"from": attacker})
    prov.delegate(attacker, {"from": dao.carol})
    assert prov.getVotes(attacker) == loan + CAROL
    tx = dao.vote(proposal, attacker, FOR)
    prov.transfer(system.deployer, loan, {"from": attacker})

    assert tx.events["VoteCast"]["weight"] == 0
    assert governor.getVotes(attacker, snapshot) == 0
    # Alice's balance doubled after the snapshot and Carol delegated hers away: both vote their snapshot weight.
    prov.transfer(dao.alice, ALICE, {"from": system.deployer})
    assert dao.vote(proposal, dao.alice, FOR).events["VoteCast"]["weight"] == ALICE
    assert dao.vote(proposal, dao.carol, AGAINST).events["VoteCast"]["weight"] == CAROL
    assert plain(governor.proposalVotes(proposal.id)) == (CAROL, ALICE, 0)


@settings(max_examples=25)
@given(
    moves=st.lists(
        st.tuples(st.booleans(), st.integers(0, 6), st.integers(0, 6), st.integers(1, 10_000)), max_size=6
    )
)
def test_castVote_anyTransfersAndDelegationsAfterSnapshot_countSnapshotWeights(system, dao, accounts, moves):
    prov = system.prov
    # The deployer's undelegated genesis balance is what a flash loan would lend.
    holders = [system.deployer, dao.alice, dao.bob, dao.carol, accounts[5], accounts[6], accounts[7]]
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    dao.open_voting(proposal)
    at_snapshot = [prov.getVotes(holder) for holder in holders]  # nothing moved since the snapshot block

    for is_transfer, source, target, share_bps in moves:
        sender, receiver = holders[source], holders[target]
        if is_transfer:
            prov.transfer(receiver, prov.balanceOf(sender) * share_bps // 10_000, {"from": sender})
        else:
            prov.delegate(receiver, {"from": sender})
    weights = [dao.vote(proposal, holder, FOR).events["VoteCast"]["weight"] for holder in holders]

    assert weights == at_snapshot
    assert plain(dao.governor.proposalVotes(proposal.id)) == (0, sum(at_snapshot), 0)


def test_castVote_undelegatedProv_weighsNothing(system, dao, accounts):
    holder = accounts[6]
    system.prov.transfer(holder, 10_000_000 * PROV, {"from": system.deployer})
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    dao.open_voting(proposal)

    # The deployer still holds most of the genesis allocation, never delegated.
    assert system.prov.balanceOf(system.deployer) > QUORUM
    assert dao.vote(proposal, system.deployer, FOR).events["VoteCast"]["weight"] == 0
    assert dao.vote(proposal, holder, FOR).events["VoteCast"]["weight"] == 0
    assert plain(dao.governor.proposalVotes(proposal.id)) == (0, 0, 0)


# --- proposal thresholds, quorum and outcomes -----------------------------------------------------------


def test_propose_belowThreshold_reverts(system, dao, accounts):
    poor = accounts[6]
    system.prov.transfer(poor, THRESHOLD - 1, {"from": system.deployer})
    system.prov.delegate(poor, {"from": poor})
    chain.mine(1)
    with brownie.reverts(custom_error("GovernorInsufficientProposerVotes", poor, THRESHOLD - 1, THRESHOLD)):
        dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee", proposer=poor)
    # One more wei and the same proposal is accepted.
    system.prov.transfer(poor, 1, {"from": system.deployer})
    chain.mine(1)
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee", proposer=poor)
    assert dao.governor.proposalProposer(proposal.id) == poor


@pytest.mark.parametrize(("shortfall", "outcome"), [(1, State.DEFEATED), (0, State.SUCCEEDED)])
def test_state_forPlusAbstainBelowOrAtQuorum_defeatedOrSucceeded(system, dao, shortfall, outcome):
    if shortfall:
        system.prov.transfer(system.deployer, shortfall, {"from": dao.bob})
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    dao.open_voting(proposal)
    dao.vote(proposal, dao.alice, FOR)
    dao.vote(proposal, dao.bob, ABSTAIN)
    dao.close_voting(proposal)

    assert dao.governor.quorum(dao.governor.proposalSnapshot(proposal.id)) == QUORUM
    assert plain(dao.governor.proposalVotes(proposal.id)) == (0, ALICE, BOB - shortfall)
    assert dao.state(proposal) == outcome


def test_cancel_byOtherThanProposer_reverts(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    with brownie.reverts(custom_error("GovernorUnableToCancel", proposal.id, dao.alice)):
        dao.governor.cancel(*proposal.actions, {"from": dao.alice})


def test_queue_canceledProposal_reverts(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    tx = dao.governor.cancel(*proposal.actions, {"from": dao.proposer})
    assert tx.events["ProposalCanceled"]["proposalId"] == proposal.id
    assert dao.state(proposal) == State.CANCELED

    dao.open_voting(proposal)
    with brownie.reverts(
        custom_error("GovernorUnexpectedProposalState", proposal.id, State.CANCELED, bitmap(State.ACTIVE))
    ):
        dao.vote(proposal, dao.alice, FOR)
    dao.close_voting(proposal)
    with brownie.reverts(
        custom_error("GovernorUnexpectedProposalState", proposal.id, State.CANCELED, bitmap(State.SUCCEEDED))
    ):
        dao.queue(proposal)


def test_cancel_afterVotingStarts_reverts(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    dao.open_voting(proposal)
    with brownie.reverts(custom_error("GovernorUnableToCancel", proposal.id, dao.proposer)):
        dao.governor.cancel(*proposal.actions, {"from": dao.proposer})
    assert dao.state(proposal) == State.ACTIVE


# --- the timelock ---------------------------------------------------------------------------------------


def test_execute_beforeTimelockDelay_revertsAndAfterItRuns(system, dao):
    router, timelock = system.router, system.timelock
    proposal = dao.pass_([action(router, "setProtocolFee", 500)], "Protocol fee 5 %")
    queued = dao.queue(proposal)
    operation = queued.events["CallScheduled"][0]["id"]
    salt = governor_salt(dao.governor, proposal.actions[3])
    assert bytes32(queued.events["CallSalt"]["salt"]) == salt
    eta = queued.timestamp + TIMELOCK_DELAY
    assert timelock.getTimestamp(operation) == eta
    too_early = custom_error("TimelockUnexpectedOperationState", operation, TIMELOCK_READY)

    with brownie.reverts(too_early):
        dao.execute(proposal)
    chain.sleep(TIMELOCK_DELAY // 2)
    with brownie.reverts(too_early):
        dao.execute(proposal)
    # Nor may anyone run the operation on the timelock itself, whose executor role is open to all.
    targets, values, calldatas, _ = proposal.actions
    with brownie.reverts(too_early):
        timelock.executeBatch(targets, values, calldatas, ZERO_BYTES32, salt, {"from": dao.alice})
    assert router.protocolFeeBps() == 250

    chain.sleep(TIMELOCK_DELAY // 2)
    executed = dao.execute(proposal)
    assert executed.timestamp >= eta
    assert router.protocolFeeBps() == 500
    assert timelock.isOperationDone(operation)
    assert dao.state(proposal) == State.EXECUTED


# --- what only a passed proposal may change -------------------------------------------------------------


def test_parameterProposal_executed_changesFeeTreasuryEmissionRateAndRootDelay(system, dao, accounts):
    router, rewards, new_treasury = system.router, system.rewards, accounts[6]
    executed = dao.enact(
        [
            action(router, "setProtocolFee", 500),
            action(router, "setTreasury", new_treasury),
            action(rewards, "setEmissionRate", 5 * PROV),
            action(rewards, "setRootDelay", 3_600),
        ],
        "Fee 5 %, new treasury, half the emission, one-hour root delay",
    )
    assert executed.events["ProtocolFeeSet"]["feeBps"] == 500
    assert executed.events["TreasurySet"]["treasury"] == new_treasury
    assert executed.events["EmissionRateSet"]["tokensPerSecond"] == 5 * PROV
    assert executed.events["RootDelaySet"]["delaySeconds"] == 3_600
    assert (router.protocolFeeBps(), router.treasury()) == (500, new_treasury)


def test_parameterProposal_defeated_neverReachesTheTimelock(system, dao):
    router, rewards, timelock = system.router, system.rewards, system.timelock
    proposal = dao.propose(
        [action(router, "setProtocolFee", 1_000), action(rewards, "setEmissionRate", 100 * PROV)],
        "Fee 10 %, maximal emission",
    )
    dao.open_voting(proposal)
    dao.vote(proposal, dao.alice, FOR)
    dao.vote(proposal, dao.bob, ABSTAIN)
    dao.vote(proposal, dao.carol, AGAINST)
    dao.close_voting(proposal)
    assert dao.state(proposal) == State.DEFEATED  # quorum reached, but more Against than For

    with brownie.reverts(
        custom_error("GovernorUnexpectedProposalState", proposal.id, State.DEFEATED, bitmap(State.SUCCEEDED))
    ):
        dao.queue(proposal)
    with brownie.reverts(
        custom_error(
            "GovernorUnexpectedProposalState",
            proposal.id,
            State.DEFEATED,
            bitmap(State.SUCCEEDED, State.QUEUED),
        )
    ):
        dao.execute(proposal)
    # Only the governor may schedule on the timelock, which runs nothing unscheduled.
    targets, values, calldatas, description_hash = proposal.actions
    salt = governor_salt(dao.governor, description_hash)
    with brownie.reverts(
        custom_error("AccessControlUnauthorizedAccount", dao.alice, timelock.PROPOSER_ROLE())
    ):
        timelock.scheduleBatch(
            targets, values, calldatas, ZERO_BYTES32, salt, TIMELOCK_DELAY, {"from": dao.alice}
        )
    operation = timelock.hashOperationBatch(targets, values, calldatas, ZERO_BYTES32, salt)
    with brownie.reverts(custom_error("TimelockUnexpectedOperationState", operation, TIMELOCK_READY)):
        timelock.executeBatch(targets, values, calldatas, ZERO_BYTES32, salt, {"from": dao.alice})
    assert router.protocolFeeBps() == 250


def test_revokePendingRootProposal_executed_clearsTheRoot(system, dao):
    rewards, root = system.rewards, "0x" + "ab" * 32
    rewards.submitRoot(1, root, 0, cid(1), {"from": system.oracle})
    executed = dao.enact([action(rewards, "revokePendingRoot", 1)], "Revoke the epoch 1 rewards root")
    assert dict(executed.events["RootRevoked"]) == {"epoch": 1, "root": root, "by": system.timelock}
    assert plain(rewards.pendingRoot()) == (ZERO_BYTES32, 0, "", 0, 0)
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        rewards.acceptRoot({"from": dao.alice})


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("setVotingDelay", (0,)),
        ("setVotingPeriod", (1,)),
        ("setProposalThreshold", (0,)),
        ("updateQuorumNumerator", (1,)),
        ("setLateQuorumVoteExtension", (0,)),
        ("updateTimelock", (ZERO_ADDRESS,)),
        ("relay", (ZERO_ADDRESS, 0, "0x")),
    ],
)
def test_governorSettings_calledDirectly_revert(system, function, args):
    call = getattr(system.governor, function)
    with brownie.reverts(custom_error("GovernorOnlyExecutor", system.deployer)):
        call(*args, {"from": system.deployer})
    # Not even the timelock: the governor admits only calls queued by the proposal it is executing.
    with brownie.reverts("Pop from empty array"):
        call(*args, {"from": system.timelock_account})


# --- late-quorum protection -----------------------------------------------------------------------------


def test_castVote_quorumReachedInFinalWindow_extendsOnceSoOthersCanReact(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    deadline = dao.deadline(proposal)
    assert deadline == proposal.block + VOTING_DELAY + VOTING_PERIOD
    dao.open_voting(proposal)
    dao.vote(proposal, dao.alice, FOR)
    reached = dao.vote(proposal, dao.bob, ABSTAIN, at=deadline - 2)
    extended = deadline - 2 + EXTENSION
    assert dict(reached.events["ProposalExtended"]) == {
        "proposalId": proposal.id,
        "extendedDeadline": extended,
    }
    assert dao.deadline(proposal) == extended

    # Past the first deadline the vote is still open: Carol, who had not voted, outweighs Alice.
    reaction = dao.vote(proposal, dao.carol, AGAINST, at=deadline + 1)
    last = dao.vote(proposal, dao.proposer, FOR, at=extended)
    assert "ProposalExtended" not in reaction.events and "ProposalExtended" not in last.events
    assert dao.deadline(proposal) == extended
    assert dao.state(proposal) == State.ACTIVE
    chain.mine(1)
    assert dao.state(proposal) == State.DEFEATED


@pytest.mark.parametrize(("blocks_left", "extension"), [(EXTENSION, 0), (EXTENSION - 1, 1), (0, EXTENSION)])
def test_castVote_quorumReachedBlocksBeforeDeadline_extendsToVotePlusExtension(
    system, dao, blocks_left, extension
):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    deadline = dao.deadline(proposal)
    dao.open_voting(proposal)
    dao.vote(proposal, dao.alice, FOR)
    reached = dao.vote(proposal, dao.bob, FOR, at=deadline - blocks_left)

    assert ("ProposalExtended" in reached.events) == (extension > 0)
    assert dao.deadline(proposal) == deadline + extension
    mine_through(deadline + extension)
    assert dao.state(proposal) == State.ACTIVE
    chain.mine(1)
    assert dao.state(proposal) == State.SUCCEEDED


def test_castVote_quorumReachedBeforeFinalWindow_laterVotesNeverExtend(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    other = dao.propose([action(system.router, "setProtocolFee", 100)], "Protocol fee 1 %")
    deadline = dao.deadline(proposal)
    dao.open_voting(other)
    votes = [dao.vote(proposal, dao.alice, FOR), dao.vote(proposal, dao.bob, ABSTAIN)]
    assert votes[-1].block_number + EXTENSION <= deadline  # quorum reached before the final window
    dao.vote(other, dao.alice, FOR)
    votes.append(dao.vote(proposal, dao.proposer, FOR, at=deadline - 2))
    votes.append(dao.vote(proposal, dao.carol, AGAINST, at=deadline - 1))
    # The other proposal reaches its quorum late: its extension passes this proposal's deadline, which stands.
    dao.vote(other, dao.bob, ABSTAIN, at=deadline)
    assert dao.deadline(other) == deadline + EXTENSION

    assert all("ProposalExtended" not in vote.events for vote in votes)
    assert dao.deadline(proposal) == deadline
    chain.mine(1)
    assert dao.state(proposal) == State.DEFEATED


def test_castVote_inFinalWindowBelowQuorum_doesNotExtend(system, dao):
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    deadline = dao.deadline(proposal)
    votes = [
        dao.vote(proposal, dao.carol, AGAINST, at=deadline - 5),
        dao.vote(proposal, dao.alice, FOR, at=deadline - 4),
        dao.vote(proposal, dao.proposer, ABSTAIN, at=deadline - 3),
    ]
    assert all("ProposalExtended" not in vote.events for vote in votes)
    assert dao.deadline(proposal) == deadline
    mine_through(deadline + 1)
    assert dao.state(proposal) == State.DEFEATED


def test_setLateQuorumVoteExtension_throughProposal_appliesToLaterVotesOnly(system, dao):
    governor = dao.governor
    shorten = dao.pass_(
        [action(governor, "setLateQuorumVoteExtension", 2)], "Late-quorum extension: 2 blocks"
    )
    dao.queue(shorten)
    chain.sleep(TIMELOCK_DELAY)
    # Two proposals open side by side, the first ending one block earlier.
    first = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    second = dao.propose([action(system.router, "setProtocolFee", 100)], "Protocol fee 1 %")
    first_deadline, second_deadline = dao.deadline(first), dao.deadline(second)
    assert second_deadline == first_deadline + 1
    dao.open_voting(second)
    dao.vote(first, dao.alice, FOR)
    dao.vote(second, dao.alice, FOR)

    dao.vote(second, dao.bob, ABSTAIN, at=second_deadline - 5)  # extended by the 10 blocks in force
    assert dao.deadline(second) == second_deadline + 5
    assert dao.deadline(first) == first_deadline  # a later extension of another proposal leaves it alone

    executed = dao.execute(shorten)
    assert dict(executed.events["LateQuorumVoteExtensionSet"]) == {
        "oldVoteExtension": 10,
        "newVoteExtension": 2,
    }
    assert governor.lateQuorumVoteExtension() == 2
    reached = dao.vote(first, dao.bob, ABSTAIN, at=first_deadline - 1)
    assert reached.events["ProposalExtended"]["extendedDeadline"] == first_deadline + 1
    assert dao.deadline(first) == first_deadline + 1
    assert dao.deadline(second) == second_deadline + 5  # unchanged by the new setting or the other extension


def test_castVote_zeroQuorum_neverExtends(system, dao):
    dao.enact([action(dao.governor, "updateQuorumNumerator", 0)], "No quorum")
    proposal = dao.propose([action(system.router, "setProtocolFee", 0)], "No protocol fee")
    deadline = dao.deadline(proposal)
    vote = dao.vote(proposal, dao.alice, FOR, at=deadline)

    assert dao.governor.quorum(dao.governor.proposalSnapshot(proposal.id)) == 0
    assert "ProposalExtended" not in vote.events
    assert dao.deadline(proposal) == deadline
    chain.mine(1)
    assert dao.state(proposal) == State.SUCCEEDED


# --- the reward root lifecycle with production parameters --------------------------------------------------

# Days of voting counted in 10-minute blocks: the governor counts blocks and anvil mines some 130 a second, so
# 12-s blocks (14,400 for a 2-day vote) would spend minutes on the same check, that the days add up.
HOUR, BLOCK_TIME = 3_600, 600
PRODUCTION = {
    "voting_delay": DAY // BLOCK_TIME,
    "voting_period": 2 * DAY // BLOCK_TIME,
    "late_quorum_extension": DAY // BLOCK_TIME,
    "timelock_delay": 2 * DAY,
    "root_delay": 3 * DAY,
    "epoch_length": HOUR,
}


def pass_hour() -> None:
    """An hour of the chain, ending in a block (calls see the latest block's time)."""
    anvil_rpc("evm_increaseTime", HOUR)
    anvil_rpc("evm_mine")


def mine_blocks_through(block: int) -> None:
    """Mines up to `block`, the clock moving on by BLOCK_TIME seconds a block (through the node directly:
    Brownie's chain.sleep and chain.mine inspect the call stack each time, which the hourly loop feels)."""
    if block > chain.height:
        blocks = block - chain.height
        anvil_rpc("evm_increaseTime", blocks * BLOCK_TIME)
        anvil_rpc("anvil_mine", hex(blocks))


@pytest.fixture
def production(accounts):
    """A fresh deployment with production's clocks, and a DAO whose Alice and Bob make the quorum."""
    deployer, guardian, oracle = accounts[0], accounts[8], accounts[9]
    config = DeployConfig(oracle=oracle.address, guardian=guardian.address, **PRODUCTION)
    deployed = deploy(deployer, config)
    system = System(
        registry=deployed["AssetRegistry"],
        licenses=deployed["LicenseManager"],
        router=deployed["RoyaltyRouter"],
        rewards=deployed["RewardDistributor"],
        prov=deployed["ProvenanceToken"],
        governor=deployed["ProvenantGovernor"],
        timelock=deployed["TimelockController"],
        usdc=deployed["MockUSDC"],
        deployer=deployer,
        oracle=oracle,
        guardian=guardian,
        timelock_account=None,
    )
    dao = Dao(system, alice=accounts[1], bob=accounts[2], carol=accounts[3], proposer=accounts[4])
    for holder, amount in ((dao.alice, ALICE), (dao.bob, BOB), (dao.proposer, THRESHOLD)):
        system.prov.transfer(holder, amount, {"from": deployer})
        system.prov.delegate(holder, {"from": holder})
    chain.mine(1)
    return system, dao


def enact_slowly(dao: Dao, actions: list[tuple[str, str]], description: str, during) -> object:
    """A proposal through a 1-day voting delay, a 2-day vote and a 2-day timelock; `during()`, which lets one
    hour pass, runs for each hour of the timelock delay (the vote's days pass block by block)."""
    proposal = dao.propose(actions, description)
    mine_blocks_through(dao.governor.proposalSnapshot(proposal.id) + 1)
    dao.vote(proposal, dao.alice, FOR)
    dao.vote(proposal, dao.bob, FOR)
    mine_blocks_through(dao.deadline(proposal) + 1)
    during()
    dao.queue(proposal)
    for _ in range(2 * DAY // HOUR):
        during()
    return dao.execute(proposal)


def test_rootLifecycle_productionParameters_claimsFlowAndBadRootsAreRevoked(production, accounts):
    """Hourly epochs against a 3-day root delay: each root unlocks on its own clock, so roots keep being
    accepted and claims keep paying; a guardian revokes a bad root before it pays. The DAO's own path
    (1 + 2 + 2 days) is longer than the 3-day delay, so it first lengthens the delay, then revokes one."""
    system, dao = production
    rewards, usdc, oracle = system.rewards, system.usdc, system.oracle
    contributor, attacker = accounts[5], accounts[6]
    usdc.faucet(rewards, 1_000_000 * USDC, {"from": contributor})
    epoch, claimed_at = 0, []

    def submit(tree: RewardTree, total: int) -> bool:
        nonlocal epoch
        epoch += 1
        args = (epoch, tree.root, total, cid(epoch), {"from": oracle})
        try:  # a refusal is simulated, not mined: hundreds of reverted transactions would only slow anvil
            rewards.submitRoot.call(*args)
        except brownie.exceptions.VirtualMachineError as error:
            assert error.revert_msg.startswith("RewardDistributorRootPending: ")
            return False
        rewards.submitRoot(*args)
        return True

    def honest(at: int) -> RewardTree:
        """The tree of epoch `at`: each epoch earns the contributor 1 USDC, cumulatively."""
        return RewardTree([(str(contributor), str(usdc), at * USDC), (str(dao.alice), str(usdc), 1)])

    def hour() -> None:
        """One epoch: the oracle submits its cumulative tree, and the contributor claims what the current root
        grants."""
        pass_hour()
        submit(honest(epoch + 1), (epoch + 1) * USDC + 1)
        _, current_epoch, _, _ = rewards.currentRoot()
        if current_epoch and current_epoch * USDC > rewards.claimed(contributor, usdc):
            proof = honest(current_epoch).proof(str(contributor), str(usdc))
            rewards.claim(contributor, usdc, current_epoch * USDC, proof, {"from": contributor})
            claimed_at.append(epoch)

    for _ in range(4 * 24):
        hour()
    # A compromised oracle's tree: the attacker takes the pool. Its root waits out its own 3 days.
    bad = RewardTree([(str(attacker), str(usdc), 900_000 * USDC), (str(contributor), str(usdc), 1)])
    while not submit(bad, 900_000 * USDC + 1):
        pass_hour()
    bad_epoch = epoch
    for _ in range(12):
        hour()  # refused while the bad root is locked; claims from the current root go on
    rewards.revokePendingRoot(bad_epoch, {"from": system.guardian})
    for _ in range(4 * 24):
        hour()
    with brownie.reverts("RewardDistributorInvalidProof: "):
        rewards.claim(attacker, usdc, 900_000 * USDC, bad.proof(str(attacker), str(usdc)), {"from": attacker})
    assert usdc.balanceOf(attacker) == 0
    # Claims kept flowing: a root was accepted at least every delay + one epoch, and each one paid.
    gaps = [later - earlier for earlier, later in itertools.pairwise(claimed_at)]
    # (the delay, the 12 hours the bad root was pending, and an epoch on each side)
    assert len(claimed_at) >= 3 and max(gaps) <= 3 * 24 + 12 + 2
    assert rewards.claimed(contributor, usdc) == rewards.currentRoot()[1] * USDC

    # The DAO lengthens the delay beyond its own path, then revokes a bad root itself.
    enact_slowly(dao, [action(rewards, "setRootDelay", 6 * DAY)], "Root delay of 6 days", hour)
    while not submit(bad, 900_000 * USDC + 1):
        pass_hour()  # the root pending under the old delay unlocks on its own clock
    bad_epoch = epoch
    assert rewards.pendingRoot()[4] == chain[-1].timestamp + 6 * DAY
    executed = enact_slowly(
        dao, [action(rewards, "revokePendingRoot", bad_epoch)], "Revoke the bad rewards root", hour
    )
    assert executed.events["RootRevoked"]["epoch"] == bad_epoch
    assert rewards.currentRoot()[0] != bad.root
    assert usdc.balanceOf(attacker) == 0
