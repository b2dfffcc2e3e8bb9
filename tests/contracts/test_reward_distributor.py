"""RewardDistributor on its own: MockUSDC, a real ProvenanceToken, a RevenueSource standing in for the router.

The distributor with the real royalty router is tested with the whole system (test_royalty_router.py,
test_reward_lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brownie
import pytest
from brownie import NonStandardToken, ProvenanceToken, RevenueSource, RewardDistributor, chain, web3
from brownie.exceptions import VirtualMachineError
from brownie.network.account import Account
from brownie.test import strategy
from eth_abi import encode
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.domain.merkle import RewardTree
from tests.contracts.conftest import fuzz_settings

USDC = 10**6
PROV = 10**18
ROOT_DELAY = 600
EMISSION_RATE = 10 * PROV
PROV_CAP = 1_000_000_000 * PROV
GENESIS = 100_000_000 * PROV
DEFAULT_ADMIN_ROLE = "0x" + "00" * 32
ORACLE_ROLE = "0x" + web3.keccak(text="ORACLE_ROLE").hex()
GUARDIAN_ROLE = "0x" + web3.keccak(text="GUARDIAN_ROLE").hex()
FAUCET_LIMIT = 1_000_000 * USDC
REPLIES_NOTHING, REPLIES_FALSE = 0, 1  # NonStandardToken.TransferReply


def cid(n: int) -> str:
    return f"Qm{n:044d}"


@dataclass
class Setup:
    distributor: object
    usdc: object
    prov: object
    admin: Account
    guardian: Account
    oracle: Account
    router: object
    users: list[Account]
    epoch: int = field(default=0)

    def fund(self, amount: int) -> None:
        """Revenue as the router delivers it: paid to the source, then pulled by the distributor."""
        while amount > 0:
            chunk = min(amount, FAUCET_LIMIT)
            self.usdc.faucet(self.router, chunk, {"from": self.admin})
            amount -= chunk
        self.distributor.pullRevenue({"from": self.users[0]})

    def total(self, tree: RewardTree) -> int:
        return payment_total(tree, self.usdc)

    def submit(self, tree: RewardTree, *, epoch: int | None = None):
        self.epoch = epoch or self.epoch + 1
        return self.distributor.submitRoot(
            self.epoch, tree.root, self.total(tree), cid(self.epoch), {"from": self.oracle}
        )

    def publish(self, tree: RewardTree) -> int:
        """Submits the tree under the next epoch and accepts it once its delay has passed."""
        self.submit(tree)
        chain.sleep(ROOT_DELAY)
        self.distributor.acceptRoot({"from": self.users[0]})
        return self.epoch

    def claim(self, tree: RewardTree, account, token, *, sender=None):
        amount = tree.cumulative_amount(str(account), str(token))
        proof = tree.proof(str(account), str(token))
        return self.distributor.claim(account, token, amount, proof, {"from": sender or account})


def payment_total(tree: RewardTree, token) -> int:
    """What the tree allocates of `token` in all: the `paymentTotal` the oracle submits with it."""
    return sum(
        int(amount)
        for _, leaf_token, amount in (v["value"] for v in tree.dump()["values"])
        if leaf_token.lower() == str(token).lower()
    )


def with_leaves(tree: RewardTree, *leaves: tuple) -> RewardTree:
    """`tree`'s leaves with `leaves` added or replacing those of the same account and token."""
    merged = {(a.lower(), t.lower()): int(x) for a, t, x in (v["value"] for v in tree.dump()["values"])}
    merged.update({(str(a).lower(), str(t).lower()): x for a, t, x in leaves})
    return RewardTree([(a, t, x) for (a, t), x in merged.items()])


def deploy_distributor(deployer, *, usdc, admin, guardian, oracle, router, genesis: int = GENESIS):
    """A PROV whose minter is the distributor deployed right after it."""
    prov = ProvenanceToken.deploy(
        deployer, genesis, PROV_CAP, deployer.get_deployment_address(deployer.nonce + 1), {"from": deployer}
    )
    distributor = RewardDistributor.deploy(
        admin, guardian, oracle, usdc, prov, router, ROOT_DELAY, EMISSION_RATE, {"from": deployer}
    )
    return distributor, prov


@pytest.fixture(scope="module")
def setup(MockUSDC, accounts) -> Setup:
    deployer, admin, guardian, oracle = accounts[:4]
    usdc = MockUSDC.deploy({"from": deployer})
    router = RevenueSource.deploy(usdc, {"from": deployer})
    distributor, prov = deploy_distributor(
        deployer, usdc=usdc, admin=admin, guardian=guardian, oracle=oracle, router=router
    )
    # accounts[5:10] only: impersonated addresses that other modules add to `accounts` are no users.
    return Setup(distributor, usdc, prov, admin, guardian, oracle, router, list(accounts[5:10]))


@pytest.fixture(scope="module")
def tree(setup: Setup) -> RewardTree:
    """Every user owed USDC and PROV, plus a few other accounts so that proofs have several levels."""
    leaves = []
    for index, user in enumerate(setup.users):
        leaves.append((str(user), str(setup.usdc), (index + 1) * 100 * USDC))
        leaves.append((str(user), str(setup.prov), (index + 1) * 10 * PROV))
    leaves += [("0x" + f"{n:040x}", str(setup.usdc), n) for n in range(1, 12)]
    return RewardTree(leaves)


@pytest.fixture
def published(setup: Setup, tree: RewardTree) -> RewardTree:
    """The tree accepted as current root and the distributor funded for its USDC."""
    setup.publish(tree)
    setup.fund(10_000 * USDC)
    return tree


def unauthorized(account, role: str) -> str:
    return f"AccessControlUnauthorizedAccount: {account.address.lower()}, {bytes.fromhex(role[2:])}"


def plain(value) -> tuple | dict:
    """A return value or event as a plain tuple or dict (Brownie's own comparison chokes on "")."""
    return tuple(value) if isinstance(value, tuple) else dict(value)


NO_ROOT = ("0x" + "00" * 32, 0, "", 0)
NO_PENDING = ("0x" + "00" * 32, 0, "", 0, 0)


# --- constructor and constants ---


