"""Licence lifecycle: Hypothesis drives purchases, time, top-ups and metered settlements of real licences on
anvil, and compares each licence with a Python model of ILicenseManager after every step.

Checked at each step: the events of purchases, top-ups (debt repaid first) and settlements (cumulative
counts; a replayed or older epoch skipped, a decreased count refused), suspensions and reinstatements, and
where the tokens went. After each step: every licence record, its validity in the latest block, and that
the licence manager holds exactly the licences' positive credit. Expiry is checked at its boundary in blocks
mined at exact timestamps: valid at expiresAt - 1 (unless suspended), invalid at expiresAt.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, replace

import brownie
import pytest
from brownie import web3
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.contracts.conftest import (
    ATTRIBUTION,
    BPS,
    COMMERCIAL,
    USDC,
    System,
    anvil_rpc,
    cid,
    make_terms,
    pick,
    received,
    run_on_chain,
)

PRICE, DURATION, FEE_PER_CALL, INCLUDED_CALLS = 0, 1, 5, 6  # indices into a Terms tuple
MAX_LICENCES = 10  # per example: every step reads each licence

ST_TERMS = st.builds(
    make_terms,
    price=st.integers(0, 100 * USDC),
    duration=st.integers(60, 7_200),
    contributors_bps=st.integers(0, BPS),
    derivative_rev_share_bps=st.just(0),
    permissions=st.just(COMMERCIAL | ATTRIBUTION),
    fee_per_call=st.integers(1, 1_000),
    included_calls=st.integers(0, 50),
)
ST_PICK = st.integers(0, 63)  # an index into a growing collection, taken modulo its size
ST_BUYER = st.integers(0, 3)


@dataclass
class Licence:
    """ILicenseManager.License, field for field, and the terms it was bought under."""

    model_id: int
    terms_version: int
    expires_at: int
    credit: int = 0
    settled_calls: int = 0
    last_settled_epoch: int = 0
    terms: tuple = ()

    def record(self) -> tuple:
        return astuple(self)[:-1]

    def valid_at(self, timestamp: int) -> bool:
        return timestamp < self.expires_at and self.credit >= 0

    def settle(self, licence_id: int, epoch: int, cumulative: int) -> list[tuple[str, dict]]:
        """Charges the calls since the last settlement against the credit; returns the events due."""
        included = self.terms[INCLUDED_CALLS]
        billable = max(cumulative - included, 0) - max(self.settled_calls - included, 0)
        fee = billable * self.terms[FEE_PER_CALL]
        paid = min(fee, self.credit) if self.credit > 0 else 0  # what credit there is; the rest is debt
        events = [
            (
                "UsageSettled",
                {
                    "licenceId": licence_id,
                    "epoch": epoch,
                    "cumulativeCalls": cumulative,
                    "fee": fee,
                    "paid": paid,
                },
            )
        ]
        if self.credit >= 0 > self.credit - fee:
            events.append(("LicenseSuspended", {"licenceId": licence_id, "debt": fee - self.credit}))
        self.credit -= fee
        self.settled_calls, self.last_settled_epoch = cumulative, epoch
        return events


class LicenceLifecycle(RuleBasedStateMachine):
    system: System
    owner: object
    buyers: list

    def __init__(self) -> None:
        super().__init__()
        self.terms: dict[int, list[tuple]] = {}  # every terms version of each model
        self.licences: dict[int, Licence] = {}
        self.epoch = 0  # highest epoch settled so far

    def _latest_block(self) -> tuple[int, int]:
        block = web3.eth.get_block("latest")
        return block["number"], block["timestamp"]

    def _mine_at(self, timestamp: int) -> int:
        """Mines an empty block at exactly `timestamp`; returns its number."""
        anvil_rpc("evm_mine", timestamp)
        number, mined_at = self._latest_block()
        assert mined_at == timestamp
        return number

    # --- models and purchases -----------------------------------------------------------------------

    @initialize(models=st.lists(ST_TERMS, min_size=1, max_size=2))
    def register_models(self, models: list[tuple]) -> None:
        for terms in models:
            n = len(self.terms) + 1
            registration = (cid(n), f"0x{n:064x}", [], [])
            tx = self.system.registry.registerModel(registration, terms, {"from": self.owner})
            self.terms[tx.events["ModelRegistered"]["modelId"]] = [terms]

    @rule(model=ST_PICK, terms=ST_TERMS)
    def set_terms(self, model: int, terms: tuple) -> None:
        model_id = pick(self.terms, model)
        self.system.licenses.setTerms(model_id, terms, {"from": self.system.timelock_account})
        self.terms[model_id].append(terms)  # sold licences keep theirs

    @precondition(lambda self: len(self.licences) < MAX_LICENCES)
    @rule(model=ST_PICK, buyer=ST_BUYER)
    def purchase(self, model: int, buyer: int) -> None:
        model_id = pick(self.terms, model)
        version, terms = len(self.terms[model_id]), self.terms[model_id][-1]
        holder = self.buyers[buyer]
        tx = self.system.licenses.purchase(model_id, holder, terms[PRICE], {"from": holder})
        licence_id = tx.events["LicensePurchased"]["licenceId"]
        licence = Licence(model_id, version, tx.timestamp + terms[DURATION], terms=terms)
        assert dict(tx.events["LicensePurchased"]) == {
            "licenceId": licence_id,
            "modelId": model_id,
            "holder": holder,
            "termsVersion": version,
            "price": terms[PRICE],
            "expiresAt": licence.expires_at,
        }
        self.licences[licence_id] = licence

    # --- time ---------------------------------------------------------------------------------------

    @rule(seconds=st.integers(1, 3_600))
    def wait(self, seconds: int) -> None:
        self._mine_at(self._latest_block()[1] + seconds)

    @precondition(lambda self: self.licences)
    @rule(licence=ST_PICK)
    def cross_expiry(self, licence: int) -> None:
        """Mines a block at the last second of a running licence, then one at its expiry."""
        now = self._latest_block()[1]
        running = [licence_id for licence_id, record in self.licences.items() if record.expires_at > now]
        if not running:
            return
        licence_id = pick(running, licence)
        record = self.licences[licence_id]
        is_valid = self.system.licenses.isValid
        if record.expires_at - 1 >= now:  # anvil mines equal timestamps, never earlier ones
            assert is_valid(licence_id, block_identifier=self._mine_at(record.expires_at - 1)) == (
                record.credit >= 0
            )
        assert not is_valid(licence_id, block_identifier=self._mine_at(record.expires_at))

    # --- usage credit -------------------------------------------------------------------------------

    @precondition(lambda self: self.licences)
    @rule(licence=ST_PICK, payer=ST_BUYER, amount=st.integers(1, 300_000))
    def deposit(self, licence: int, payer: int, amount: int) -> None:
        licence_id = pick(self.licences, licence)
        record, account = self.licences[licence_id], self.buyers[payer]
        debt_repaid = min(amount, -record.credit) if record.credit < 0 else 0
        tx = self.system.licenses.deposit(licence_id, amount, {"from": account})

        assert dict(tx.events["CreditDeposited"]) == {
            "licenceId": licence_id,
            "payer": account,
            "amount": amount,
            "debtRepaid": debt_repaid,
        }
        reinstated = record.credit < 0 <= record.credit + amount
        assert ("LicenseReinstated" in tx.events) == reinstated
        if reinstated:
            assert tx.events["LicenseReinstated"]["licenceId"] == licence_id
        # The debt goes to the royalty router as a payment; the rest stays as credit.
        assert received(self.system.usdc, tx, self.system.router) == debt_repaid
        assert received(self.system.usdc, tx, self.system.licenses) == amount - debt_repaid
        record.credit += amount

    @precondition(lambda self: self.licences)
    @rule(
        fresh_epoch=st.booleans(),
        epoch_pick=ST_PICK,
        batch=st.lists(st.tuples(ST_PICK, st.integers(-5, 400)), min_size=1, max_size=5),
    )
    def settle_usage(self, fresh_epoch: bool, epoch_pick: int, batch: list[tuple[int, int]]) -> None:
        """Settles a batch (a licence may appear twice) for a new epoch, or replays an epoch already used."""
        epoch = (
            self.epoch + 1 + epoch_pick % 3 if fresh_epoch or not self.epoch else 1 + epoch_pick % self.epoch
        )
        licence_ids = [pick(self.licences, licence) for licence, _ in batch]
        calls = [
            max(self.licences[licence_id].settled_calls + change, 0)
            for licence_id, (_, change) in zip(licence_ids, batch, strict=True)
        ]

        after = {licence_id: replace(record) for licence_id, record in self.licences.items()}
        expected, refusal = [], None
        for licence_id, cumulative in zip(licence_ids, calls, strict=True):
            record = after[licence_id]
            if epoch <= record.last_settled_epoch:
                continue  # this epoch is settled for it: skipped, whatever the count
            if cumulative < record.settled_calls:
                refusal = f"LicenseManagerCallsDecreased: {licence_id}, {record.settled_calls}, {cumulative}"
                break
            expected += record.settle(licence_id, epoch, cumulative)

        if refusal:
            with brownie.reverts(refusal):
                self.system.licenses.settleUsage(epoch, licence_ids, calls, {"from": self.system.oracle})
            return
        tx = self.system.licenses.settleUsage(epoch, licence_ids, calls, {"from": self.system.oracle})
        emitted = [
            (event.name, dict(event))
            for event in tx.events
            if event.name in ("UsageSettled", "LicenseSuspended", "LicenseReinstated")
        ]
        assert emitted == expected
        paid = sum(event["paid"] for name, event in expected if name == "UsageSettled")
        assert received(self.system.usdc, tx, self.system.router) == paid
        self.licences = after
        self.epoch = max(self.epoch, epoch)

    # --- invariants ---------------------------------------------------------------------------------

    @invariant()
    def licences_match_model(self) -> None:
        licenses = self.system.licenses
        number, timestamp = self._latest_block()
        for licence_id, record in self.licences.items():
            assert tuple(licenses.licenseOf(licence_id)) == record.record()
            assert licenses.isValid(licence_id, block_identifier=number) == record.valid_at(timestamp)

    @invariant()
    def credit_is_held(self) -> None:
        held = sum(max(record.credit, 0) for record in self.licences.values())
        assert self.system.usdc.balanceOf(self.system.licenses) == held


@pytest.fixture(scope="module")
def buyers(system, accounts) -> list:
    """Licensees and payers, funded once for every example."""
    buyers = list(accounts[2:6])
    for buyer in buyers:
        system.fund(buyer, 1_000_000 * USDC)
    return buyers


def test_licenceLifecycle_matchesModelUnderRandomPurchasesTimeTopUpsAndSettlements(system, buyers, accounts):
    LicenceLifecycle.system, LicenceLifecycle.owner, LicenceLifecycle.buyers = system, accounts[1], buyers
    run_on_chain(LicenceLifecycle, max_examples=40, stateful_step_count=40)
