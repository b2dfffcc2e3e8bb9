"""Licence lifecycle: Hypothesis drives purchases, time, top-ups, metering limits, metered settlements and
credit withdrawals of real licences on anvil, and compares each licence with a Python model of
ILicenseManager after every step.

Checked at each step: the events of purchases, top-ups (debt repaid first), limits (from the next epoch) and
settlements (per-epoch counts; a replayed epoch skipped; calls beyond the holder's limit or the lifetime
bound refused, never charged), suspensions and reinstatements, withdrawals (only after expiry and the last
epoch settled), and where the tokens went. After each step: every licence record, its validity in the latest
block, and that the licence manager holds exactly the licences' positive credit. Expiry is checked at its
boundary in blocks mined at exact timestamps: valid at expiresAt - 1 (unless suspended), invalid at expiresAt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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

PRICE, DURATION, FEE_PER_CALL, INCLUDED_CALLS = 0, 1, 6, 7  # indices into a Terms tuple
MAX_CALLS = 10**18
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
ST_CALLS = st.integers(0, 400) | st.sampled_from([10**9, MAX_CALLS, 2**256 - 1])
ST_LIMIT = st.integers(0, 300) | st.just(MAX_CALLS)
ST_PICK = st.integers(0, 63)  # an index into a growing collection, taken modulo its size
ST_BUYER = st.integers(0, 3)


@dataclass
class Licence:
    """ILicenseManager.License, field for field, then what the model needs besides."""

    model_id: int
    terms_version: int
    expires_at: int
    derivations: int = 0
    credit: int = 0
    settled_calls: int = 0
    last_settled_epoch: int = 0
    terms: tuple = ()
    holder: object = None
    limits: list[tuple[int, int]] = field(default_factory=list)  # (from epoch, calls per epoch)

    def record(self) -> tuple:
        return (
            self.model_id,
            self.terms_version,
            self.expires_at,
            self.derivations,
            self.credit,
            self.settled_calls,
            self.last_settled_epoch,
        )

    def valid_at(self, timestamp: int) -> bool:
        return timestamp < self.expires_at and self.credit >= 0

    def limit_at(self, epoch: int) -> int:
        return next((limit for start, limit in reversed(self.limits) if start <= epoch), 0)

    def settle(self, licence_id: int, epoch: int, calls: int) -> list[tuple[str, dict]]:
        """Charges one epoch's calls, up to the limits, against the credit; returns the events due."""
        accepted = min(calls, MAX_CALLS - self.settled_calls)
        if self.limit_at(epoch):
            accepted = min(accepted, self.limit_at(epoch))
        events = []
        if accepted != calls:
            events.append(
                ("UsageRefused", {"licenceId": licence_id, "epoch": epoch, "refusedCalls": calls - accepted})
            )
        included, settled = self.terms[INCLUDED_CALLS], self.settled_calls
        billable = max(settled + accepted - included, 0) - max(settled - included, 0)
        fee = billable * self.terms[FEE_PER_CALL]
        paid = min(fee, self.credit) if self.credit > 0 else 0  # what credit there is; the rest is debt
        events.append(
            (
                "UsageSettled",
                {
                    "licenceId": licence_id,
                    "epoch": epoch,
                    "acceptedCalls": accepted,
                    "fee": fee,
                    "paid": paid,
                },
            )
        )
        if self.credit >= 0 > self.credit - fee:
            events.append(("LicenseSuspended", {"licenceId": licence_id, "debt": fee - self.credit}))
        self.credit -= fee
        self.settled_calls, self.last_settled_epoch = settled + accepted, epoch
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

    def _epoch_at(self, timestamp: int) -> int:
        return (timestamp - self.genesis) // self.length + 1 if timestamp >= self.genesis else 0

    def _end_epoch(self, epoch: int) -> None:
        """Mines a block in the epoch after `epoch` unless that time has come already."""
        if self._epoch_at(self._latest_block()[1]) <= epoch:
            self._mine_at(self.genesis + epoch * self.length)

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
        licenses = self.system.licenses
        self.genesis, self.length = licenses.epochGenesis(), licenses.epochLength()
        # Settle from the epoch before now, so that limits set during the example apply to settled epochs.
        self.highest = licenses.highestSettledEpoch()
        self.epoch = max(self._epoch_at(self._latest_block()[1]) - 1, self.highest)
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
        tx = self.system.licenses.purchase(model_id, holder, terms[PRICE], version, {"from": holder})
        licence_id = tx.events["LicensePurchased"]["licenceId"]
        licence = Licence(model_id, version, tx.timestamp + terms[DURATION], terms=terms, holder=holder)
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
    @rule(licence=ST_PICK, limit=ST_LIMIT)
    def set_metering_limit(self, licence: int, limit: int) -> None:
        licence_id = pick(self.licences, licence)
        record = self.licences[licence_id]
        tx = self.system.licenses.setMeteringLimit(licence_id, limit, {"from": record.holder})
        start = self._epoch_at(tx.timestamp) + 1
        assert dict(tx.events["MeteringLimitSet"]) == {
            "licenceId": licence_id,
            "callsPerEpoch": limit,
            "fromEpoch": start,
        }
        if record.limits and record.limits[-1][0] == start:
            record.limits[-1] = (start, limit)
        else:
            record.limits.append((start, limit))

    @precondition(lambda self: self.licences)
    @rule(
        fresh_epoch=st.booleans(),
        epoch_pick=ST_PICK,
        batch=st.lists(st.tuples(ST_PICK, ST_CALLS), max_size=5),
    )
    def settle_usage(self, fresh_epoch: bool, epoch_pick: int, batch: list[tuple[int, int]]) -> None:
        """Settles a batch (a licence may appear twice) for a new epoch, or replays an epoch already used."""
        epoch = self.epoch + 1 + epoch_pick % 3 if fresh_epoch else self.epoch - epoch_pick % 3
        self._end_epoch(epoch)
        licence_ids = [pick(self.licences, licence) for licence, _ in batch]
        calls = [count for _, count in batch]

        after = {
            licence_id: replace(record, limits=list(record.limits))
            for licence_id, record in self.licences.items()
        }
        expected = []
        for licence_id, count in zip(licence_ids, calls, strict=True):
            record = after[licence_id]
            if epoch > record.last_settled_epoch:  # otherwise settled for it already: skipped
                expected += record.settle(licence_id, epoch, count)

        tx = self.system.licenses.settleUsage(epoch, licence_ids, calls, {"from": self.system.oracle})
        emitted = [
            (event.name, dict(event))
            for event in tx.events
            if event.name in ("UsageSettled", "UsageRefused", "LicenseSuspended", "LicenseReinstated")
        ]
        assert emitted == expected
        paid = sum(event["paid"] for name, event in expected if name == "UsageSettled")
        assert received(self.system.usdc, tx, self.system.router) == paid
        self.licences = after
        self.epoch, self.highest = max(self.epoch, epoch), max(self.highest, epoch)
        assert self.system.licenses.highestSettledEpoch() == self.highest

    @rule()
    def settle_running_epoch(self) -> None:
        """An oracle mistake: the epoch has not ended."""
        current = self._epoch_at(self._latest_block()[1] + 1)  # the next block's epoch at the earliest
        with brownie.reverts(f"LicenseManagerEpochNotEnded: {current}"):
            self.system.licenses.settleUsage(current, [], [], {"from": self.system.oracle})

    @precondition(lambda self: self.licences)
    @rule(licence=ST_PICK)
    def withdraw_credit(self, licence: int) -> None:
        licence_id = pick(self.licences, licence)
        record = self.licences[licence_id]
        withdraw = self.system.licenses.withdrawCredit
        # The next block is mined one second on at least: judge the lock by that time.
        now = self._latest_block()[1] + 1
        anvil_rpc("evm_setNextBlockTimestamp", now)
        if now < record.expires_at or self.highest <= self._epoch_at(record.expires_at - 1):
            with brownie.reverts(f"LicenseManagerCreditLocked: {licence_id}"):
                withdraw(licence_id, record.holder, {"from": record.holder})
        elif record.credit <= 0:
            with brownie.reverts(f"LicenseManagerNoCredit: {licence_id}"):
                withdraw(licence_id, record.holder, {"from": record.holder})
        else:
            tx = withdraw(licence_id, record.holder, {"from": record.holder})
            assert dict(tx.events["CreditWithdrawn"]) == {
                "licenceId": licence_id,
                "to": record.holder,
                "amount": record.credit,
            }
            assert received(self.system.usdc, tx, record.holder) == record.credit
            record.credit = 0

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
    run_on_chain(LicenceLifecycle)
