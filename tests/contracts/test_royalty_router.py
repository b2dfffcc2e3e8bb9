"""RoyaltyRouter: exact splits up a model's lineage, pull withdrawals, DAO-only fee and treasury, and hostile
payees (a payee that refuses every call and a payee that re-enters `withdraw` from a token hook).

Worked examples use the deployment's default protocol fee of 250 bps; every expected figure is written out
(rounding down at each step, dust to the model's owner) so a change in the split rules fails a test.
"""

from __future__ import annotations

import itertools

import brownie
import pytest
from brownie import ReentrantPayee, ReentrantToken, RevertingReceiver, RoyaltyRouter

from scripts.deploy import DeployConfig, deploy
from tests.contracts.conftest import (
    ALL_PERMISSIONS,
    COMMERCIAL,
    DERIVATIVES,
    DISTILL,
    DISTILLATION,
    FINE_TUNE,
    MERGE,
    USDC,
    System,
    cid,
    make_terms,
    plain,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_FEE_BPS = 250
ROLE_ZERO = bytes(32)  # DEFAULT_ADMIN_ROLE as Brownie prints a bytes32 argument


def addr(account) -> str:
    """An address as Brownie formats it in a decoded custom error."""
    return str(account).lower()


def credits(router, *payees) -> list[int]:
    """What the router owes each payee: a model id's revenue (for its owner), an account's credit."""
    return [router.modelBalanceOf(p) if isinstance(p, int) else router.balanceOf(p) for p in payees]


def deltas(before: list[int], after: list[int]) -> list[int]:
    return [b - a for a, b in zip(before, after, strict=True)]


def events(tx, name: str) -> list[dict]:
    return [dict(e) for e in tx.events[name]] if name in tx.events else []


def registration(n: int, *, parents=(), datasets=()) -> tuple:
    return (cid(n), "0x" + f"{n:064x}", list(parents), list(datasets))


@pytest.fixture
def owner(accounts):
    return accounts[1]


@pytest.fixture
def buyer(accounts):
    return accounts[2]


# --- distribute ---------------------------------------------------------------------------------------


def test_distribute_byNonManager_reverts(system, owner):
    model = system.register_model(owner)
    with brownie.reverts(f"RoyaltyRouterUnauthorized: {addr(owner)}"):
        system.router.distribute(model, 1_000, 0, {"from": owner})


def test_distribute_byTimelock_reverts(system, owner):
    model = system.register_model(owner)
    with brownie.reverts(f"RoyaltyRouterUnauthorized: {addr(system.timelock)}"):
        system.router.distribute(model, 1_000, 0, {"from": system.timelock_account})


def test_distribute_byRegistry_reverts(system, owner):
    model = system.register_model(owner)
    registry = brownie.accounts.at(system.registry.address, force=True)
    with brownie.reverts(f"RoyaltyRouterUnauthorized: {addr(system.registry)}"):
        system.router.distribute(model, 1_000, 0, {"from": registry})


def test_constants_matchDeployConfig(system):
    assert system.router.MAX_PROTOCOL_FEE_BPS() == 1_000
    assert system.router.protocolFeeBps() == DEFAULT_FEE_BPS
    assert system.router.treasury() == system.timelock.address


def test_purchase_noDatasetsNoStack_paysFeeAndOwner(system, owner, buyer):
    # P = 1,000,003: fee = floor(P * 250 / 10,000) = 25,000; owner = P - fee = 975,003. No dataset: the
    # contributor share stays with the owner.
    model = system.register_model(owner, terms=make_terms(price=1_000_003, contributors_bps=2_000))
    watched = (system.timelock, model, system.rewards)
    before = credits(system.router, *watched)
    system.fund(buyer, 1_000_003)
    tx = system.licenses.purchase(model, buyer, 1_000_003, 1, {"from": buyer})

    assert deltas(before, credits(system.router, *watched)) == [25_000, 975_003, 0]
    assert system.usdc.balanceOf(system.router) == 1_000_003
    assert events(tx, "PaymentSplit") == [
        {"modelId": model, "amount": 1_000_003, "protocolFee": 25_000, "ownerAmount": 975_003}
    ]
    assert events(tx, "DatasetPoolCredited") == []
    assert events(tx, "AncestorRoyaltyCredited") == []


def test_purchase_oneDataset_creditsPoolToDistributor(system, owner, buyer, accounts):
    # P = 100 USDC: fee 2.5; remaining 97.5; pool 20% = 19.5 to the distributor; owner 78.
    dataset = system.register_dataset(accounts[3])
    model = system.register_model(
        owner, terms=make_terms(price=100 * USDC, contributors_bps=2_000), datasets=[(dataset, 1, 10_000)]
    )
    watched = (system.timelock, model, system.rewards)
    before = credits(system.router, *watched)
    system.fund(buyer, 100 * USDC)
    tx = system.licenses.purchase(model, buyer, 100 * USDC, 1, {"from": buyer})

    assert deltas(before, credits(system.router, *watched)) == [2_500_000, 78_000_000, 19_500_000]
    assert system.router.balanceOf(accounts[3]) == 0  # the curator is paid through the distributor
    assert events(tx, "DatasetPoolCredited") == [
        {"datasetId": dataset, "modelId": model, "amount": 19_500_000}
    ]
    assert events(tx, "PaymentSplit") == [
        {"modelId": model, "amount": 100 * USDC, "protocolFee": 2_500_000, "ownerAmount": 78_000_000}
    ]


def test_purchase_twoDatasetsUnevenWeights_dustGoesToOwner(system, owner, buyer, accounts):
    # P = 1,000,001: fee floor(25,000.025) = 25,000; remaining 975,001; pool 30% = floor(292,500.3) = 292,500;
    # dataset A (3,333 bps) floor(97,490.25) = 97,490; dataset B (6,667 bps) floor(195,009.75) = 195,009;
    # credited 292,499, so the owner gets 975,001 - 292,499 = 682,502 (1 wei of pool dust included).
    dataset_a = system.register_dataset(accounts[3], n=10)
    dataset_b = system.register_dataset(accounts[4], n=20)
    model = system.register_model(
        owner,
        terms=make_terms(price=1_000_001, contributors_bps=3_000),
        datasets=[(dataset_a, 1, 3_333), (dataset_b, 1, 6_667)],
    )
    watched = (system.timelock, model, system.rewards)
    before = credits(system.router, *watched)
    system.fund(buyer, 1_000_001)
    tx = system.licenses.purchase(model, buyer, 1_000_001, 1, {"from": buyer})

    assert deltas(before, credits(system.router, *watched)) == [25_000, 682_502, 292_499]
    assert events(tx, "DatasetPoolCredited") == [
        {"datasetId": dataset_a, "modelId": model, "amount": 97_490},
        {"datasetId": dataset_b, "modelId": model, "amount": 195_009},
    ]
    assert events(tx, "PaymentSplit")[0]["ownerAmount"] == 682_502
    assert sum(deltas(before, credits(system.router, *watched))) == 1_000_001


@pytest.fixture
def lineage(system, accounts):
    """grandparent G <- parent P <- child C, each with its own dataset and terms.

    G (owner accounts[1]): contributorsBps 4,000, derivativeRevShareBps 1,000, allows distillation.
    P (owner accounts[2], distilled from G under a licence): contributorsBps 2,500, derivativeRevShareBps 500.
    C (owner accounts[3], fine-tuned from P under a licence): contributorsBps 2,000.
    """
    g_owner, p_owner, c_owner = accounts[1], accounts[2], accounts[3]
    d_g = system.register_dataset(accounts[5], n=100)
    d_p = system.register_dataset(accounts[5], n=200)
    d_c = system.register_dataset(accounts[5], n=300)
    g = system.register_model(
        g_owner,
        terms=make_terms(
            contributors_bps=4_000,
            derivative_rev_share_bps=1_000,
            permissions=COMMERCIAL | DERIVATIVES | DISTILLATION,
        ),
        datasets=[(d_g, 1, 10_000)],
        n=1,
    )
    g_licence = system.buy(p_owner, g)
    p = system.register_model(
        p_owner,
        terms=make_terms(contributors_bps=2_500, derivative_rev_share_bps=500),
        parents=[(g, DISTILL, g_licence)],
        datasets=[(d_p, 1, 10_000)],
        n=2,
    )
    p_licence = system.buy(c_owner, p)
    c = system.register_model(
        c_owner,
        terms=make_terms(price=1_234_567_891, contributors_bps=2_000),
        parents=[(p, FINE_TUNE, p_licence)],
        datasets=[(d_c, 1, 10_000)],
        n=3,
    )
    return {"G": g, "P": p, "C": c, "dG": d_g, "dP": d_p, "dC": d_c, "owners": (g_owner, p_owner, c_owner)}


def test_royaltyStack_twoLevelLineage_listsAncestorsById(system, lineage):
    assert plain(system.router.royaltyStackOf(lineage["C"])) == ((lineage["G"], 1_000), (lineage["P"], 500))


def test_purchase_twoLevelLineage_splitsEachAncestorByItsOwnTerms(system, lineage, accounts):
    # P = 1,234,567,891.
    #   fee            floor(P * 250 / 1e4)   =    30,864,197  -> treasury
    #   parent P       floor(P * 500 / 1e4)   =    61,728,394  -> pool dP 25% floor = 15,432,098; owner 46,296,296
    #   grandparent G  floor(P * 1,000 / 1e4) =   123,456,789  -> pool dG 40% floor = 49,382,715; owner 74,074,074
    #   remaining      P - the three above    = 1,018,518,511  -> pool dC 20% floor = 203,703,702; owner 814,814,809
    buyer = accounts[6]
    watched = (system.timelock, lineage["G"], lineage["P"], lineage["C"], system.rewards)
    before = credits(system.router, *watched)
    system.fund(buyer, 1_234_567_891)
    tx = system.licenses.purchase(lineage["C"], buyer, 1_234_567_891, 1, {"from": buyer})

    assert deltas(before, credits(system.router, *watched)) == [
        30_864_197,
        74_074_074,
        46_296_296,
        814_814_809,
        15_432_098 + 49_382_715 + 203_703_702,
    ]
    assert events(tx, "AncestorRoyaltyCredited") == [
        {"modelId": lineage["C"], "ancestorId": lineage["G"], "amount": 123_456_789},
        {"modelId": lineage["C"], "ancestorId": lineage["P"], "amount": 61_728_394},
    ]
    assert events(tx, "DatasetPoolCredited") == [
        {"datasetId": lineage["dG"], "modelId": lineage["G"], "amount": 49_382_715},
        {"datasetId": lineage["dP"], "modelId": lineage["P"], "amount": 15_432_098},
        {"datasetId": lineage["dC"], "modelId": lineage["C"], "amount": 203_703_702},
    ]
    assert events(tx, "PaymentSplit") == [
        {
            "modelId": lineage["C"],
            "amount": 1_234_567_891,
            "protocolFee": 30_864_197,
            "ownerAmount": 814_814_809,
        }
    ]


def test_purchase_afterAncestorTermsChange_splitsRoyaltyByAncestorsCurrentShare(system, lineage, accounts):
    # The DAO sets G's contributor share to 0: G's royalty (P * 1,000 bps) now goes wholly to G's owner,
    # while G's rate in C's stack stays what it was at C's registration.
    system.licenses.setTerms(
        lineage["G"],
        make_terms(contributors_bps=0, derivative_rev_share_bps=3_000),
        {"from": system.timelock_account},
    )
    buyer = accounts[6]
    before = credits(system.router, lineage["G"])
    system.fund(buyer, 1_234_567_891)
    tx = system.licenses.purchase(lineage["C"], buyer, 1_234_567_891, 1, {"from": buyer})

    assert deltas(before, credits(system.router, lineage["G"])) == [123_456_789]
    assert [e["datasetId"] for e in events(tx, "DatasetPoolCredited")] == [lineage["dP"], lineage["dC"]]


def test_purchase_ancestorThroughTwoParents_isCreditedOnce(system, accounts):
    # G <- P1, G <- P2, C <- {P1, P2}: C's stack is [G 1,000, P1 300, P2 200] with G once.
    # P = 10 USDC: fee 250,000; P1 300,000; P2 200,000; G 1,000,000 (once); C's owner 8,250,000.
    g_owner, p1_owner, p2_owner, c_owner, buyer = accounts[1:6]
    g = system.register_model(g_owner, terms=make_terms(derivative_rev_share_bps=1_000), n=1)
    p1 = system.register_model(
        p1_owner,
        terms=make_terms(derivative_rev_share_bps=300),
        parents=[(g, FINE_TUNE, system.buy(p1_owner, g))],
        n=2,
    )
    p2 = system.register_model(
        p2_owner,
        terms=make_terms(derivative_rev_share_bps=200),
        parents=[(g, MERGE, system.buy(p2_owner, g))],
        n=3,
    )
    c = system.register_model(
        c_owner,
        terms=make_terms(price=10 * USDC),
        parents=[(p1, MERGE, system.buy(c_owner, p1)), (p2, MERGE, system.buy(c_owner, p2))],
        n=4,
    )
    assert plain(system.router.royaltyStackOf(c)) == ((g, 1_000), (p1, 300), (p2, 200))

    watched = (system.timelock, g, p1, p2, c, system.rewards)
    before = credits(system.router, *watched)
    system.fund(buyer, 10 * USDC)
    tx = system.licenses.purchase(c, buyer, 10 * USDC, 1, {"from": buyer})

    assert deltas(before, credits(system.router, *watched)) == [
        250_000,
        1_000_000,
        300_000,
        200_000,
        8_250_000,
        0,
    ]
    assert [e["ancestorId"] for e in events(tx, "AncestorRoyaltyCredited")] == [g, p1, p2]


def test_registerSplit_ancestorListedUnderOlderCheaperLicence_takesItsHighestShare(system, accounts):
    """The attack: C lists G directly under a licence bought when G asked 2%, beside P, whose stack holds G
    at the 10% of G's current terms. The first-met rule gave G 2%; the share is the highest on any path."""
    g_owner, p_owner, c_owner = accounts[1:4]
    g = system.register_model(g_owner, terms=make_terms(derivative_rev_share_bps=200), n=1)
    cheap = system.buy(c_owner, g)
    system.licenses.setTerms(g, make_terms(derivative_rev_share_bps=1_000), {"from": system.timelock_account})
    p = system.register_model(
        p_owner,
        terms=make_terms(derivative_rev_share_bps=500),
        parents=[(g, FINE_TUNE, system.buy(p_owner, g))],
        n=2,
    )
    p_licence = system.buy(c_owner, p)

    c = system.register_model(c_owner, parents=[(g, MERGE, cheap), (p, MERGE, p_licence)], n=3)

    assert plain(system.router.royaltyStackOf(c)) == ((g, 1_000), (p, 500))


def test_registerSplit_everyOrderOfParents_sameStackAndCreditsToTheWei(system, accounts):
    """Three parents sharing ancestors at different shares, registered in all six orders: each child's
    stack, and every credit of a purchase of it, are identical."""
    owners, buyer = accounts[1:5], accounts[6]
    generous = make_terms(derivative_rev_share_bps=700, max_derivatives=10, permissions=ALL_PERMISSIONS)
    g = system.register_model(owners[0], terms=generous, n=1)
    h = system.register_model(
        owners[0], terms=make_terms(derivative_rev_share_bps=300, max_derivatives=10), n=2
    )
    parents = [
        system.register_model(
            owners[1],
            terms=make_terms(derivative_rev_share_bps=share, max_derivatives=10, permissions=ALL_PERMISSIONS),
            parents=edges,
            n=10 + i,
        )
        for i, (share, edges) in enumerate(
            [
                (400, [(g, FINE_TUNE, system.buy(owners[1], g))]),
                (250, [(g, MERGE, system.buy(owners[1], g)), (h, MERGE, system.buy(owners[1], h))]),
                (100, []),
            ]
        )
    ]
    licences = {parent: system.buy(owners[2], parent) for parent in parents}

    stacks, credit_sets = set(), set()
    for n, order in enumerate(itertools.permutations(parents)):
        child = system.register_model(
            owners[2],
            terms=make_terms(price=987_654_321),
            parents=[(parent, MERGE, licences[parent]) for parent in order],
            n=100 + n,
        )
        stacks.add(plain(system.router.royaltyStackOf(child)))
        watched = (system.timelock, g, h, *parents, system.rewards)
        before = credits(system.router, *watched)
        system.fund(buyer, 987_654_321)
        system.licenses.purchase(child, buyer, 987_654_321, 1, {"from": buyer})
        credit_sets.add(tuple(deltas(before, credits(system.router, *watched))))

    # G reached through two parents and H through one, each once; sorted by id whatever the order.
    assert stacks == {((g, 700), (h, 300), (parents[0], 400), (parents[1], 250), (parents[2], 100))}
    assert len(credit_sets) == 1


def test_settleUsage_paysFeesThroughTheSplit(system, owner, buyer, accounts):
    # 1,500 calls with 1,000 included at 1,000 per call: fee 500,000 from 1 USDC of credit.
    # fee 12,500; pool 20% of 487,500 = 97,500; owner 390,000.
    dataset = system.register_dataset(accounts[3])
    model = system.register_model(owner, datasets=[(dataset, 1, 10_000)])
    licence = system.buy(buyer, model)
    system.fund(buyer, USDC)
    system.licenses.deposit(licence, USDC, {"from": buyer})
    watched = (system.timelock, model, system.rewards)
    before = credits(system.router, *watched)
    router_tokens = system.usdc.balanceOf(system.router)

    tx = system.licenses.settleUsage(1, [licence], [1_500], {"from": system.oracle})

    assert deltas(before, credits(system.router, *watched)) == [12_500, 390_000, 97_500]
    assert system.usdc.balanceOf(system.router) - router_tokens == 500_000
    assert events(tx, "PaymentSplit")[0]["amount"] == 500_000


# --- withdraw -----------------------------------------------------------------------------------------


@pytest.fixture
def sold(system, owner, buyer):
    """A model of `owner` with one licence sold at 100 USDC: model revenue 97.5 USDC, treasury 2.5 USDC."""
    model = system.register_model(owner, terms=make_terms(price=100 * USDC))
    system.buy(buyer, model)
    return model


def test_withdrawModelRevenue_toSelf_paysWholeRevenueAndZeroesIt(system, owner, sold):
    tx = system.router.withdrawModelRevenue(sold, owner, {"from": owner})

    assert tx.return_value == 97_500_000
    assert system.usdc.balanceOf(owner) == 97_500_000
    assert system.router.modelBalanceOf(sold) == 0
    assert system.usdc.balanceOf(system.router) == 2_500_000  # the treasury's credit is untouched
    assert events(tx, "ModelRevenueWithdrawn") == [
        {"modelId": sold, "owner": owner, "to": owner, "amount": 97_500_000}
    ]


def test_withdrawModelRevenue_toOtherAddress_paysThatAddress(system, owner, sold, accounts):
    recipient = accounts[7]
    tx = system.router.withdrawModelRevenue(sold, recipient, {"from": owner})

    assert system.usdc.balanceOf(recipient) == 97_500_000
    assert system.usdc.balanceOf(owner) == 0
    assert events(tx, "ModelRevenueWithdrawn")[0]["to"] == recipient


def test_withdrawModelRevenue_twice_secondReverts(system, owner, sold):
    system.router.withdrawModelRevenue(sold, owner, {"from": owner})
    with brownie.reverts(f"RoyaltyRouterNoModelRevenue: {sold}"):
        system.router.withdrawModelRevenue(sold, owner, {"from": owner})


def test_withdrawModelRevenue_byNonOwner_revertsAndKeepsRevenue(system, sold, buyer):
    with brownie.reverts(f"RoyaltyRouterUnauthorized: {addr(buyer)}"):
        system.router.withdrawModelRevenue(sold, buyer, {"from": buyer})
    assert system.router.modelBalanceOf(sold) == 97_500_000


def test_withdrawModelRevenue_afterModelTransfer_paysNewOwnerOnly(system, owner, sold, accounts):
    new_owner = accounts[7]
    system.registry.transferFrom(owner, new_owner, sold, {"from": owner})
    with brownie.reverts(f"RoyaltyRouterUnauthorized: {addr(owner)}"):
        system.router.withdrawModelRevenue(sold, owner, {"from": owner})
    system.router.withdrawModelRevenue(sold, new_owner, {"from": new_owner})
    assert system.usdc.balanceOf(new_owner) == 97_500_000


def test_withdrawModelRevenue_toZeroAddress_revertsAndKeepsRevenue(system, owner, sold):
    with brownie.reverts("RoyaltyRouterZeroAddress: "):
        system.router.withdrawModelRevenue(sold, ZERO_ADDRESS, {"from": owner})
    assert system.router.modelBalanceOf(sold) == 97_500_000


def test_withdraw_modelOwnerHasNoAccountCredit_reverts(system, owner, sold):
    with brownie.reverts(f"RoyaltyRouterNothingToWithdraw: {addr(owner)}"):
        system.router.withdraw(owner, {"from": owner})


def test_withdraw_toZeroAddress_revertsAndKeepsCredit(system, sold):
    with brownie.reverts("RoyaltyRouterZeroAddress: "):
        system.router.withdraw(ZERO_ADDRESS, {"from": system.timelock_account})
    assert system.router.balanceOf(system.timelock) == 2_500_000


def test_withdraw_withoutCredit_reverts(system, accounts):
    with brownie.reverts(f"RoyaltyRouterNothingToWithdraw: {addr(accounts[7])}"):
        system.router.withdraw(accounts[7], {"from": accounts[7]})


def test_withdraw_byTreasury_paysProtocolFees(system, sold):
    tx = system.router.withdraw(system.timelock, {"from": system.timelock_account})

    assert tx.return_value == 2_500_000
    assert system.usdc.balanceOf(system.timelock) == 2_500_000
    assert system.router.balanceOf(system.timelock) == 0


def test_pullRevenue_withdrawsPoolCreditToDistributor(system, owner, buyer, accounts):
    dataset = system.register_dataset(accounts[3])
    model = system.register_model(owner, datasets=[(dataset, 1, 10_000)])
    system.buy(buyer, model)  # 100 USDC: pool 19.5 USDC
    tx = system.rewards.pullRevenue({"from": accounts[7]})

    assert system.usdc.balanceOf(system.rewards) == 19_500_000
    assert system.router.balanceOf(system.rewards) == 0
    assert events(tx, "Withdrawn") == [
        {"account": system.rewards, "to": system.rewards, "amount": 19_500_000}
    ]


# --- protocol fee and treasury --------------------------------------------------------------------------


def test_setProtocolFee_byTimelock_appliesToNextPayment(system, owner, buyer):
    model = system.register_model(owner, terms=make_terms(price=1_000_000))
    tx = system.router.setProtocolFee(1_000, {"from": system.timelock_account})
    assert events(tx, "ProtocolFeeSet") == [{"feeBps": 1_000}]
    assert system.router.protocolFeeBps() == 1_000

    system.buy(buyer, model)
    assert credits(system.router, system.timelock, model) == [100_000, 900_000]


def test_setProtocolFee_zero_creditsNoFee(system, owner, buyer):
    model = system.register_model(owner, terms=make_terms(price=1_000_000))
    system.router.setProtocolFee(0, {"from": system.timelock_account})
    system.buy(buyer, model)
    assert credits(system.router, system.timelock, model) == [0, 1_000_000]


def test_setProtocolFee_aboveMax_reverts(system):
    with brownie.reverts("RoyaltyRouterFeeTooHigh: 1001, 1000"):
        system.router.setProtocolFee(1_001, {"from": system.timelock_account})
    assert system.router.protocolFeeBps() == DEFAULT_FEE_BPS


@pytest.mark.parametrize("caller_index", [0, 1, 8, 9])  # deployer, a user, the guardian, the oracle
def test_setProtocolFee_byNonTimelock_reverts(system, accounts, caller_index):
    caller = accounts[caller_index]
    with brownie.reverts(f"AccessControlUnauthorizedAccount: {addr(caller)}, {ROLE_ZERO}"):
        system.router.setProtocolFee(0, {"from": caller})


def test_setTreasury_byTimelock_redirectsLaterFeesOnly(system, owner, buyer, accounts):
    new_treasury = accounts[7]
    model = system.register_model(owner, terms=make_terms(price=1_000_000))
    system.buy(buyer, model)  # fee 25,000 to the old treasury
    tx = system.router.setTreasury(new_treasury, {"from": system.timelock_account})
    assert events(tx, "TreasurySet") == [{"treasury": new_treasury}]
    assert system.router.treasury() == new_treasury

    system.buy(buyer, model)
    assert credits(system.router, system.timelock, new_treasury) == [25_000, 25_000]


def test_setTreasury_zeroAddress_reverts(system):
    with brownie.reverts("RoyaltyRouterZeroAddress: "):
        system.router.setTreasury(ZERO_ADDRESS, {"from": system.timelock_account})


def test_setTreasury_byNonTimelock_reverts(system, accounts):
    with brownie.reverts(f"AccessControlUnauthorizedAccount: {addr(accounts[1])}, {ROLE_ZERO}"):
        system.router.setTreasury(accounts[1], {"from": accounts[1]})
    assert system.router.treasury() == system.timelock.address


def test_constructor_feeAboveMax_reverts(system, accounts):
    with brownie.reverts("RoyaltyRouterFeeTooHigh: 1001, 1000"):
        RoyaltyRouter.deploy(
            system.timelock,
            system.registry,
            system.licenses,
            system.rewards,
            system.usdc,
            system.timelock,
            1_001,
            {"from": accounts[0]},
        )


def test_constructor_zeroTreasury_reverts(system, accounts):
    with brownie.reverts("RoyaltyRouterZeroAddress: "):
        RoyaltyRouter.deploy(
            system.timelock,
            system.registry,
            system.licenses,
            system.rewards,
            system.usdc,
            ZERO_ADDRESS,
            250,
            {"from": accounts[0]},
        )


# --- a payee that refuses every call ------------------------------------------------------------------


def _register_through(system, receiver, operator, *, terms, n, parents=(), datasets=()) -> int:
    data = system.registry.registerModel.encode_input(
        registration(n, parents=parents, datasets=datasets), terms
    )
    tx = receiver.execute(system.registry, data, {"from": operator})
    return tx.events["ModelRegistered"]["modelId"]


@pytest.fixture
def refusing(system, accounts):
    """A RevertingReceiver (operated by accounts[1]) that owns model M (price 100 USDC, one dataset)."""
    operator = accounts[1]
    receiver = RevertingReceiver.deploy({"from": operator})
    dataset = system.register_dataset(accounts[3])
    model = _register_through(
        system,
        receiver,
        operator,
        terms=make_terms(price=100 * USDC, derivative_rev_share_bps=1_000),
        n=1,
        datasets=[(dataset, 1, 10_000)],
    )
    return receiver, operator, model


def test_revertingReceiver_refusesEtherAndCalls(refusing, accounts):
    receiver, _, _ = refusing
    with brownie.reverts("RevertingReceiverRefused: "):
        accounts[2].transfer(receiver, 1)
    with brownie.reverts("RevertingReceiverRefused: "):
        accounts[2].transfer(receiver, 0, data="0x12345678")
    with brownie.reverts(f"RevertingReceiverUnauthorized: {addr(accounts[2])}"):
        receiver.execute(accounts[2], "0x", {"from": accounts[2]})


def test_purchase_ofRevertingOwnersModel_succeedsAndOthersWithdraw(system, refusing, buyer):
    receiver, _, model = refusing
    assert system.registry.ownerOf(model) == receiver.address
    licence = system.buy(buyer, model)

    assert system.licenses.isValid(licence)
    # 100 USDC: fee 2.5; pool 20% of 97.5 = 19.5; owner 78.
    assert credits(system.router, model, system.timelock, system.rewards) == [
        78 * USDC,
        2_500_000,
        19_500_000,
    ]
    system.router.withdraw(system.timelock, {"from": system.timelock_account})
    system.rewards.pullRevenue({"from": buyer})
    assert system.usdc.balanceOf(system.timelock) == 2_500_000
    assert system.usdc.balanceOf(system.rewards) == 19_500_000
    assert system.usdc.balanceOf(system.router) == 78 * USDC  # only the refusing payee's credit is left


def test_purchase_ofDescendantOfRevertingAncestor_succeedsAndDescendantOwnerWithdraws(
    system, refusing, accounts
):
    _, _, ancestor = refusing
    child_owner, buyer = accounts[4], accounts[5]
    child = system.register_model(
        child_owner,
        terms=make_terms(price=10 * USDC, contributors_bps=0),
        parents=[(ancestor, FINE_TUNE, system.buy(child_owner, ancestor))],
        n=50,
    )
    ancestor_before = system.router.modelBalanceOf(ancestor)
    system.buy(buyer, child)

    # 10 USDC: fee 0.25; ancestor 10% = 1 USDC, of which its dataset pool takes 20%; child owner 8.75.
    assert system.router.modelBalanceOf(ancestor) - ancestor_before == 800_000
    assert system.router.modelBalanceOf(child) == 8_750_000
    system.router.withdrawModelRevenue(child, child_owner, {"from": child_owner})
    assert system.usdc.balanceOf(child_owner) == 8_750_000


def test_withdraw_byRevertingReceiver_stillPaysThroughPlainToken(system, refusing, buyer, accounts):
    receiver, operator, model = refusing
    system.buy(buyer, model)
    withdraw = system.router.withdrawModelRevenue.encode_input(model, receiver)
    receiver.execute(system.router, withdraw, {"from": operator})
    assert system.usdc.balanceOf(receiver) == 78 * USDC
    assert system.router.modelBalanceOf(model) == 0


# --- payees on a payment token with a receive hook ------------------------------------------------------


@pytest.fixture(scope="module")
def hook_system(accounts) -> System:
    """A second platform whose payment token is a ReentrantToken (ERC-777-like receive hook)."""
    deployer, guardian, oracle = accounts[0], accounts[8], accounts[9]
    token = ReentrantToken.deploy({"from": deployer})
    deployed = deploy(
        deployer, DeployConfig(oracle=oracle.address, guardian=guardian.address, payment_token=token.address)
    )
    timelock = deployed["TimelockController"]
    return System(
        registry=deployed["AssetRegistry"],
        licenses=deployed["LicenseManager"],
        router=deployed["RoyaltyRouter"],
        rewards=deployed["RewardDistributor"],
        prov=deployed["ProvenanceToken"],
        governor=deployed["ProvenantGovernor"],
        timelock=timelock,
        usdc=token,
        deployer=deployer,
        oracle=oracle,
        guardian=guardian,
        timelock_account=brownie.accounts.at(timelock.address, force=True),
    )


@pytest.fixture
def reentrant(hook_system, accounts):
    """A ReentrantPayee owning model M (price 100 USDC, no dataset) with one licence sold: credit 97.5 USDC."""
    payee = ReentrantPayee.deploy(
        hook_system.registry, hook_system.router, hook_system.usdc, {"from": accounts[1]}
    )
    tx = payee.registerModel(registration(1), make_terms(price=100 * USDC), {"from": accounts[1]})
    model = tx.return_value
    hook_system.buy(accounts[2], model)
    assert hook_system.router.modelBalanceOf(model) == 97_500_000
    return payee, model


def test_hookToken_isPaymentTokenOfSecondSystem(hook_system, reentrant):
    payee, _ = reentrant
    assert hook_system.usdc.hookRegistered(payee)
    assert hook_system.usdc.balanceOf(hook_system.router) == 100 * USDC


def test_withdraw_reenteredFromHook_reentryRevertsAndPaysCreditOnce(hook_system, reentrant, accounts):
    payee, model = reentrant
    router, token = hook_system.router, hook_system.usdc
    payee.setMode(1, {"from": accounts[1]})  # CATCH: re-enter the withdrawal, record its outcome
    tx = payee.withdraw(payee, {"from": accounts[1]})

    assert payee.reentryAttempts() == 1
    assert payee.reentryWithdrawn() == 0
    # OpenZeppelin's ReentrancyGuardReentrantCall()
    assert bytes(payee.lastReentryError()) == bytes(
        brownie.web3.keccak(text="ReentrancyGuardReentrantCall()")[:4]
    )
    assert "ReentryFailed" in tx.events
    assert token.balanceOf(payee) == 97_500_000  # total paid == revenue
    assert router.modelBalanceOf(model) == 0
    assert token.balanceOf(router) == 2_500_000  # the treasury's credit is intact
    assert events(tx, "ModelRevenueWithdrawn") == [
        {"modelId": model, "owner": payee, "to": payee, "amount": 97_500_000}
    ]


def test_withdraw_reentryRevertBubbles_outerRevertsAndRevenueKept(hook_system, reentrant, accounts):
    payee, model = reentrant
    payee.setMode(2, {"from": accounts[1]})  # BUBBLE: the reentrant revert fails the whole withdrawal
    with brownie.reverts("ReentrancyGuardReentrantCall: "):
        payee.withdraw(payee, {"from": accounts[1]})
    assert hook_system.router.modelBalanceOf(model) == 97_500_000
    assert hook_system.usdc.balanceOf(payee) == 0

    payee.setMode(0, {"from": accounts[1]})
    payee.withdraw(payee, {"from": accounts[1]})
    assert hook_system.usdc.balanceOf(payee) == 97_500_000
    with brownie.reverts(f"RoyaltyRouterNoModelRevenue: {model}"):
        payee.withdraw(payee, {"from": accounts[1]})


def test_withdraw_reentrantPayeeCreditedAgainLater_paysOnlyNewRevenue(hook_system, reentrant, accounts):
    payee, model = reentrant
    payee.setMode(1, {"from": accounts[1]})
    payee.withdraw(payee, {"from": accounts[1]})
    hook_system.buy(accounts[3], model)
    payee.withdraw(payee, {"from": accounts[1]})

    assert payee.reentryAttempts() == 2
    assert payee.reentryWithdrawn() == 0
    assert hook_system.usdc.balanceOf(payee) == 2 * 97_500_000
    assert hook_system.usdc.balanceOf(hook_system.router) == 2 * 2_500_000


def test_withdraw_toRefusingHookRecipient_revertsAndBlocksNobodyElse(hook_system, accounts):
    operator, buyer, other_owner = accounts[1], accounts[2], accounts[4]
    router = hook_system.router
    receiver = RevertingReceiver.deploy({"from": operator})
    receiver.execute(hook_system.usdc, hook_system.usdc.registerHook.encode_input(True), {"from": operator})
    refusing_model = _register_through(
        hook_system, receiver, operator, terms=make_terms(price=100 * USDC), n=1
    )
    other_model = hook_system.register_model(other_owner, terms=make_terms(price=10 * USDC), n=2)
    hook_system.buy(buyer, refusing_model)
    hook_system.buy(buyer, other_model)

    withdraw_to_self = router.withdrawModelRevenue.encode_input(refusing_model, receiver)
    with brownie.reverts("RevertingReceiverRefused: "):
        receiver.execute(router, withdraw_to_self, {"from": operator})
    assert router.modelBalanceOf(refusing_model) == 97_500_000

    # Everyone else is paid, and purchases keep working.
    router.withdrawModelRevenue(other_model, other_owner, {"from": other_owner})
    router.withdraw(hook_system.timelock, {"from": hook_system.timelock_account})
    hook_system.buy(buyer, refusing_model)
    assert hook_system.usdc.balanceOf(other_owner) == 9_750_000
    assert hook_system.usdc.balanceOf(hook_system.timelock) == 2_750_000

    # The refusing owner can still take its model's revenue to another address.
    withdraw_to_operator = router.withdrawModelRevenue.encode_input(refusing_model, operator)
    receiver.execute(router, withdraw_to_operator, {"from": operator})
    assert hook_system.usdc.balanceOf(operator) == 2 * 97_500_000
