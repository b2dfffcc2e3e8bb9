"""Epoch close on a real anvil with the platform deployed, on SQLite and PostgreSQL: dataset versions,
the rewards tree and root, pulled pool funds, settled usage, claims, and a crash in the middle."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.sender import TransactionSender
from backend.core.metrics import EpochCloseMetrics
from backend.devchain import DevChain
from backend.domain.contributions_tree import ContributionLeaf, ContributionTree
from backend.domain.epochs import EpochClock
from backend.domain.merkle import RewardTree
from backend.models.contributions import Contribution
from backend.models.epochs import EpochClose, SettlementSetAside
from backend.models.licences import Licence
from backend.models.oracle_tx import OracleTx
from backend.models.rewards import PoolCredit, RewardIncrement, RewardTreeRecord
from backend.models.usage import UsageAggregate
from backend.services.epochs import (
    EpochNotReady,
    EpochSettings,
    EpochStepFailed,
    close_due_epochs,
    close_epoch,
)
from backend.services.indexer import indexer_for
from backend.services.licences import usage_statement
from backend.services.usage import ingest_batch, record_batch
from backend.storage import Cid, LocalContentStore
from tests.backend.api.world import contribute
from tests.backend.chain_actions import USDC, Platform, make_terms

GWEI = 10**9
PROV = 10**18
EPOCH_LENGTH = 3_600
ROOT_DELAY = 60  # scripts/deploy.py's development default


class FailingStore(LocalContentStore):
    """The real local store, made to fail on its n-th put: a worker dying between two steps."""

    def __init__(self, *, root: Path, fail_on_put: int) -> None:
        super().__init__(root=root)
        self.puts, self.fail_on_put = 0, fail_on_put

    def put(self, *, data: bytes) -> Cid:
        self.puts += 1
        if self.puts == self.fail_on_put:
            raise RuntimeError("worker lost")
        return super().put(data=data)


@pytest.fixture
def world(
    platform: Platform, isolated_chain: DevChain, session_factory: sessionmaker[Session], tmp_path: Path
):
    """A dataset with contributions of Alice (weight 3) and Bob (1), a model trained on it with one licence
    sold (its pool earns 19.5 USDC) and 1,500 metered calls on that licence, all in epoch 1."""
    curator, owner, user, alice, bob = (isolated_chain.addresses[i] for i in (3, 1, 4, 5, 6))
    dataset = platform.register_dataset(curator)
    model = platform.register_model(
        owner, datasets=((dataset, 1, 10_000),), terms=make_terms(included_calls=1_000)
    )
    licence = platform.buy(user, model)
    usdc, licenses = platform.client.contract("MockUSDC"), platform.client.contract("LicenseManager")
    platform.transact(usdc.functions.faucet(user, 10 * USDC), user)
    platform.transact(usdc.functions.approve(licenses.address, 10 * USDC), user)
    platform.transact(licenses.functions.deposit(licence, 10 * USDC), user)

    now = platform.client.w3.eth.get_block("latest")["timestamp"]
    clock = EpochClock(genesis=now - 100, length=EPOCH_LENGTH)
    store = LocalContentStore(root=tmp_path / "ipfs")
    for contributor, data in ((alice, b"a\nb\nc\n"), (bob, b"d\n")):
        contribute(session_factory, store, clock, dataset, contributor, data)
    with session_factory() as session:
        batch = record_batch(session=session, events=[("call-1", licence, 1_500, now)], operator_key_id=None)
        ingest_batch(session=session, batch_id=batch, clock=clock)
    return {
        "dataset": dataset,
        "model": model,
        "licence": licence,
        "alice": alice,
        "bob": bob,
        "clock": clock,
        "store": store,
    }


def _settings(clock: EpochClock) -> EpochSettings:
    return EpochSettings(clock=clock, confirmations=2, prov_per_epoch=1_000 * PROV, tx_timeout=60)


def _sender(client: ChainClient, engine: Engine, chain: DevChain) -> TransactionSender:
    return TransactionSender(
        client=client,
        engine=engine,
        private_key=chain.oracle_key,
        priority_fee=1 * GWEI,
        max_fee_cap=100 * GWEI,
        replace_after=3_600,
        confirmations=1,
        poll_interval=0.05,
    )


def _end_epoch(
    chain: DevChain, clock: EpochClock, client: ChainClient, factory: sessionmaker[Session], epoch: int = 1
) -> None:
    """Moves chain time past `epoch`, buries the blocks under the confirmation depth and indexes."""
    chain.rpc("evm_setNextBlockTimestamp", clock.end_of(epoch) + 1)
    chain.rpc("anvil_mine", hex(3))
    with factory() as session:
        indexer_for(web3=client.w3, manifest=client.manifest).sync(session=session)


def _close(client, engine, chain, factory, store, clock, epoch: int = 1, **settings: Any) -> Any:
    return close_epoch(
        session_factory=factory,
        client=client,
        sender=_sender(client, engine, chain),
        store=store,
        settings=replace(_settings(clock), **settings),
        epoch=epoch,
    )


def _claim(client: ChainClient, chain: DevChain, tree: RewardTree, account: str, token: str) -> int:
    distributor = client.contract("RewardDistributor")
    token_contract = client.w3.eth.contract(
        address=client.w3.to_checksum_address(token), abi=client.contract("MockUSDC").abi
    )
    before = token_contract.functions.balanceOf(account).call()
    amount = tree.cumulative_amount(account.lower(), token)
    tx = distributor.functions.claim(
        account, token_contract.address, amount, tree.proof(account.lower(), token)
    )
    receipt = client.w3.eth.wait_for_transaction_receipt(tx.transact({"from": chain.addresses[0]}))
    assert receipt["status"] == 1
    return token_contract.functions.balanceOf(account).call() - before


def test_closeEpoch_beforeEpochEnds_notReady(client, isolated_chain, engine, session_factory, world) -> None:
    with pytest.raises(EpochNotReady, match="no block 2 deep is past that time"):
        _close(client, engine, isolated_chain, session_factory, world["store"], world["clock"])


def test_closeEpoch_afterEpoch_commitsVersionPaysRewardsAndSettles(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    world,
) -> None:
    _end_epoch(isolated_chain, world["clock"], client, session_factory)
    outcome = _close(client, engine, isolated_chain, session_factory, world["store"], world["clock"])

    assert outcome.datasets_committed == (world["dataset"],)
    with session_factory() as session:
        record = session.get_one(RewardTreeRecord, 1)
        tree = RewardTree.load(record.dump)
    assert outcome.reward_root == tree.root

    # The dataset's new version is the tree of its accepted contributions; its manifest on IPFS lists them,
    # and an auditor rebuilds the on-chain root from it.
    (_, version) = client.dataset(dataset_id=world["dataset"]).versions
    manifest = json.loads(world["store"].get(cid=version.manifest_cid))
    leaves = [ContributionLeaf(c["contributor"], c["cid"], c["weight"]) for c in manifest["contributions"]]
    assert [(leaf.contributor, leaf.weight) for leaf in leaves] == [(world["alice"], 3), (world["bob"], 1)]
    assert "0x" + version.contributions_root.hex() == ContributionTree(leaves).root

    # Usage settled: 500 calls over the 1,000 included at 1,000 per call.
    licence = client.licence(licence_id=world["licence"])
    assert (licence.settled_calls, licence.last_settled_epoch, licence.credit) == (
        1_500,
        1,
        10 * USDC - 500_000,
    )

    # The pool's 19.5 USDC, 3:1; 1,000 PROV, 3:1. Claims pay exactly that once the root is accepted.
    usdc = client.manifest.payment_token.lower()
    prov = client.contract("ProvenanceToken").address.lower()
    assert tree.cumulative_amount(world["alice"].lower(), usdc) == 14_625_000
    assert tree.cumulative_amount(world["bob"].lower(), usdc) == 4_875_000
    assert tree.cumulative_amount(world["alice"].lower(), prov) == 750 * PROV
    isolated_chain.rpc("evm_increaseTime", ROOT_DELAY + 1)
    isolated_chain.rpc("evm_mine")
    distributor = client.contract("RewardDistributor")
    client.w3.eth.wait_for_transaction_receipt(
        distributor.functions.acceptRoot().transact({"from": isolated_chain.addresses[0]})
    )
    assert _claim(client, isolated_chain, tree, world["alice"], usdc) == 14_625_000
    assert _claim(client, isolated_chain, tree, world["bob"], usdc) == 4_875_000
    assert _claim(client, isolated_chain, tree, world["alice"], prov) == 750 * PROV

    # Closing again changes nothing and sends nothing.
    nonce = client.w3.eth.get_transaction_count(isolated_chain.oracle)
    again = _close(client, engine, isolated_chain, session_factory, world["store"], world["clock"])
    assert again.reward_root == outcome.reward_root
    assert client.w3.eth.get_transaction_count(isolated_chain.oracle) == nonce


def test_closeEpoch_crashBetweenSteps_rerunFinishesWithoutRepeating(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    world,
    tmp_path,
) -> None:
    _end_epoch(isolated_chain, world["clock"], client, session_factory)
    failing = FailingStore(root=tmp_path / "ipfs", fail_on_put=2)  # dies storing the rewards tree
    with pytest.raises(RuntimeError, match="worker lost"):
        _close(client, engine, isolated_chain, session_factory, failing, world["clock"])
    with session_factory() as session:
        assert session.get_one(EpochClose, 1).status == "closing"

    outcome = _close(client, engine, isolated_chain, session_factory, failing, world["clock"])

    assert outcome.datasets_committed == ()  # committed by the first run, not again
    assert len(client.dataset(dataset_id=world["dataset"]).versions) == 2
    distributor = client.contract("RewardDistributor")
    root, epoch, _, _, _ = distributor.functions.pendingRoot().call()
    assert ("0x" + root.hex(), epoch) == (outcome.reward_root, 1)
    # Solvent: the distributor holds at least every payment-token amount the tree grants.
    with session_factory() as session:
        tree = RewardTree.load(session.get_one(RewardTreeRecord, 1).dump)
    usdc = client.manifest.payment_token.lower()
    owed = sum(leaf.cumulative_amount for leaf in tree._leaves if leaf.token == usdc)
    held = client.contract("MockUSDC").functions.balanceOf(distributor.address).call()
    assert held >= owed == 19_500_000


def test_closeDueEpochs_closesOnlyWhatTheClockHasEnded(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    world: dict[str, Any],
) -> None:
    clock = world["clock"]
    _end_epoch(isolated_chain, clock, client, session_factory)  # confirmed blocks past epoch 1

    def close_due(now: int) -> list[int]:
        return close_due_epochs(
            session_factory=session_factory,
            client=client,
            sender=_sender(client, engine, isolated_chain),
            store=world["store"],
            settings=_settings(clock),
            now=now,
        )

    # Epoch 1 still runs by the wall clock: it may yet receive contributions, whatever the chain's time.
    assert close_due(clock.end_of(1) - 1) == []
    assert close_due(clock.end_of(1)) == [1]
    # Epoch 2 has begun; nothing else is due.
    assert close_due(clock.end_of(1) + 1) == []
    with session_factory() as session:
        assert session.scalars(select(EpochClose.epoch).where(EpochClose.status == "closed")).all() == [1]


def _as_timelock(client: ChainClient, chain: DevChain, function_name: str, *args: Any) -> None:
    """The DAO's decision, with the timelock impersonated on anvil (the governance tests go through votes)."""
    timelock = client.contract("TimelockController").address
    chain.rpc("anvil_impersonateAccount", timelock)
    chain.rpc("anvil_setBalance", timelock, hex(10**18))
    function = getattr(client.contract("RewardDistributor").functions, function_name)(*args)
    receipt = client.w3.eth.wait_for_transaction_receipt(function.transact({"from": timelock}))
    assert receipt["status"] == 1


