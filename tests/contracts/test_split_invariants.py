"""Split conservation: Hypothesis drives the whole deployed system on anvil with random lineage and payments.

Random datasets; models with random terms, dataset weights summing to 10,000 bps and parents linked through
licences whose terms permit the edge (or owned by the registrant); purchases, usage credit and oracle
settlements; DAO changes of terms, protocol fee and treasury; withdrawals by treasuries, the reward
distributor and model owners.

Checked: the router events of every payment add up to the payment and equal a Python mirror of the split
rules (IRoyaltyRouter); every credit the router holds equals the mirror's; all credits together equal what
was paid in less what was withdrawn, and the router's token balance, to the wei.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import brownie
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.contracts.conftest import (
    BPS,
    DERIVATIVES,
    DISTILL,
    DISTILLATION,
    TRAIN_ON_OUTPUTS,
    TRAIN_ON_OUTPUTS_EDGE,
    USDC,
    System,
    cid,
    pick,
    received,
    run_on_chain,
)

PRICE, CONTRIBUTORS_BPS, REV_SHARE_BPS, PERMISSIONS, MAX_DERIVATIVES = 0, 2, 3, 4, 5  # indices into Terms
MAX_STACK_BPS = 5_000
MAX_MODELS = 8  # per example: every step reads each model's revenue
SPLIT_EVENTS = ("AncestorRoyaltyCredited", "DatasetPoolCredited", "PaymentSplit")

ST_TERMS = st.tuples(
    st.integers(0, 2_000 * USDC),  # price
    st.integers(86_400, 365 * 86_400),  # duration
    st.integers(0, BPS),  # contributorsBps
    st.one_of(st.integers(0, 1_500), st.integers(0, 5_000)),  # derivativeRevShareBps: small ones stack deep
    st.one_of(st.just(31), st.integers(0, 31)),  # permissions
    st.integers(0, 3),  # maxDerivatives: each licence here derives once, so 0 refuses the edge
    st.integers(0, 10_000),  # feePerCall
    st.integers(0, 1_000),  # includedCalls
)
ST_ACTOR = st.integers(0, 6)
ST_PICK = st.integers(0, 63)  # an index into a growing collection, taken modulo its size


def permission_for(edge: int) -> int:
    return {DISTILL: DISTILLATION, TRAIN_ON_OUTPUTS_EDGE: TRAIN_ON_OUTPUTS}.get(edge, DERIVATIVES)


@dataclass
class Model:
    owner: object
    terms: tuple  # current terms
    stack: list[tuple[int, int]]  # (ancestor id, share bps), fixed at registration
    pools: list[tuple[int, int]]  # (dataset id, weight bps)
    terms_version: int = 1


@dataclass
class Licence:
    model_id: int
    contributors_bps: int  # of the terms it was bought under


class SplitConservation(RuleBasedStateMachine):
    system: System
    actors: list

    def __init__(self) -> None:
        super().__init__()
        self.serial = 0  # numbers CIDs, hashes and roots
        self.epoch = 0
        self.datasets: list[int] = []
        self.models: dict[int, Model] = {}
        self.licences: dict[int, Licence] = {}
        self.fee_bps = self.system.router.protocolFeeBps()
        self.treasury = self.system.timelock.address
        self.treasuries = {self.treasury: self.system.timelock_account}  # every treasury so far: its sender
        self.rewards = self.system.rewards.address
        # The mirror of what the router owes: account credit by address, model revenue by model id.
        self.owed: dict[str | int, int] = {self.treasury: 0, self.rewards: 0}
        self.paid_in = 0
        self.paid_out = 0

    def _serial(self) -> int:
        self.serial += 1
        return self.serial

    # --- the mirror ----------------------------------------------------------------------------------

    def _split(self, model_id: int, amount: int, contributors_bps: int) -> list[tuple[str, dict]]:
        """Credits one payment to the mirror as IRoyaltyRouter specifies; returns the events it must emit."""
        events: list[tuple[str, dict]] = []
        fee = amount * self.fee_bps // BPS
        self.owed[self.treasury] += fee
        remaining = amount - fee
        for ancestor_id, share_bps in self.models[model_id].stack:
            royalty = amount * share_bps // BPS
            remaining -= royalty
            # An ancestor's royalty is split by the ancestor's current terms.
            pools_share = royalty * self.models[ancestor_id].terms[CONTRIBUTORS_BPS] // BPS
            self.owed[ancestor_id] += royalty - self._credit_pools(ancestor_id, pools_share, events)
            events.append(
                (
                    "AncestorRoyaltyCredited",
                    {"modelId": model_id, "ancestorId": ancestor_id, "amount": royalty},
                )
            )
        owner_amount = remaining - self._credit_pools(model_id, remaining * contributors_bps // BPS, events)
        self.owed[model_id] += owner_amount
        events.append(
            (
                "PaymentSplit",
                {"modelId": model_id, "amount": amount, "protocolFee": fee, "ownerAmount": owner_amount},
            )
        )
        return events

    def _credit_pools(self, model_id: int, amount: int, events: list) -> int:
        if amount == 0:
            return 0
        credited = 0
        for dataset_id, weight_bps in self.models[model_id].pools:
            share = amount * weight_bps // BPS
            credited += share
            events.append(
                ("DatasetPoolCredited", {"datasetId": dataset_id, "modelId": model_id, "amount": share})
            )
        self.owed[self.rewards] += credited
        return credited

    def _check_payments(self, tx, payments: list[tuple[int, int, int]]) -> None:
        """Checks the payments `tx` made, each (model id, amount, contributorsBps of its terms), in order."""
        router = self.system.router.address
        emitted = [(e.name, dict(e)) for e in tx.events if e.address == router and e.name in SPLIT_EVENTS]
        expected = [event for payment in payments for event in self._split(*payment)]
        assert emitted == expected

        # The same from the events alone: each PaymentSplit closes one payment, whose credits add up to it.
        start = 0
        for end, (name, split) in enumerate(emitted):
            if name == "PaymentSplit":
                credits = split["protocolFee"] + split["ownerAmount"]
                for credit_name, credit in emitted[start:end]:
                    own_pool = credit_name == "DatasetPoolCredited" and credit["modelId"] == split["modelId"]
                    if credit_name == "AncestorRoyaltyCredited" or own_pool:
                        credits += credit["amount"]
                assert credits == split["amount"]
                start = end + 1

        amount = sum(payment[1] for payment in payments)
        assert received(self.system.usdc, tx, router) == amount
        self.paid_in += amount

    def _check_withdrawal(self, tx, key: str | int, recipient) -> None:
        assert received(self.system.usdc, tx, recipient) == self.owed[key] > 0
        self.paid_out += self.owed[key]
        self.owed[key] = 0

    # --- assets -------------------------------------------------------------------------------------------

    @initialize(curators=st.lists(ST_ACTOR, min_size=1, max_size=4))
    def register_datasets(self, curators: list[int]) -> None:
        registry = self.system.registry
        for curator in curators:
            account, n = self.actors[curator], self._serial()
            tx = registry.registerDataset(cid(n), {"from": account})
            dataset_id = tx.events["DatasetRegistered"]["datasetId"]
            registry.commitDatasetVersion(dataset_id, f"0x{n:064x}", cid(n), {"from": account})
            self.datasets.append(dataset_id)

    @precondition(lambda self: len(self.models) < MAX_MODELS)
    @rule(
        owner=ST_ACTOR,
        terms=ST_TERMS,
        parents=st.lists(st.tuples(ST_PICK, st.integers(0, 4)), max_size=3),
        datasets=st.lists(ST_PICK, max_size=4),
        cuts=st.lists(st.integers(1, BPS - 1), min_size=3, max_size=3, unique=True),
    )
    def register_model(self, owner: int, terms: tuple, parents: list, datasets: list, cuts: list) -> None:
        account = self.actors[owner]
        edges, direct = [], []
        for parent_pick, edge in parents if self.models else ():
            parent_id = pick(self.models, parent_pick)
            parent = self.models[parent_id]
            if parent_id in dict(direct):
                continue
            if parent.owner == account:
                licence_id = 0  # the owner derives under the parent's current terms
            elif parent.terms[PERMISSIONS] & permission_for(edge) and parent.terms[MAX_DERIVATIVES]:
                licence_id = self._purchase(account, parent_id)
            else:
                continue
            edges.append((parent_id, edge, licence_id))
            direct.append((parent_id, parent.terms[REV_SHARE_BPS]))

        # Direct parents and their stacks; an ancestor reached twice counts once, at its highest share.
        shares: dict[int, int] = {}
        for ancestor, share in direct + [
            entry for parent_id, _ in direct for entry in self.models[parent_id].stack
        ]:
            shares[ancestor] = max(share, shares.get(ancestor, 0))
        stack = sorted(shares.items())

        used = list(dict.fromkeys(pick(self.datasets, index) for index in datasets))
        bounds = [0, *sorted(cuts)[: len(used) - 1], BPS]
        weights = [high - low for low, high in pairwise(bounds)]
        pools = list(zip(used, weights, strict=True)) if used else []

        n = self._serial()
        registration = (cid(n), f"0x{n:064x}", edges, [(dataset_id, 1, w) for dataset_id, w in pools])
        total_bps = sum(share for _, share in stack)
        if total_bps > MAX_STACK_BPS:  # (MAX_MODELS keeps stacks below MAX_ANCESTORS)
            with brownie.reverts(f"RoyaltyRouterStackTooExpensive: {total_bps}, {MAX_STACK_BPS}"):
                self.system.registry.registerModel(registration, terms, {"from": account})
            return
        tx = self.system.registry.registerModel(registration, terms, {"from": account})
        model_id = tx.events["ModelRegistered"]["modelId"]
        assert [tuple(entry) for entry in self.system.router.royaltyStackOf(model_id)] == stack
        assert [tuple(pool) for pool in self.system.router.poolsOf(model_id)] == pools
        self.models[model_id] = Model(account, terms, stack, pools)
        self.owed[model_id] = 0

    @precondition(lambda self: self.models)
    @rule(model=ST_PICK, terms=ST_TERMS)
    def set_terms(self, model: int, terms: tuple) -> None:
        model_id = pick(self.models, model)
        self.system.licenses.setTerms(model_id, terms, {"from": self.system.timelock_account})
        self.models[model_id].terms = terms
        self.models[model_id].terms_version += 1

    # --- payments -----------------------------------------------------------------------------------

    def _purchase(self, buyer, model_id: int) -> int:
        model = self.models[model_id]
        terms = model.terms
        tx = self.system.licenses.purchase(
            model_id, buyer, terms[PRICE], model.terms_version, {"from": buyer}
        )
        licence_id = tx.events["LicensePurchased"]["licenceId"]
        self.licences[licence_id] = Licence(model_id, terms[CONTRIBUTORS_BPS])
        self._check_payments(tx, [(model_id, terms[PRICE], terms[CONTRIBUTORS_BPS])] if terms[PRICE] else [])
        return licence_id

    @precondition(lambda self: self.models)
    @rule(buyer=ST_ACTOR, model=ST_PICK)
    def purchase(self, buyer: int, model: int) -> None:
        self._purchase(self.actors[buyer], pick(self.models, model))

    @precondition(lambda self: self.licences)
    @rule(licence=ST_PICK, payer=ST_ACTOR, amount=st.integers(1, 100 * USDC))
    def deposit(self, licence: int, payer: int, amount: int) -> None:
        licence_id = pick(self.licences, licence)
        tx = self.system.licenses.deposit(licence_id, amount, {"from": self.actors[payer]})
        repaid = tx.events["CreditDeposited"]["debtRepaid"]
        record = self.licences[licence_id]
        self._check_payments(tx, [(record.model_id, repaid, record.contributors_bps)] if repaid else [])

    @precondition(lambda self: self.licences)
    @rule(batch=st.lists(st.tuples(ST_PICK, st.integers(0, 5_000)), min_size=1, max_size=6))
    def settle_usage(self, batch: list[tuple[int, int]]) -> None:
        new_calls = {pick(self.licences, licence): calls for licence, calls in batch}
        self.epoch += 1  # epochs since the licence manager's genesis, long ended on the chain's clock
        tx = self.system.licenses.settleUsage(
            self.epoch, list(new_calls), list(new_calls.values()), {"from": self.system.oracle}
        )
        settled = [event for event in tx.events if event.name == "UsageSettled"]
        assert [event["licenceId"] for event in settled] == list(new_calls)  # a new epoch settles each one
        # The licence manager pays a run of licences of one model and contributor share as one payment.
        payments: list[tuple[int, int, int]] = []
        for event in settled:
            record = self.licences[event["licenceId"]]
            if event["paid"] == 0:
                continue
            model_id, contributors_bps = record.model_id, record.contributors_bps
            if payments and (payments[-1][0], payments[-1][2]) == (model_id, contributors_bps):
                payments[-1] = (model_id, payments[-1][1] + event["paid"], contributors_bps)
            else:
                payments.append((model_id, event["paid"], contributors_bps))
        self._check_payments(tx, payments)

    # --- DAO parameters ---------------------------------------------------------------------------------

    @precondition(lambda self: self.models)
    @rule(fee_bps=st.integers(0, 1_000))
    def set_protocol_fee(self, fee_bps: int) -> None:
        self.system.router.setProtocolFee(fee_bps, {"from": self.system.timelock_account})
        self.fee_bps = fee_bps

    @precondition(lambda self: self.models)
    @rule(choice=st.integers(0, 2))
    def set_treasury(self, choice: int) -> None:
        sender = (self.system.timelock_account, self.actors[5], self.actors[6])[choice]
        self.system.router.setTreasury(sender, {"from": self.system.timelock_account})
        self.treasury = sender.address
        self.treasuries[self.treasury] = sender
        self.owed.setdefault(self.treasury, 0)

    # --- withdrawals (of what is owed: withdrawing nothing reverts, as the unit tests show) ---------------

    def _owed(self, keys) -> list:
        return [key for key in keys if self.owed[key]]

    @precondition(lambda self: self._owed(self.treasuries))
    @rule(treasury=ST_PICK)
    def withdraw_treasury(self, treasury: int) -> None:
        address = pick(self._owed(self.treasuries), treasury)
        tx = self.system.router.withdraw(address, {"from": self.treasuries[address]})
        self._check_withdrawal(tx, address, address)

    @precondition(lambda self: self.owed[self.rewards])
    @rule(caller=ST_ACTOR)
    def pull_revenue(self, caller: int) -> None:
        tx = self.system.rewards.pullRevenue({"from": self.actors[caller]})
        assert tx.events["RevenuePulled"]["amount"] == self.owed[self.rewards]
        self._check_withdrawal(tx, self.rewards, self.rewards)

    @precondition(lambda self: self._owed(self.models))
    @rule(model=ST_PICK)
    def withdraw_model_revenue(self, model: int) -> None:
        model_id = pick(self._owed(self.models), model)
        owner = self.models[model_id].owner
        tx = self.system.router.withdrawModelRevenue(model_id, owner, {"from": owner})
        self._check_withdrawal(tx, model_id, owner)

    # --- invariants ---------------------------------------------------------------------------------

    @invariant()
    def router_holds_exactly_what_it_owes(self) -> None:
        router = self.system.router
        held = {
            key: router.modelBalanceOf(key) if isinstance(key, int) else router.balanceOf(key)
            for key in self.owed
        }
        assert held == self.owed
        assert sum(held.values()) == self.paid_in - self.paid_out
        assert self.system.usdc.balanceOf(router) == sum(held.values())


@pytest.fixture(scope="module")
def actors(system, accounts) -> list:
    """Owners, buyers and curators (not the deployer, guardian or oracle), funded once for every example."""
    actors = list(accounts[1:8])
    for actor in actors:
        system.fund(actor, 1_000_000 * USDC)
    return actors


def test_splitConservation_holdsUnderRandomLineagePaymentsAndWithdrawals(system, actors) -> None:
    SplitConservation.system, SplitConservation.actors = system, actors
    run_on_chain(SplitConservation)