def test_constructor_grantsRoles(setup: Setup) -> None:
    distributor = setup.distributor
    assert distributor.hasRole(DEFAULT_ADMIN_ROLE, setup.admin)
    assert distributor.hasRole(GUARDIAN_ROLE, setup.guardian)
    assert distributor.hasRole(ORACLE_ROLE, setup.oracle)
    assert distributor.ORACLE_ROLE() == ORACLE_ROLE
    assert distributor.GUARDIAN_ROLE() == GUARDIAN_ROLE
    assert not distributor.hasRole(DEFAULT_ADMIN_ROLE, setup.oracle)


def test_constructor_setsParametersAndEmits(setup: Setup) -> None:
    events = setup.distributor.tx.events
    assert events["RootDelaySet"]["delaySeconds"] == ROOT_DELAY
    assert events["EmissionRateSet"]["tokensPerSecond"] == EMISSION_RATE
    assert plain(setup.distributor.currentRoot()) == NO_ROOT
    assert plain(setup.distributor.pendingRoot()) == NO_PENDING


def test_constants_haveDocumentedBounds(setup: Setup) -> None:
    assert setup.distributor.MAX_ROOT_DELAY() == 30 * 86_400
    assert setup.distributor.MAX_EMISSION_RATE() == 100 * PROV


def test_constructor_revertsAboveBounds(setup: Setup, accounts) -> None:
    args = (setup.admin, setup.guardian, setup.oracle, setup.usdc, setup.prov, setup.router)
    with brownie.reverts(f"RewardDistributorParameterTooHigh: {30 * 86_400 + 1}, {30 * 86_400}"):
        RewardDistributor.deploy(*args, 30 * 86_400 + 1, EMISSION_RATE, {"from": accounts[0]})
    with brownie.reverts(f"RewardDistributorParameterTooHigh: {100 * PROV + 1}, {100 * PROV}"):
        RewardDistributor.deploy(*args, ROOT_DELAY, 100 * PROV + 1, {"from": accounts[0]})


# --- submitRoot ---

ROOT_A, ROOT_B = "0x" + "11" * 32, "0x" + "22" * 32


def test_submitRoot_storesPendingAndEmits(setup: Setup, tree: RewardTree) -> None:
    tx = setup.submit(tree, epoch=7)
    acceptable_at, total = tx.timestamp + ROOT_DELAY, setup.total(tree)
    assert total == 1_500 * USDC + 66
    assert plain(setup.distributor.pendingRoot()) == (tree.root, 7, cid(7), total, acceptable_at)
    assert plain(tx.events["RootSubmitted"]) == {
        "epoch": 7,
        "root": tree.root,
        "treeCid": cid(7),
        "paymentTotal": total,
        "acceptableAt": acceptable_at,
    }
    assert plain(setup.distributor.currentRoot()) == NO_ROOT


def test_submitRoot_revertsWhilePendingLocked(setup: Setup) -> None:
    """The pending root keeps its own unlock time: a newer root cannot restart the delay."""
    first = setup.distributor.submitRoot(1, ROOT_A, 5, cid(1), {"from": setup.oracle})
    acceptable_at = first.timestamp + ROOT_DELAY
    chain.sleep(ROOT_DELAY - 5)
    with brownie.reverts(f"RewardDistributorRootPending: 1, {acceptable_at}"):
        setup.distributor.submitRoot(2, ROOT_B, 6, cid(2), {"from": setup.oracle})
    assert plain(setup.distributor.pendingRoot()) == (ROOT_A, 1, cid(1), 5, acceptable_at)