def test_closeEpoch_rootLifecycle_waitsForLockedRootAndDropsRevokedAmounts(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    platform: Platform,
    session_factory: sessionmaker[Session],
    world,
) -> None:
    """A root delay of two and a half epochs: epoch 2 is not submitted while epoch 1's root is locked; epoch 1's root is
    revoked, so epoch 3's tree carries epochs 2 and 3 only; epoch 6's tree builds on epoch 3's once it unlocked."""
    _as_timelock(client, isolated_chain, "setRootDelay", 5 * EPOCH_LENGTH // 2)
    distributor, usdc = client.contract("RewardDistributor"), client.manifest.payment_token.lower()
    buyer = isolated_chain.addresses[2]
    close = {"client": client, "engine": engine, "chain": isolated_chain, "factory": session_factory}
    close |= {"store": world["store"], "clock": world["clock"]}

    def epoch(number: int) -> Any:
        if number > 1:
            platform.buy(buyer, world["model"])  # the pool earns 19.5 USDC, 3:1 for Alice and Bob
        _end_epoch(isolated_chain, world["clock"], client, session_factory, number)
        return _close(**close, epoch=number)

    first = epoch(1)
    assert distributor.functions.pendingRoot().call()[1] == 1
    assert epoch(2).reward_root is None  # epoch 1's root is locked: nothing submitted, epoch 2 carried
    with session_factory() as session:
        assert session.get(RewardTreeRecord, 2) is None
    _as_timelock(client, isolated_chain, "revokePendingRoot", 1)

    third = epoch(3)
    with session_factory() as session:
        record = session.get_one(RewardTreeRecord, 3)
        tree = RewardTree.load(record.dump)
    assert record.base_epoch == 0 and third.reward_root == tree.root != first.reward_root
    # Epochs 2 and 3, not 1: two sales, and the pool's share of epoch 1's usage fee, settled in epoch 2's
    # blocks (0.5 USDC less the protocol fee, 20 %: 97,500, 3:1).
    assert tree.cumulative_amount(world["alice"].lower(), usdc) == 2 * 14_625_000 + 73_125
    with pytest.raises(KeyError):  # epoch 1's PROV went with its revoked root
        tree.cumulative_amount(world["alice"].lower(), client.contract("ProvenanceToken").address.lower())
    pending = distributor.functions.pendingRoot().call()
    assert ("0x" + pending[0].hex(), pending[1], pending[3]) == (tree.root, 3, 2 * 19_500_000 + 97_500)

    assert epoch(4).reward_root is epoch(5).reward_root is None  # epoch 3's root is locked until epoch 6
    sixth = epoch(6)
    with session_factory() as session:
        record = session.get_one(RewardTreeRecord, 6)
    assert record.base_epoch == 3
    alice = RewardTree.load(record.dump).cumulative_amount(world["alice"].lower(), usdc)
    assert alice == 5 * 14_625_000 + 73_125
    assert distributor.functions.currentRoot().call()[1] == 3
    assert distributor.functions.pendingRoot().call()[1] == 6 and sixth.reward_root == record.root


def _meter(
    factory: sessionmaker[Session], clock: EpochClock, events: list[tuple[str, int, int, int]]
) -> None:
    with factory() as session:
        batch = record_batch(session=session, events=events, operator_key_id=None)
        ingest_batch(session=session, batch_id=batch, clock=clock)


def test_closeEpoch_licenceWhoseSettlementReverts_setAsideWhileExtremeAndOrdinaryLicencesSettle(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    platform: Platform,
    world,
) -> None:
    owner, second_user, third_user = (isolated_chain.addresses[i] for i in (1, 7, 8))
    second = platform.buy(second_user, world["model"])
    extreme_terms = make_terms(
        duration=3_650 * 86_400,
        contributors_bps=10_000,
        derivative_rev_share_bps=5_000,
        max_derivatives=1_000,
        fee_per_call=10**18,
        included_calls=0,
    )
    extreme = platform.buy(
        third_user, platform.register_model(owner, cid="QmExtreme", weights=b"\x33" * 32, terms=extreme_terms)
    )
    now = client.w3.eth.get_block("latest")["timestamp"]
    _meter(
        session_factory, world["clock"], [("call-2", second, 2_000, now), ("call-3", extreme, 10**12, now)]
    )
    # A purchase the indexer projected from a block a reorganisation then dropped: the chain knows no such
    # licence, so settling it reverts, alone or in any batch.
    phantom = 10**9
    with session_factory() as session:
        session.add(
            Licence(
                id=phantom,
                model_id=world["model"],
                holder=second_user,
                terms_version=1,
                expires_at=now + 86_400,
                credit=0,
            )
        )
        session.add(UsageAggregate(licence_id=phantom, epoch=1, units=5))
        session.commit()
    _end_epoch(isolated_chain, world["clock"], client, session_factory)

    outcome = _close(client, engine, isolated_chain, session_factory, world["store"], world["clock"])

    assert outcome.licences_settled == 3
    settled = {licence: client.licence(licence_id=licence) for licence in (world["licence"], second, extreme)}
    assert {licence: info.last_settled_epoch for licence, info in settled.items()} == {
        world["licence"]: 1,
        second: 1,
        extreme: 1,
    }
    assert settled[second].settled_calls == 2_000
    assert settled[extreme].credit == -(10**12) * 10**18  # a debt of 10^30, nothing reverted
    with session_factory() as session:
        (set_aside,) = session.scalars(select(SettlementSetAside)).all()
        (statement,), _ = usage_statement(session=session, licence_id=phantom, offset=0, limit=10)
    assert (set_aside.epoch, set_aside.licence_id, set_aside.units) == (1, phantom, 5)
    assert set_aside.reason == f"reverted: LicenseManagerUnknownLicense(licenceId={phantom})"
    assert statement.set_aside is not None and statement.settlement is None
    set_aside_metric, given_up_metric = EpochCloseMetrics(session_factory).collect()
    assert [sample.value for sample in set_aside_metric.samples] == [1]
    assert [sample.value for sample in given_up_metric.samples] == [0]
    with session_factory() as session:
        assert session.get_one(EpochClose, 1).status == "closed"
    # The epoch's root went ahead: contributors claim once it is accepted.
    with session_factory() as session:
        tree = RewardTree.load(session.get_one(RewardTreeRecord, 1).dump)
    isolated_chain.rpc("evm_increaseTime", ROOT_DELAY + 1)
    isolated_chain.rpc("evm_mine")
    client.w3.eth.wait_for_transaction_receipt(
        client.contract("RewardDistributor")
        .functions.acceptRoot()
        .transact({"from": isolated_chain.addresses[0]})
    )
    usdc = client.manifest.payment_token.lower()
    assert _claim(client, isolated_chain, tree, world["alice"], usdc) == tree.cumulative_amount(
        world["alice"].lower(), usdc
    )

    # A rerun settles nothing twice and does not retry what was set aside.
    nonce = client.w3.eth.get_transaction_count(isolated_chain.oracle)
    _close(client, engine, isolated_chain, session_factory, world["store"], world["clock"])
    assert client.w3.eth.get_transaction_count(isolated_chain.oracle) == nonce


def test_closeEpoch_smallGasBudget_batchesSizedToFitAndAllSettled(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    platform: Platform,
    world,
) -> None:
    licences = [platform.buy(isolated_chain.addresses[7], world["model"]) for _ in range(8)]
    now = client.w3.eth.get_block("latest")["timestamp"]
    _meter(
        session_factory,
        world["clock"],
        [(f"many-{i}", licence, 10, now) for i, licence in enumerate(licences)],
    )
    _end_epoch(isolated_chain, world["clock"], client, session_factory)
    budget = client.w3.eth.get_block("latest")["gasLimit"] // 100

    outcome = _close(
        client,
        engine,
        isolated_chain,
        session_factory,
        world["store"],
        world["clock"],
        settlement_gas_percent=1,
    )

    assert outcome.licences_settled == 9
    assert all(client.licence(licence_id=licence).last_settled_epoch == 1 for licence in licences)
    with session_factory() as session:
        steps = session.get_one(EpochClose, 1).transactions
        limits = [
            session.get_one(OracleTx, tx).gas_limit
            for step, tx in steps.items()
            if step.startswith("settle:")
        ]
    assert len(limits) > 1 and max(limits) <= budget


def test_closeEpoch_poolWithoutContributors_carriedToTheFirstEpochWithSome(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    platform: Platform,
    world,
) -> None:
    curator, owner, buyer, carol = (isolated_chain.addresses[i] for i in (3, 1, 7, 8))
    dataset = platform.register_dataset(curator, root=b"\x44" * 32, cid="QmUnclaimedPool")
    model = platform.register_model(
        owner, cid="QmCarried", weights=b"\x45" * 32, datasets=((dataset, 1, 10_000),)
    )
    platform.buy(buyer, model)  # the pool earns in epoch 1, when the dataset has no contributor yet
    clock, store = world["clock"], world["store"]
    _end_epoch(isolated_chain, clock, client, session_factory)
    _close(client, engine, isolated_chain, session_factory, store, clock)
    with session_factory() as session:
        earned = sum(
            c.amount for c in session.scalars(select(PoolCredit).where(PoolCredit.dataset_id == dataset))
        )
        first = session.get_one(RewardTreeRecord, 1).dump
    usdc = client.manifest.payment_token.lower()
    assert earned > 0 and carol.lower() not in {value["value"][0].lower() for value in first["values"]}

    contribution = contribute(session_factory, store, clock, dataset, carol, b"first record\nsecond record\n")
    with session_factory() as session:  # reviewed in epoch 2 (the wall clock here is still in epoch 1)
        session.get_one(Contribution, contribution).reviewed_at = datetime.fromtimestamp(
            clock.end_of(1) + 10, UTC
        )
        session.commit()
    _end_epoch(isolated_chain, clock, client, session_factory, epoch=2)
    _close(client, engine, isolated_chain, session_factory, store, clock, epoch=2)

    with session_factory() as session:
        second = RewardTree.load(session.get_one(RewardTreeRecord, 2).dump)
    assert second.cumulative_amount(carol.lower(), usdc) == earned


def test_closeEpoch_stepKeepsFailing_retriedWithBackoffThenGivenUpAndTheNextEpochCarriesIt(
    client: ChainClient,
    isolated_chain: DevChain,
    engine: Engine,
    session_factory: sessionmaker[Session],
    world,
) -> None:
    distributor, usdc = client.contract("RewardDistributor"), client.manifest.payment_token.lower()
    oracle_role = distributor.functions.ORACLE_ROLE().call()
    _as_timelock(client, isolated_chain, "revokeRole", oracle_role, isolated_chain.oracle)  # roots now revert
    _end_epoch(isolated_chain, world["clock"], client, session_factory)

    def close(epoch: int = 1) -> Any:
        return _close(
            client,
            engine,
            isolated_chain,
            session_factory,
            world["store"],
            world["clock"],
            epoch,
            step_attempts=2,
            step_retry_seconds=1,
        )

    with pytest.raises(EpochStepFailed, match=r"step root failed: .*AccessControlUnauthorizedAccount"):
        close()
    with pytest.raises(EpochNotReady, match=r"step root failed .*; retried from"):
        close()  # within the backoff
    time.sleep(1.1)
    outcome = close()  # the second failure gives the root up: the epoch closes without it

    assert outcome.reward_root is None
    assert client.licence(licence_id=world["licence"]).last_settled_epoch == 1
    with session_factory() as session:
        record = session.get_one(EpochClose, 1)
        assert session.get(RewardTreeRecord, 1) is None
    assert record.status == "closed"
    assert (record.failures["root"]["attempts"], record.failures["root"]["given_up"]) == (2, True)
    _, given_up_metric = EpochCloseMetrics(session_factory).collect()
    assert [sample.value for sample in given_up_metric.samples] == [1]

    _as_timelock(client, isolated_chain, "grantRole", oracle_role, isolated_chain.oracle)
    _end_epoch(isolated_chain, world["clock"], client, session_factory, epoch=2)
    second = close(epoch=2)

    alice = world["alice"].lower()
    with session_factory() as session:
        tree = RewardTree.load(session.get_one(RewardTreeRecord, 2).dump)
        earned = [int(session.get_one(RewardIncrement, epoch).payments[alice]) for epoch in (1, 2)]
    assert second.reward_root == tree.root
    assert distributor.functions.pendingRoot().call()[:2] == [bytes.fromhex(tree.root[2:]), 2]
    # Epoch 1's pool share (14.625 USDC) is in the next tree, beside epoch 2's (from epoch 1's usage fees).
    assert earned[0] == 14_625_000
    assert tree.cumulative_amount(alice, usdc) == sum(earned)
