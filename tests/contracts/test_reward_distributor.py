"""RewardDistributor on its own: MockUSDC, a real ProvenanceToken, an EOA standing in for the router.

pullRevenue needs the real royalty router and is tested with the whole system, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import brownie
import pytest
from brownie import NonStandardToken, ProvenanceToken, RewardDistributor, chain, web3
from brownie.exceptions import VirtualMachineError
from brownie.network.account import Account
from brownie.test import strategy
from eth_abi import encode
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.domain.merkle import RewardTree

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
    router: Account
    users: list[Account]
    epoch: int = field(default=0)

    def fund(self, amount: int) -> None:
        while amount > 0:
            chunk = min(amount, FAUCET_LIMIT)
            self.usdc.faucet(self.distributor, chunk, {"from": self.admin})
            amount -= chunk

    def publish(self, tree: RewardTree) -> int:
        """Submits the tree under the next epoch and accepts it once its delay has passed."""
        self.epoch += 1
        self.distributor.submitRoot(self.epoch, tree.root, cid(self.epoch), {"from": self.oracle})
        chain.sleep(ROOT_DELAY)
        self.distributor.acceptRoot({"from": self.users[0]})
        return self.epoch

    def claim(self, tree: RewardTree, account, token, *, sender=None):
        amount = tree.cumulative_amount(str(account), str(token))
        proof = tree.proof(str(account), str(token))
        return self.distributor.claim(account, token, amount, proof, {"from": sender or account})


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
    deployer, admin, guardian, oracle, router = accounts[:5]
    usdc = MockUSDC.deploy({"from": deployer})
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


NO_ROOT = ("0x" + "00" * 32, 0, "")
NO_PENDING = ("0x" + "00" * 32, 0, "", 0)


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


def test_submitRoot_storesPendingAndEmits(setup: Setup, tree: RewardTree) -> None:
    tx = setup.distributor.submitRoot(7, tree.root, cid(7), {"from": setup.oracle})
    acceptable_at = tx.timestamp + ROOT_DELAY
    assert plain(setup.distributor.pendingRoot()) == (tree.root, 7, cid(7), acceptable_at)
    assert plain(tx.events["RootSubmitted"]) == {
        "epoch": 7,
        "root": tree.root,
        "treeCid": cid(7),
        "acceptableAt": acceptable_at,
    }
    assert setup.distributor.currentRoot()[0] == "0x" + "00" * 32


def test_submitRoot_replacesPending(setup: Setup) -> None:
    setup.distributor.submitRoot(1, "0x" + "11" * 32, cid(1), {"from": setup.oracle})
    setup.distributor.submitRoot(2, "0x" + "22" * 32, cid(2), {"from": setup.oracle})
    assert plain(setup.distributor.pendingRoot())[:3] == ("0x" + "22" * 32, 2, cid(2))


def test_submitRoot_revertsForNonOracle(setup: Setup) -> None:
    for caller in (setup.admin, setup.guardian, setup.users[0]):
        with brownie.reverts(unauthorized(caller, ORACLE_ROLE)):
            setup.distributor.submitRoot(1, "0x" + "11" * 32, cid(1), {"from": caller})


def test_submitRoot_revertsOnStaleEpoch(setup: Setup) -> None:
    distributor, oracle = setup.distributor, setup.oracle
    with brownie.reverts("RewardDistributorStaleEpoch: 0, 0"):
        distributor.submitRoot(0, "0x" + "11" * 32, cid(0), {"from": oracle})
    distributor.submitRoot(5, "0x" + "11" * 32, cid(5), {"from": oracle})
    for epoch in (4, 5):
        with brownie.reverts(f"RewardDistributorStaleEpoch: {epoch}, 5"):
            distributor.submitRoot(epoch, "0x" + "22" * 32, cid(epoch), {"from": oracle})
    distributor.revokePendingRoot({"from": setup.guardian})
    with brownie.reverts("RewardDistributorStaleEpoch: 5, 5"):
        distributor.submitRoot(5, "0x" + "22" * 32, cid(5), {"from": oracle})


def test_submitRoot_revertsOnInvalidRoot(setup: Setup) -> None:
    for root, tree_cid in (("0x" + "00" * 32, cid(1)), ("0x" + "11" * 32, ""), ("0x" + "11" * 32, "Q" * 129)):
        with brownie.reverts("RewardDistributorInvalidRoot: "):
            setup.distributor.submitRoot(1, root, tree_cid, {"from": setup.oracle})
    setup.distributor.submitRoot(1, "0x" + "11" * 32, "Q" * 128, {"from": setup.oracle})


# --- revokePendingRoot ---


@pytest.mark.parametrize("revoker", ["admin", "guardian"])
def test_revokePendingRoot_clearsPendingAndEmits(setup: Setup, tree: RewardTree, revoker: str) -> None:
    setup.distributor.submitRoot(3, tree.root, cid(3), {"from": setup.oracle})
    tx = setup.distributor.revokePendingRoot({"from": getattr(setup, revoker)})
    assert plain(tx.events["RootRevoked"]) == {"epoch": 3, "root": tree.root, "by": getattr(setup, revoker)}
    assert plain(setup.distributor.pendingRoot()) == NO_PENDING


def test_revokePendingRoot_revertsForOthers(setup: Setup, tree: RewardTree) -> None:
    setup.distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
    for caller in (setup.oracle, setup.router, setup.users[0]):
        with brownie.reverts(f"RewardDistributorUnauthorized: {caller.address.lower()}"):
            setup.distributor.revokePendingRoot({"from": caller})


def test_revokePendingRoot_revertsWithoutPending(setup: Setup, published: RewardTree) -> None:
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.revokePendingRoot({"from": setup.guardian})


def test_acceptRoot_revertsForRevokedRoot(setup: Setup, tree: RewardTree) -> None:
    setup.distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
    setup.distributor.revokePendingRoot({"from": setup.admin})
    chain.sleep(ROOT_DELAY)
    with brownie.reverts("RewardDistributorNoPendingRoot: "):
        setup.distributor.acceptRoot({"from": setup.users[0]})
    assert setup.distributor.currentRoot()[0] == "0x" + "00" * 32


# --- acceptRoot ---


def test_acceptRoot_makesPendingCurrentAndEmits(setup: Setup, tree: RewardTree) -> None:
    setup.distributor.submitRoot(4, tree.root, cid(4), {"from": setup.oracle})
    chain.sleep(ROOT_DELAY)
    tx = setup.distributor.acceptRoot({"from": setup.users[3]})
    assert plain(tx.events["RootAccepted"]) == {"epoch": 4, "root": tree.root, "treeCid": cid(4)}
    assert plain(setup.distributor.currentRoot()) == (tree.root, 4, cid(4))
    assert plain(setup.distributor.pendingRoot()) == NO_PENDING


def test_acceptRoot_revertsBeforeDelay(setup: Setup, tree: RewardTree) -> None:
    tx = setup.distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
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
    submitted = setup.distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
    setup.distributor.setRootDelay(0, {"from": setup.admin})
    with brownie.reverts(f"RewardDistributorRootNotReady: {submitted.timestamp + ROOT_DELAY}"):
        setup.distributor.acceptRoot({"from": setup.users[0]})
    tx = setup.distributor.submitRoot(2, tree.root, cid(2), {"from": setup.oracle})
    assert tx.events["RootSubmitted"]["acceptableAt"] == tx.timestamp
    setup.distributor.acceptRoot({"from": setup.users[0]})


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
    grown = RewardTree([(str(user), str(usdc), 250 * USDC), (str(setup.users[1]), str(usdc), 1)])
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
    distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
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
    lowered = RewardTree([(str(user), str(usdc), 50 * USDC), (str(setup.users[1]), str(usdc), 1)])
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
    grown = RewardTree([(str(user), str(usdc), 300 * USDC), (str(setup.users[1]), str(usdc), 1)])
    setup.distributor.submitRoot(setup.epoch + 1, grown.root, cid(9), {"from": setup.oracle})
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
    distributor.submitRoot(1, tree.root, cid(1), {"from": setup.oracle})
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
    submitted = setup.distributor.submitRoot(1, "0x" + "11" * 32, cid(1), {"from": setup.oracle})
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
    setup.distributor.submitRoot(1, "0x" + "11" * 32, cid(1), {"from": new_oracle})
    with brownie.reverts(unauthorized(setup.oracle, ORACLE_ROLE)):
        setup.distributor.submitRoot(2, "0x" + "11" * 32, cid(2), {"from": setup.oracle})


# --- solvency (stateful) ---

PROV_PER_UNIT = 10**14  # a drawn increase of n is n micro-USDC or n * 1e14 wei of PROV (up to 50,000 PROV)
ST_USER = strategy("uint8", max_value=3)
ST_BOOL = strategy("bool")


class Solvency(RuleBasedStateMachine):
    """Random epochs of growing cumulative roots, random funding, random claims, waits and rate changes.

    Invariants: USDC paid never exceeds USDC funded; PROV minted never exceeds what the emission rate
    accrued; no account ever holds more than its latest cumulative amount; a claim never pays twice.
    (Hypothesis' state machine directly: Brownie 1.22's mypyc-compiled `state_machine` cannot subclass.)
    """

    env: Setup

    def __init__(self) -> None:
        super().__init__()
        chain.revert()
        self.env.epoch = self.env.distributor.currentRoot()[1]
        self.tokens = (self.env.usdc, self.env.prov)
        self.users = self.env.users[:4]
        self.ledger: dict[tuple[int, int], int] = {}
        self.trees: list[RewardTree] = []
        self.funded = 0
        self.paid = [0, 0]
        self.received: dict[tuple[int, int], int] = {}
        self.emitted_before = 0
        self.rate = EMISSION_RATE
        self.rate_since = self.env.distributor.tx.timestamp

    def _leaf(self, user: int, token: int) -> tuple[str, str]:
        return str(self.users[user]), str(self.tokens[token])

    @rule(user=ST_USER, is_prov=ST_BOOL, increase=strategy("uint256", max_value=500 * USDC))
    def accrue(self, user: int, is_prov: bool, increase: int) -> None:
        key = (user, int(is_prov))
        self.ledger[key] = self.ledger.get(key, 0) + increase * (PROV_PER_UNIT if is_prov else 1)

    @rule()
    def publish(self) -> None:
        if self.ledger:
            tree = RewardTree([(*self._leaf(*key), amount) for key, amount in self.ledger.items()])
            self.env.publish(tree)
            self.trees.append(tree)

    @rule(amount=strategy("uint256", max_value=2_000 * USDC))
    def fund(self, amount: int) -> None:
        self.env.fund(amount)
        self.funded += amount

    @rule(seconds=strategy("uint256", max_value=3_600))
    def wait(self, seconds: int) -> None:
        chain.sleep(seconds)

    @rule(rate=strategy("uint256", max_value=100 * PROV))
    def set_rate(self, rate: int) -> None:
        tx = self.env.distributor.setEmissionRate(rate, {"from": self.env.admin})
        self.emitted_before += self.rate * (tx.timestamp - self.rate_since)
        self.rate, self.rate_since = rate, tx.timestamp

    @rule(user=ST_USER, is_prov=ST_BOOL, stale=ST_BOOL)
    def claim(self, user: int, is_prov: bool, stale: bool) -> None:
        key = (user, int(is_prov))
        account, token = self._leaf(*key)
        tree = self.trees[0] if stale and self.trees else self.trees[-1] if self.trees else None
        if tree is None or not self._in(tree, account, token):
            return
        cumulative, proof = tree.cumulative_amount(account, token), tree.proof(account, token)
        owed = cumulative - self.received.get(key, 0)
        try:
            tx = self.env.distributor.claim(account, token, cumulative, proof, {"from": self.env.users[4]})
        except VirtualMachineError as error:
            self._check_refusal(error.revert_msg, tree, owed, key[1])
            return
        assert tree.root == self.trees[-1].root
        assert tx.return_value == owed > 0
        self.received[key] = cumulative
        self.paid[key[1]] += owed
        with brownie.reverts(f"RewardDistributorNothingToClaim: {account.lower()}, {token.lower()}"):
            self.env.distributor.claim(account, token, cumulative, proof, {"from": self.env.users[4]})

    @staticmethod
    def _in(tree: RewardTree, account: str, token: str) -> bool:
        try:
            tree.cumulative_amount(account, token)
        except KeyError:
            return False
        return True

    def _check_refusal(self, message: str, tree: RewardTree, owed: int, token_index: int) -> None:
        error, _, arguments = message.partition(": ")
        if tree.root != self.trees[-1].root:
            assert error == "RewardDistributorInvalidProof"
        elif owed <= 0:
            assert error == "RewardDistributorNothingToClaim"
        elif token_index == 0:
            held = self.funded - self.paid[0]
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
    def payment_token_solvent(self) -> None:
        assert self.paid[0] <= self.funded
        assert self.env.usdc.balanceOf(self.env.distributor) == self.funded - self.paid[0]

    @invariant()
    def prov_within_emission(self) -> None:
        minted = self.env.prov.totalSupply() - GENESIS
        emitted = self.emitted_before + self.rate * (chain[-1].timestamp - self.rate_since)
        assert minted == self.paid[1] <= emitted

    @invariant()
    def no_account_beyond_latest_cumulative(self) -> None:
        for user_index, user in enumerate(self.users):
            for token_index, token in enumerate(self.tokens):
                received = self.received.get((user_index, token_index), 0)
                assert token.balanceOf(user) == received
                assert self.env.distributor.claimed(user, token) == received
                if received:
                    assert received <= self.trees[-1].cumulative_amount(str(user), str(token))


def test_solvency_holdsUnderRandomEpochsFundingAndClaims(setup: Setup) -> None:
    Solvency.env = setup
    chain.snapshot()
    run_state_machine_as_test(
        Solvency, settings=settings(max_examples=30, stateful_step_count=25, deadline=None)
    )