def test_submitRoot_acceptsUnlockedPendingFirst(setup: Setup) -> None:
    setup.distributor.submitRoot(1, ROOT_A, 5, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    tx = setup.distributor.submitRoot(2, ROOT_B, 6, cid(2), {"from": setup.oracle})
    assert plain(tx.events["RootAccepted"]) == {"epoch": 1, "root": ROOT_A, "treeCid": cid(1)}
    assert plain(setup.distributor.currentRoot()) == (ROOT_A, 1, cid(1), 5)
    assert plain(setup.distributor.pendingRoot()) == (ROOT_B, 2, cid(2), 6, tx.timestamp + ROOT_DELAY)


def test_submitRoot_revertsWhenTotalDecreases(setup: Setup) -> None:
    setup.distributor.submitRoot(1, ROOT_A, 5, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    setup.distributor.acceptRoot({"from": setup.users[0]})
    with brownie.reverts("RewardDistributorTotalDecreased: 4, 5"):
        setup.distributor.submitRoot(2, ROOT_B, 4, cid(2), {"from": setup.oracle})
    setup.distributor.submitRoot(2, ROOT_B, 5, cid(2), {"from": setup.oracle})


def test_submitRoot_revertsForNonOracle(setup: Setup) -> None:
    for caller in (setup.admin, setup.guardian, setup.users[0]):
        with brownie.reverts(unauthorized(caller, ORACLE_ROLE)):
            setup.distributor.submitRoot(1, ROOT_A, 0, cid(1), {"from": caller})


def test_submitRoot_revertsOnStaleEpoch(setup: Setup) -> None:
    distributor, oracle = setup.distributor, setup.oracle
    with brownie.reverts("RewardDistributorStaleEpoch: 0, 0"):
        distributor.submitRoot(0, ROOT_A, 0, cid(0), {"from": oracle})
    distributor.submitRoot(5, ROOT_A, 0, cid(5), {"from": oracle})
    for epoch in (4, 5):
        with brownie.reverts(f"RewardDistributorStaleEpoch: {epoch}, 5"):
            distributor.submitRoot(epoch, ROOT_B, 0, cid(epoch), {"from": oracle})
    distributor.revokePendingRoot(5, {"from": setup.guardian})
    with brownie.reverts("RewardDistributorStaleEpoch: 5, 5"):
        distributor.submitRoot(5, ROOT_B, 0, cid(5), {"from": oracle})


def test_submitRoot_revertsOnInvalidRoot(setup: Setup) -> None:
    for root, tree_cid in (("0x" + "00" * 32, cid(1)), (ROOT_A, ""), (ROOT_A, "Q" * 129)):
        with brownie.reverts("RewardDistributorInvalidRoot: "):
            setup.distributor.submitRoot(1, root, 0, tree_cid, {"from": setup.oracle})
    setup.distributor.submitRoot(1, ROOT_A, 0, "Q" * 128, {"from": setup.oracle})


# --- revokePendingRoot ---


@pytest.mark.parametrize("revoker", ["admin", "guardian"])
def test_revokePendingRoot_clearsPendingAndEmits(setup: Setup, tree: RewardTree, revoker: str) -> None:
    setup.submit(tree, epoch=3)
    tx = setup.distributor.revokePendingRoot(3, {"from": getattr(setup, revoker)})
    assert plain(tx.events["RootRevoked"]) == {"epoch": 3, "root": tree.root, "by": getattr(setup, revoker)}
    assert plain(setup.distributor.pendingRoot()) == NO_PENDING


def test_revokePendingRoot_revertsForOthers(setup: Setup, tree: RewardTree) -> None:
    setup.submit(tree, epoch=1)
    for caller in (setup.oracle, setup.users[3], setup.users[0]):
        with brownie.reverts(f"RewardDistributorUnauthorized: {caller.address.lower()}"):
            setup.distributor.revokePendingRoot(1, {"from": caller})


def test_revokePendingRoot_revertsForOtherEpoch(setup: Setup) -> None:
    """A revocation decided for one root never hits the root submitted after it."""
    setup.distributor.submitRoot(1, ROOT_A, 0, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    setup.distributor.submitRoot(2, ROOT_B, 0, cid(2), {"from": setup.oracle})
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.revokePendingRoot(1, {"from": setup.guardian})
    assert plain(setup.distributor.pendingRoot())[:2] == (ROOT_B, 2)


def test_revokePendingRoot_revertsWithoutPending(setup: Setup, published: RewardTree) -> None:
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.revokePendingRoot(setup.epoch, {"from": setup.guardian})


def test_revokePendingRoot_unlockedButNotAccepted_revokes(setup: Setup) -> None:
    setup.distributor.submitRoot(1, ROOT_A, 0, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY * 3)
    setup.distributor.revokePendingRoot(1, {"from": setup.guardian})
    assert plain(setup.distributor.currentRoot()) == NO_ROOT


def test_acceptRoot_revertsForRevokedRoot(setup: Setup, tree: RewardTree) -> None:
    setup.submit(tree, epoch=1)
    setup.distributor.revokePendingRoot(1, {"from": setup.admin})
    chain.sleep(ROOT_DELAY)
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.acceptRoot({"from": setup.users[0]})
    assert setup.distributor.currentRoot()[0] == "0x" + "00" * 32


# --- acceptRoot ---


def test_acceptRoot_makesPendingCurrentAndEmits(setup: Setup, tree: RewardTree) -> None:
    setup.submit(tree, epoch=4)
    chain.sleep(ROOT_DELAY)
    tx = setup.distributor.acceptRoot({"from": setup.users[3]})
    assert plain(tx.events["RootAccepted"]) == {"epoch": 4, "root": tree.root, "treeCid": cid(4)}
    assert plain(setup.distributor.currentRoot()) == (tree.root, 4, cid(4), setup.total(tree))
    assert plain(setup.distributor.pendingRoot()) == NO_PENDING


def test_acceptRoot_revertsBeforeDelay(setup: Setup, tree: RewardTree) -> None:
    tx = setup.submit(tree, epoch=1)
    acceptable_at = tx.timestamp + ROOT_DELAY
    with brownie.reverts(f"RewardDistributorRootNotReady: {acceptable_at}"):
        setup.distributor.acceptRoot({"from": setup.users[0]})
    chain.sleep(ROOT_DELAY // 2)
    with brownie.reverts(f"RewardDistributorRootNotReady: {acceptable_at}"):
        setup.distributor.acceptRoot({"from": setup.users[0]})


def test_acceptRoot_revertsWithoutPending(setup: Setup) -> None:
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.acceptRoot({"from": setup.users[0]})


def test_acceptRoot_keepsDelayOfSubmissionAfterDelayChange(setup: Setup, tree: RewardTree) -> None:
    submitted = setup.submit(tree, epoch=1)
    setup.distributor.setRootDelay(0, {"from": setup.admin})
    with brownie.reverts(f"RewardDistributorRootNotReady: {submitted.timestamp + ROOT_DELAY}"):
        setup.distributor.acceptRoot({"from": setup.users[0]})
    setup.distributor.revokePendingRoot(1, {"from": setup.guardian})
    tx = setup.submit(tree, epoch=2)
    assert tx.events["RootSubmitted"]["acceptableAt"] == tx.timestamp
    setup.distributor.acceptRoot({"from": setup.users[0]})


# --- unallocated revenue and its sweep ---


def test_unallocatedRevenue_isPulledLessNewestTreeTotal(setup: Setup, tree: RewardTree) -> None:
    assert setup.distributor.unallocatedRevenue() == 0
    setup.fund(2_000 * USDC)
    assert setup.distributor.unallocatedRevenue() == 2_000 * USDC
    setup.publish(tree)
    assert setup.distributor.unallocatedRevenue() == 500 * USDC - 66
    setup.submit(with_leaves(tree, (setup.users[0], setup.usdc, 400 * USDC)))  # pending: counts at once
    assert setup.distributor.unallocatedRevenue() == 200 * USDC - 66
    setup.distributor.revokePendingRoot(setup.epoch, {"from": setup.guardian})
    assert setup.distributor.unallocatedRevenue() == 500 * USDC - 66
    setup.submit(with_leaves(tree, (setup.users[0], setup.usdc, 9_000 * USDC)))  # beyond the revenue
    assert setup.distributor.unallocatedRevenue() == 0


def test_sweepUnallocated_sendsAtMostUnallocatedAndClaimsStillPay(setup: Setup, tree: RewardTree) -> None:
    treasury = setup.users[4]
    setup.fund(2_000 * USDC)
    setup.publish(tree)
    unallocated = 500 * USDC - 66
    with brownie.reverts(f"RewardDistributorSweepExceedsUnallocated: {unallocated + 1}, {unallocated}"):
        setup.distributor.sweepUnallocated(treasury, unallocated + 1, {"from": setup.admin})
    tx = setup.distributor.sweepUnallocated(treasury, unallocated, {"from": setup.admin})
    assert plain(tx.events["UnallocatedSwept"]) == {"to": treasury, "amount": unallocated}
    assert setup.usdc.balanceOf(treasury) == unallocated
    assert setup.distributor.unallocatedRevenue() == 0
    for value in tree.dump()["values"]:
        account, token, amount = value["value"]
        if token.lower() == str(setup.usdc).lower():
            setup.distributor.claim(
                account, token, int(amount), tree.proof(account, token), {"from": treasury}
            )
    assert setup.usdc.balanceOf(setup.distributor) == 0


def test_sweepUnallocated_revertsForNonAdmin(setup: Setup) -> None:
    setup.fund(10 * USDC)
    for caller in (setup.guardian, setup.oracle, setup.users[0]):
        with brownie.reverts(unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            setup.distributor.sweepUnallocated(caller, 1, {"from": caller})


# --- claim ---


def test_claim_paysPaymentTokenAndEmits(setup: Setup, published: RewardTree) -> None:
    user, usdc = setup.users[1], setup.usdc
    tx = setup.claim(published, user, usdc)
    assert tx.return_value == 200 * USDC
    assert usdc.balanceOf(user) == 200 * USDC
    assert usdc.balanceOf(setup.distributor) == 9_800 * USDC
    assert setup.distributor.claimed(user, usdc) == 200 * USDC
    assert plain(tx.events["Claimed"]) == {
        "account": user,
        "token": usdc,
        "amount": 200 * USDC,
        "cumulativeAmount": 200 * USDC,
    }


def test_claim_mintsProvWithinEmission(setup: Setup, published: RewardTree) -> None:
    user, prov = setup.users[2], setup.prov
    available = setup.distributor.emissionAvailable()
    tx = setup.claim(published, user, prov)
    assert tx.return_value == 30 * PROV
    assert prov.balanceOf(user) == 30 * PROV
    assert prov.totalSupply() == GENESIS + 30 * PROV
    assert tx.events["Claimed"]["amount"] == 30 * PROV
    # the allowance at the claim, minus the claim; the claim's own second accrued on top
    assert available - 30 * PROV <= setup.distributor.emissionAvailable() <= available - 20 * PROV + PROV


def test_claim_paidToAccountWhoeverCalls(setup: Setup, published: RewardTree) -> None:
    user = setup.users[0]
    setup.claim(published, user, setup.usdc, sender=setup.users[4])
    assert setup.usdc.balanceOf(user) == 100 * USDC
    assert setup.usdc.balanceOf(setup.users[4]) == 0


def test_claim_paysOnlyIncreaseOfNewRoot(setup: Setup, published: RewardTree) -> None:
    user, usdc = setup.users[0], setup.usdc
    setup.claim(published, user, usdc)
    grown = with_leaves(published, (user, usdc, 250 * USDC))
    setup.publish(grown)
    tx = setup.claim(grown, user, usdc)
    assert tx.return_value == 150 * USDC
    assert tx.events["Claimed"]["cumulativeAmount"] == 250 * USDC
    assert usdc.balanceOf(user) == 250 * USDC
    assert setup.distributor.claimed(user, usdc) == 250 * USDC


def test_claim_paysEveryLeafWithItsProof(setup: Setup, published: RewardTree) -> None:
    """Every leaf's path, so both orders of a sibling pair are hashed along the way."""
    for value in published.dump()["values"]:
        account, token, amount = value["value"]
        tx = setup.distributor.claim(
            account, token, int(amount), published.proof(account, token), {"from": setup.users[0]}
        )
        assert tx.return_value == int(amount)
        assert setup.distributor.claimed(account, token) == int(amount)
    for user in setup.users:
        assert setup.usdc.balanceOf(user) == published.cumulative_amount(str(user), str(setup.usdc))
        assert setup.prov.balanceOf(user) == published.cumulative_amount(str(user), str(setup.prov))


def test_claim_paysSingleLeafTreeWithEmptyProof(setup: Setup) -> None:
    user, usdc = setup.users[0], setup.usdc
    tree = RewardTree([(str(user), str(usdc), 7 * USDC)])
    assert tree.proof(str(user), str(usdc)) == []
    setup.publish(tree)
    setup.fund(7 * USDC)
    with brownie.reverts("RewardDistributorInvalidProof: "):
        setup.distributor.claim(user, usdc, 8 * USDC, [], {"from": user})
    assert setup.claim(tree, user, usdc).return_value == 7 * USDC
    assert usdc.balanceOf(user) == 7 * USDC


def distributor_paying_in(setup: Setup, accounts, reply: int) -> tuple[object, object, RewardTree]:
    """A distributor whose payment token is a NonStandardToken, with a published tree owing users[0] 5 USDC."""
    token = NonStandardToken.deploy(reply, {"from": accounts[0]})
    distributor, _ = deploy_distributor(
        accounts[0],
        usdc=token,
        admin=setup.admin,
        guardian=setup.guardian,
        oracle=setup.oracle,
        router=setup.router,
    )
    tree = RewardTree([(str(setup.users[0]), str(token), 5 * USDC), (str(setup.users[1]), str(token), USDC)])
    distributor.submitRoot(1, tree.root, 6 * USDC, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    distributor.acceptRoot({"from": setup.users[0]})
    return distributor, token, tree


def test_claim_paysTokenReturningNothing(setup: Setup, accounts) -> None:
    distributor, token, tree = distributor_paying_in(setup, accounts, REPLIES_NOTHING)
    user = setup.users[0]
    proof = tree.proof(str(user), str(token))
    token.faucet(distributor, 3 * USDC, {"from": user})
    with brownie.reverts(
        f"RewardDistributorInsufficientFunds: {token.address.lower()}, {5 * USDC}, {3 * USDC}"
    ):
        distributor.claim(user, token, 5 * USDC, proof, {"from": user})
    token.faucet(distributor, 2 * USDC, {"from": user})
    assert distributor.claim(user, token, 5 * USDC, proof, {"from": user}).return_value == 5 * USDC
    assert token.balanceOf(user) == 5 * USDC
    assert token.balanceOf(distributor) == 0
    assert distributor.claimed(user, token) == 5 * USDC


def test_claim_revertsWhenTokenReturnsFalse(setup: Setup, accounts) -> None:
    distributor, token, tree = distributor_paying_in(setup, accounts, REPLIES_FALSE)
    user = setup.users[0]
    proof = tree.proof(str(user), str(token))
    with brownie.reverts(f"RewardDistributorInsufficientFunds: {token.address.lower()}, {5 * USDC}, 0"):
        distributor.claim(user, token, 5 * USDC, proof, {"from": user})
    token.faucet(distributor, 5 * USDC, {"from": user})
    with brownie.reverts(f"SafeERC20FailedOperation: {token.address.lower()}"):
        distributor.claim(user, token, 5 * USDC, proof, {"from": user})
    assert token.balanceOf(user) == 0
    assert distributor.claimed(user, token) == 0


def test_claim_revertsOnDoubleClaim(setup: Setup, published: RewardTree) -> None:
    user = setup.users[0]
    setup.claim(published, user, setup.usdc)
    for sender in (user, setup.users[1]):
        with brownie.reverts(
            f"RewardDistributorNothingToClaim: {user.address.lower()}, {setup.usdc.address.lower()}"
        ):
            setup.claim(published, user, setup.usdc, sender=sender)
    assert setup.usdc.balanceOf(user) == 100 * USDC


def test_claim_revertsWhenRootLowersAmount(setup: Setup, published: RewardTree) -> None:
    user, usdc = setup.users[0], setup.usdc
    setup.claim(published, user, usdc)
    lowered = with_leaves(published, (user, usdc, 50 * USDC), (setup.users[1], usdc, 300 * USDC))
    setup.publish(lowered)
    with brownie.reverts(f"RewardDistributorNothingToClaim: {user.address.lower()}, {usdc.address.lower()}"):
        setup.claim(lowered, user, usdc)


def test_claim_revertsOnZeroLeaf(setup: Setup) -> None:
    user, usdc = setup.users[0], setup.usdc
    tree = RewardTree([(str(user), str(usdc), 0), (str(setup.users[1]), str(usdc), 1)])
    setup.publish(tree)
    with brownie.reverts(f"RewardDistributorNothingToClaim: {user.address.lower()}, {usdc.address.lower()}"):
        setup.claim(tree, user, usdc)


def test_claim_revertsOnWrongLeafOrProof(setup: Setup, published: RewardTree) -> None:
    user, other, usdc, prov = setup.users[0], setup.users[1], setup.usdc, setup.prov
    amount, proof = published.cumulative_amount(str(user), str(usdc)), published.proof(str(user), str(usdc))
    flipped = proof[0][:-1] + ("0" if proof[0][-1] != "0" else "1")
    attempts = {
        "wrong amount": (user, usdc, amount + 1, proof),
        "wrong account": (other, usdc, amount, proof),
        "wrong token": (user, prov, amount, proof),
        "flipped sibling": (user, usdc, amount, [flipped, *proof[1:]]),
        "other leaf's proof": (user, usdc, amount, published.proof(str(other), str(usdc))),
        "truncated proof": (user, usdc, amount, proof[:-1]),
        "empty proof": (user, usdc, amount, []),
    }
    for args in attempts.values():
        with brownie.reverts("RewardDistributorInvalidProof: "):
            setup.distributor.claim(*args, {"from": user})


def test_claim_revertsBeforeAnyRoot(setup: Setup, tree: RewardTree) -> None:
    setup.fund(1_000 * USDC)
    with brownie.reverts("RewardDistributorInvalidProof: "):
        setup.claim(tree, setup.users[0], setup.usdc)


def test_claim_revertsOnPendingRoot(setup: Setup, published: RewardTree) -> None:
    user, usdc = setup.users[0], setup.usdc
    grown = with_leaves(published, (user, usdc, 300 * USDC))
    setup.submit(grown)
    with brownie.reverts("RewardDistributorInvalidProof: "):
        setup.claim(grown, user, usdc)


def test_claim_rejectsInnerNodeAsLeaf(setup: Setup, published: RewardTree) -> None:
    """Second preimage: the 64 bytes under an inner node passed as the leaf's values, with the node's proof."""
    dump = published.dump()
    nodes = dump["tree"]
    account, token, _ = dump["values"][0]["value"]
    parent = (dump["values"][0]["treeIndex"] - 1) // 2
    left, right = sorted((nodes[2 * parent + 1], nodes[2 * parent + 2]))
    assert "0x" + web3.keccak(hexstr=left + right[2:]).hex() == nodes[parent]
    parent_proof = published.proof(account, token)[1:]
    # the two children as the first two words of the call, exactly as the inner node's preimage
    words = encode(["uint256", "bytes32[]"], [0, [bytes.fromhex(p[2:]) for p in parent_proof]]).hex()
    calldata = setup.distributor.signatures["claim"] + left[2:] + right[2:] + words
    with brownie.reverts():
        setup.users[0].transfer(setup.distributor, 0, data=calldata, gas_limit=1_000_000)
    # the children as the account and the amount of a leaf of a supported token
    with brownie.reverts("RewardDistributorInvalidProof: "):
        setup.distributor.claim(
            "0x" + left[-40:], setup.usdc, int(right, 16), parent_proof, {"from": setup.users[0]}
        )
    assert setup.usdc.balanceOf(setup.distributor) == 10_000 * USDC


def test_claim_revertsOnUnsupportedToken(setup: Setup) -> None:
    user, stray = setup.users[0], setup.users[4]
    tree = RewardTree([(str(user), str(stray), 5), (str(user), str(setup.usdc), 5)])
    setup.publish(tree)
    with brownie.reverts(f"RewardDistributorUnsupportedToken: {stray.address.lower()}"):
        setup.claim(tree, user, stray)


def test_claim_revertsWhenUnderfunded(setup: Setup, tree: RewardTree) -> None:
    setup.publish(tree)
    setup.fund(150 * USDC)
    user = setup.users[1]
    with brownie.reverts(
        f"RewardDistributorInsufficientFunds: {setup.usdc.address.lower()}, {200 * USDC}, {150 * USDC}"
    ):
        setup.claim(tree, user, setup.usdc)
    setup.fund(50 * USDC)
    setup.claim(tree, user, setup.usdc)
    assert setup.usdc.balanceOf(setup.distributor) == 0


def test_claim_revertsWhenTransferFailsForOtherReasons(setup: Setup) -> None:
    zero = "0x" + "00" * 20
    tree = RewardTree([(zero, str(setup.usdc), 5), (str(setup.users[0]), str(setup.usdc), 5)])
    setup.publish(tree)
    setup.fund(10)
    with brownie.reverts(f"SafeERC20FailedOperation: {setup.usdc.address.lower()}"):
        setup.distributor.claim(
            zero, setup.usdc, 5, tree.proof(zero, str(setup.usdc)), {"from": setup.users[0]}
        )


def test_claim_revertsAboveEmission(setup: Setup) -> None:
    user, prov = setup.users[0], setup.prov
    tree = RewardTree([(str(user), str(prov), 1_000_000 * PROV), (str(user), str(setup.usdc), 1)])
    setup.publish(tree)
    with pytest.raises(VirtualMachineError) as revert:
        setup.claim(tree, user, prov)
    error, arguments = revert.value.revert_msg.split(": ")
    needed, available = (int(word) for word in arguments.split(", "))
    assert error == "RewardDistributorEmissionExceeded"
    assert needed == 1_000_000 * PROV
    assert available < needed
    assert prov.balanceOf(user) == 0


# --- claimMany ---


def requests_for(tree: RewardTree, account, *tokens) -> list[tuple]:
    return [
        (token, tree.cumulative_amount(str(account), str(token)), tree.proof(str(account), str(token)))
        for token in tokens
    ]


def test_claimMany_paysEachTokenAndEmits(setup: Setup, published: RewardTree) -> None:
    user, usdc, prov = setup.users[2], setup.usdc, setup.prov
    tx = setup.distributor.claimMany(
        user, requests_for(published, user, usdc, prov), {"from": setup.users[0]}
    )
    assert list(tx.return_value) == [300 * USDC, 30 * PROV]
    assert (usdc.balanceOf(user), prov.balanceOf(user)) == (300 * USDC, 30 * PROV)
    assert [(e["account"], e["token"], e["amount"]) for e in tx.events["Claimed"]] == [
        (user, usdc, 300 * USDC),
        (user, prov, 30 * PROV),
    ]


def test_claimMany_revertsWholeWhenOneFails(setup: Setup, published: RewardTree) -> None:
    user, usdc, prov = setup.users[2], setup.usdc, setup.prov
    good_usdc, good_prov = requests_for(published, user, usdc, prov)
    with brownie.reverts("RewardDistributorInvalidProof: "):
        setup.distributor.claimMany(user, [good_usdc, (prov, good_prov[1] + 1, good_prov[2])], {"from": user})
    with brownie.reverts(f"RewardDistributorNothingToClaim: {user.address.lower()}, {usdc.address.lower()}"):
        setup.distributor.claimMany(user, [good_usdc, good_usdc], {"from": user})
    assert (usdc.balanceOf(user), prov.balanceOf(user)) == (0, 0)
    assert setup.distributor.claimed(user, usdc) == setup.distributor.claimed(user, prov) == 0


def test_claimMany_withoutRequestsPaysNothing(setup: Setup, published: RewardTree) -> None:
    tx = setup.distributor.claimMany(setup.users[0], [], {"from": setup.users[0]})
    assert list(tx.return_value) == []
    assert "Claimed" not in tx.events


# --- emission ---


def test_emissionAvailable_accruesAtRate(setup: Setup) -> None:
    start = setup.distributor.emissionAvailable()
    chain.sleep(1_000)
    chain.mine()
    assert setup.distributor.emissionAvailable() - start >= 1_000 * EMISSION_RATE
    assert setup.distributor.emissionAvailable() - start <= 1_010 * EMISSION_RATE


def test_emissionAvailable_boundedByCap(setup: Setup, accounts) -> None:
    headroom = 50 * PROV
    distributor, prov = deploy_distributor(
        accounts[0],
        usdc=setup.usdc,
        admin=setup.admin,
        guardian=setup.guardian,
        oracle=setup.oracle,
        router=setup.router,
        genesis=PROV_CAP - headroom,
    )
    chain.sleep(100)
    chain.mine()
    assert distributor.emissionAvailable() == headroom
    user = setup.users[0]
    tree = RewardTree([(str(user), str(prov), headroom + 1), (str(setup.users[1]), str(prov), headroom)])
    distributor.submitRoot(1, tree.root, 0, cid(1), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    distributor.acceptRoot({"from": user})
    with brownie.reverts(f"RewardDistributorEmissionExceeded: {headroom + 1}, {headroom}"):
        distributor.claim(user, prov, headroom + 1, tree.proof(str(user), str(prov)), {"from": user})
    other = setup.users[1]
    distributor.claim(other, prov, headroom, tree.proof(str(other), str(prov)), {"from": user})
    assert prov.totalSupply() == PROV_CAP
    assert distributor.emissionAvailable() == 0


def test_setEmissionRate_accruesAtOldRateFirstAndEmits(setup: Setup) -> None:
    chain.sleep(1_000)
    tx = setup.distributor.setEmissionRate(0, {"from": setup.admin})
    assert tx.events["EmissionRateSet"]["tokensPerSecond"] == 0
    accrued = setup.distributor.emissionAvailable()
    assert accrued >= 1_000 * EMISSION_RATE
    chain.sleep(5_000)
    chain.mine()
    assert setup.distributor.emissionAvailable() == accrued
    setup.distributor.setEmissionRate(100 * PROV, {"from": setup.admin})
    chain.sleep(10)
    chain.mine()
    assert accrued + 10 * 100 * PROV <= setup.distributor.emissionAvailable() <= accrued + 12 * 100 * PROV


def test_setEmissionRate_revertsAboveMax(setup: Setup) -> None:
    with brownie.reverts(f"RewardDistributorParameterTooHigh: {100 * PROV + 1}, {100 * PROV}"):
        setup.distributor.setEmissionRate(100 * PROV + 1, {"from": setup.admin})


def test_setEmissionRate_revertsForNonAdmin(setup: Setup) -> None:
    for caller in (setup.guardian, setup.oracle, setup.users[0]):
        with brownie.reverts(unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            setup.distributor.setEmissionRate(1, {"from": caller})


# --- setRootDelay ---


def test_setRootDelay_appliesToNextSubmissionAndEmits(setup: Setup) -> None:
    tx = setup.distributor.setRootDelay(30 * 86_400, {"from": setup.admin})
    assert tx.events["RootDelaySet"]["delaySeconds"] == 30 * 86_400
    submitted = setup.distributor.submitRoot(1, ROOT_A, 0, cid(1), {"from": setup.oracle})
    assert submitted.events["RootSubmitted"]["acceptableAt"] == submitted.timestamp + 30 * 86_400


def test_setRootDelay_revertsAboveMax(setup: Setup) -> None:
    with brownie.reverts(f"RewardDistributorParameterTooHigh: {30 * 86_400 + 1}, {30 * 86_400}"):
        setup.distributor.setRootDelay(30 * 86_400 + 1, {"from": setup.admin})


def test_setRootDelay_revertsForNonAdmin(setup: Setup) -> None:
    for caller in (setup.guardian, setup.oracle, setup.users[0]):
        with brownie.reverts(unauthorized(caller, DEFAULT_ADMIN_ROLE)):
            setup.distributor.setRootDelay(1, {"from": caller})


# --- roles ---


def test_grantRole_adminReplacesOracle(setup: Setup) -> None:
    new_oracle = setup.users[4]
    setup.distributor.grantRole(ORACLE_ROLE, new_oracle, {"from": setup.admin})
    setup.distributor.revokeRole(ORACLE_ROLE, setup.oracle, {"from": setup.admin})
    setup.distributor.submitRoot(1, ROOT_A, 0, cid(1), {"from": new_oracle})
    with brownie.reverts(unauthorized(setup.oracle, ORACLE_ROLE)):
        setup.distributor.submitRoot(2, ROOT_A, 0, cid(2), {"from": setup.oracle})


# --- solvency (stateful) ---

PROV_PER_UNIT = 10**14  # a drawn increase of n is n micro-USDC or n * 1e14 wei of PROV (up to 50,000 PROV)
ST_USER = strategy("uint8", max_value=3)
ST_BOOL = strategy("bool")


@dataclass
class Submitted:
    tree: RewardTree
    epoch: int
    total: int
    acceptable_at: int = 0


class Solvency(RuleBasedStateMachine):
    """Random cumulative trees submitted, accepted and revoked, revenue pulled and swept, claims (alone and
    several at once) against the current, the pending and older trees, waits and rate changes.

    Invariants: the distributor's USDC balance is exactly its named liabilities (the current tree's
    unclaimed amounts, the pending tree's increase, the unallocated revenue, less any shortfall of revenue
    below the newest tree); PROV minted never exceeds what the emission rate accrued; no account ever
    holds more than the current tree grants it; a claim never pays twice.
    (Hypothesis' state machine directly: Brownie 1.22's mypyc-compiled `state_machine` cannot subclass.)
    """

    env: Setup

    def __init__(self) -> None:
        super().__init__()
        chain.revert()
        self.tokens = (self.env.usdc, self.env.prov)
        self.users = self.env.users[:4]
        self.ledger: dict[tuple[int, int], int] = {}
        self.trees: list[RewardTree] = []
        self.current: Submitted | None = None
        self.pending: Submitted | None = None
        self.epoch = 0
        self.revenue = 0  # pulled less swept
        self.paid = [0, 0]
        self.received: dict[tuple[int, int], int] = {}
        self.emitted_before = 0
        self.rate = EMISSION_RATE
        self.rate_since = self.env.distributor.tx.timestamp

    def _leaf(self, user: int, token: int) -> tuple[str, str]:
        return str(self.users[user]), str(self.tokens[token])

    def _newest_total(self) -> int:
        newest = self.pending or self.current
        return newest.total if newest else 0

    def _accept_pending(self, tx) -> None:
        assert self.pending is not None and tx.timestamp >= self.pending.acceptable_at
        assert tx.events["RootAccepted"]["epoch"] == self.pending.epoch
        self.current, self.pending = self.pending, None

    @rule(user=ST_USER, is_prov=ST_BOOL, increase=strategy("uint256", max_value=500 * USDC))
    def accrue(self, user: int, is_prov: bool, increase: int) -> None:
        key = (user, int(is_prov))
        self.ledger[key] = self.ledger.get(key, 0) + increase * (PROV_PER_UNIT if is_prov else 1)

    @rule()
    def submit(self) -> None:
        if not self.ledger:
            return
        tree = RewardTree([(*self._leaf(*key), amount) for key, amount in self.ledger.items()])
        total = sum(amount for (_, token), amount in self.ledger.items() if token == 0)
        self.epoch += 1
        try:
            tx = self.env.distributor.submitRoot(
                self.epoch, tree.root, total, cid(self.epoch), {"from": self.env.oracle}
            )
        except VirtualMachineError as error:
            assert self.pending is not None
            assert error.revert_msg == (
                f"RewardDistributorRootPending: {self.pending.epoch}, {self.pending.acceptable_at}"
            )
            return
        if self.pending is not None:
            self._accept_pending(tx)
        self.pending = Submitted(tree, self.epoch, total, tx.timestamp + ROOT_DELAY)
        self.trees.append(tree)

    @rule()
    def accept(self) -> None:
        try:
            tx = self.env.distributor.acceptRoot({"from": self.env.users[4]})
        except VirtualMachineError as error:
            if self.pending is None:
                assert error.revert_msg == "RewardDistributorNoPendingRoot: "
            else:
                assert error.revert_msg == f"RewardDistributorRootNotReady: {self.pending.acceptable_at}"
            return
        self._accept_pending(tx)

    @rule(wrong_epoch=ST_BOOL)
    def revoke(self, wrong_epoch: bool) -> None:
        if self.pending is None:
            return
        if wrong_epoch:
            with brownie.reverts("RewardDistributorNoPendingRoot: "):
                self.env.distributor.revokePendingRoot(self.pending.epoch - 1, {"from": self.env.guardian})
            return
        self.env.distributor.revokePendingRoot(self.pending.epoch, {"from": self.env.guardian})
        self.pending = None

    @rule(amount=strategy("uint256", max_value=2_000 * USDC))
    def fund(self, amount: int) -> None:
        self.env.fund(amount)
        self.revenue += amount

    @rule(share=strategy("uint8", max_value=5))
    def sweep(self, share: int) -> None:
        """Sweeps 0, a quarter, ... or all of the unallocated revenue, or one more than all of it."""
        unallocated = max(0, self.revenue - self._newest_total())
        amount = unallocated * share // 4 if share <= 4 else unallocated + 1
        if amount > unallocated:
            with brownie.reverts(f"RewardDistributorSweepExceedsUnallocated: {amount}, {unallocated}"):
                self.env.distributor.sweepUnallocated(self.env.admin, amount, {"from": self.env.admin})
            return
        self.env.distributor.sweepUnallocated(self.env.admin, amount, {"from": self.env.admin})
        self.revenue -= amount

    @rule(seconds=strategy("uint256", max_value=ROOT_DELAY * 2))
    def wait(self, seconds: int) -> None:
        chain.sleep(seconds)

    @rule(rate=strategy("uint256", max_value=100 * PROV))
    def set_rate(self, rate: int) -> None:
        tx = self.env.distributor.setEmissionRate(rate, {"from": self.env.admin})
        self.emitted_before += self.rate * (tx.timestamp - self.rate_since)
        self.rate, self.rate_since = rate, tx.timestamp

    def _tree(self, which: int) -> RewardTree | None:
        """The current tree, the pending one, or the first one ever submitted."""
        chosen = (self.current, self.pending)[which] if which < 2 else None
        if which == 2:
            return self.trees[0] if self.trees else None
        return chosen.tree if chosen else None

    def _owed(self, key: tuple[int, int], tree: RewardTree) -> int:
        return tree.cumulative_amount(*self._leaf(*key)) - self.received.get(key, 0)

    @rule(user=ST_USER, is_prov=ST_BOOL, which=strategy("uint8", max_value=2))
    def claim(self, user: int, is_prov: bool, which: int) -> None:
        key = (user, int(is_prov))
        account, token = self._leaf(*key)
        tree = self._tree(which)
        if tree is None or not self._in(tree, account, token):
            return
        cumulative, proof = tree.cumulative_amount(account, token), tree.proof(account, token)
        owed = self._owed(key, tree)
        try:
            tx = self.env.distributor.claim(account, token, cumulative, proof, {"from": self.env.users[4]})
        except VirtualMachineError as error:
            self._check_refusal(error.revert_msg, tree, owed, key[1])
            return
        assert self.current is not None and tree.root == self.current.tree.root
        assert tx.return_value == owed > 0
        self.received[key] = cumulative
        self.paid[key[1]] += owed
        with brownie.reverts(f"RewardDistributorNothingToClaim: {account.lower()}, {token.lower()}"):
            self.env.distributor.claim(account, token, cumulative, proof, {"from": self.env.users[4]})

    @rule(user=ST_USER)
    def claim_many(self, user: int) -> None:
        """Both tokens in one call from the current tree: both pay, or neither does."""
        if self.current is None:
            return
        tree, keys = self.current.tree, [(user, 0), (user, 1)]
        if not all(self._in(tree, *self._leaf(*key)) for key in keys):
            return
        account = self._leaf(user, 0)[0]
        requests = [requests_for(tree, account, self.tokens[token])[0] for _, token in keys]
        owed = [self._owed(key, tree) for key in keys]
        try:
            tx = self.env.distributor.claimMany(account, requests, {"from": self.env.users[4]})
        except VirtualMachineError as error:
            name = error.revert_msg.partition(": ")[0]
            held = self.revenue - self.paid[0]
            expected = {"RewardDistributorEmissionExceeded"} if owed[1] > 0 else set()
            if min(owed) <= 0:
                expected.add("RewardDistributorNothingToClaim")
            if owed[0] > held:
                expected.add("RewardDistributorInsufficientFunds")
            assert name in expected
            return
        assert list(tx.return_value) == owed
        for key, amount in zip(keys, owed, strict=True):
            self.received[key] = tree.cumulative_amount(*self._leaf(*key))
            self.paid[key[1]] += amount

    @staticmethod
    def _in(tree: RewardTree, account: str, token: str) -> bool:
        try:
            tree.cumulative_amount(account, token)
        except KeyError:
            return False
        return True

    def _check_refusal(self, message: str, tree: RewardTree, owed: int, token_index: int) -> None:
        error, _, arguments = message.partition(": ")
        if self.current is None or tree.root != self.current.tree.root:
            assert error == "RewardDistributorInvalidProof"
        elif owed <= 0:
            assert error == "RewardDistributorNothingToClaim"
        elif token_index == 0:
            held = self.revenue - self.paid[0]
            assert (
                message
                == f"RewardDistributorInsufficientFunds: {str(self.tokens[0]).lower()}, {owed}, {held}"
            )
            assert owed > held
        else:
            needed, available = (int(word) for word in arguments.split(", "))
            assert error == "RewardDistributorEmissionExceeded"
            assert needed == owed > available

    @invariant()
    def roots_as_submitted(self) -> None:
        current, pending = self.current, self.pending
        assert plain(self.env.distributor.currentRoot())[:2] == (
            (current.tree.root, current.epoch) if current else NO_ROOT[:2]
        )
        assert plain(self.env.distributor.pendingRoot())[:2] == (
            (pending.tree.root, pending.epoch) if pending else NO_PENDING[:2]
        )

    @invariant()
    def payment_token_balance_is_named_liabilities(self) -> None:
        current_total = self.current.total if self.current else 0
        unclaimed = current_total - self.paid[0]
        pending_increase = self.pending.total - current_total if self.pending else 0
        unallocated = self.env.distributor.unallocatedRevenue()
        shortfall = max(0, self._newest_total() - self.revenue)
        assert unallocated == max(0, self.revenue - self._newest_total())
        assert unclaimed >= 0 and pending_increase >= 0
        balance = self.env.usdc.balanceOf(self.env.distributor)
        assert (
            balance == self.revenue - self.paid[0] == unclaimed + pending_increase + unallocated - shortfall
        )

    @invariant()
    def prov_within_emission(self) -> None:
        minted = self.env.prov.totalSupply() - GENESIS
        emitted = self.emitted_before + self.rate * (chain[-1].timestamp - self.rate_since)
        assert minted == self.paid[1] <= emitted

    @invariant()
    def no_account_beyond_current_cumulative(self) -> None:
        for user_index, user in enumerate(self.users):
            for token_index, token in enumerate(self.tokens):
                received = self.received.get((user_index, token_index), 0)
                assert token.balanceOf(user) == received
                assert self.env.distributor.claimed(user, token) == received
                if received:
                    assert self.current is not None
                    assert received <= self.current.tree.cumulative_amount(str(user), str(token))


def test_solvency_holdsUnderRandomRootLifecycleFundingAndClaims(setup: Setup) -> None:
    Solvency.env = setup
    chain.snapshot()
    run_state_machine_as_test(Solvency, settings=fuzz_settings())
