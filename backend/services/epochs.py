"""Epoch close: what the platform settles once an epoch is over, in order, each step once.

1. Each dataset with accepted contributions gets a new version on chain when its contribution tree
   changed: the root, and the manifest (the tree's leaves) stored on IPFS.
2. Contributors' rewards: each dataset pool's revenue in the epoch (DatasetPoolCredited up to the epoch's
   last confirmed block; a pool's revenue from epochs before it had contributors is carried forward) shared
   pro rata to accepted weight, plus the epoch's PROV shared pro rata to the
   weight accepted during the epoch; added to the previous cumulative tree, stored on IPFS, the pools'
   funds pulled into the distributor, and the root submitted.
3. Metered usage settled on chain: each licence's units of the epoch, in batches sorted by model and sized by
   gas; a licence whose settlement reverts is set aside with the reason, the others are settled.

Only blocks past the confirmation depth count, and only what the indexer has read. The epoch's row records
its last block and every oracle transaction by step, so a rerun after a crash waits for a transaction it
already sent instead of sending another, and skips what the chain already holds. An epoch closes once and
after the previous one.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient, ContractReverted
from backend.chain.sender import (
    FeeCapExceeded,
    InsufficientFunds,
    TransactionFailed,
    TransactionRejected,
    TransactionReverted,
    TransactionSender,
    TxResult,
)
from backend.domain.contributions_tree import LEAF_ENCODING, ContributionLeaf, ContributionTree
from backend.domain.epochs import EpochClock
from backend.domain.merkle import RewardTree
from backend.domain.rewards import accumulate, pro_rata
from backend.models.chain import IndexerCursor
from backend.models.contributions import Contribution, ContributionStatus
from backend.models.epochs import EpochClose, SettlementSetAside
from backend.models.licences import Licence
from backend.models.rewards import PoolCredit, RewardIncrement, RewardTreeRecord
from backend.models.usage import UsageAggregate
from backend.storage import ContentStore

log = logging.getLogger(__name__)

CLOSING, CLOSED = "closing", "closed"


class EpochNotReady(RuntimeError):
    """The epoch cannot close yet; the message says why."""


class EpochStepFailed(RuntimeError):
    """A step of the close failed; a later run retries it after a backoff, and gives it up after
    ``EpochSettings.step_attempts`` failures."""


# Failures that leave nothing of a step on chain (a timeout does not: its transaction may still be mined).
_STEP_FAILURES = (
    ContractReverted,
    TransactionReverted,
    TransactionFailed,
    TransactionRejected,
    FeeCapExceeded,
    InsufficientFunds,
)


@dataclass(frozen=True, slots=True)
class EpochSettings:
    clock: EpochClock
    confirmations: int
    prov_per_epoch: int  # PROV (18 decimals) shared among the weight accepted during an epoch
    settlement_gas_percent: int = 50  # of the block gas limit, the most one settlement batch may take
    step_attempts: int = 5  # failures after which a step is given up (the epoch closes without it)
    step_retry_seconds: float = 30.0  # the first backoff; it doubles with each failure
    tx_timeout: float = 120.0


@dataclass(frozen=True, slots=True)
class EpochOutcome:
    epoch: int
    end_block: int
    datasets_committed: tuple[int, ...]
    reward_root: str | None
    licences_settled: int


@dataclass
class _Closing:
    """One run of an epoch close: the collaborators and the record of what was sent."""

    session_factory: Callable[[], Session]
    client: ChainClient
    sender: TransactionSender
    store: ContentStore
    settings: EpochSettings
    epoch: int

    def transact(
        self,
        step: str,
        contract: str,
        function: str,
        *args: object,
        gas: int | None = None,
        bisectable: bool = False,
    ) -> TxResult | None:
        """Sends the step's transaction unless an earlier run did, then waits for it to be final.

        A failure that leaves nothing of the step on chain is recorded and the step retried by a later run,
        after a backoff; after ``settings.step_attempts`` failures the step is given up and None returned, so
        the epoch still closes. ``bisectable`` steps leave reverts to their caller."""
        with self.session_factory() as session:
            record = session.get_one(EpochClose, self.epoch)
            failure = record.failures.get(step)
            if failure is not None and failure["given_up"]:
                return None
            if failure is not None and time.time() < failure["retry_at"]:
                raise EpochNotReady(
                    f"epoch {self.epoch}'s step {step} failed ({failure['error']}); retried from "
                    f"{failure['retry_at']:.0f}"
                )
            tx_id = record.transactions.get(step)
        try:
            if tx_id is None:
                target = self.client.contract(contract)  # type: ignore[arg-type]
                tx_id = self.sender.send(
                    to=target.address, data=target.encode_abi(function, args=list(args)), gas=gas
                ).tx_id
                with self.session_factory() as session:
                    record = session.get_one(EpochClose, self.epoch)
                    record.transactions = {**record.transactions, step: tx_id}
                    session.commit()
            return self.sender.wait(tx_id=tx_id, timeout=self.settings.tx_timeout)
        except _STEP_FAILURES as error:
            if bisectable and isinstance(error, (ContractReverted, TransactionReverted)):
                raise
            if self._record_failure(step, error):
                return None
            raise EpochStepFailed(f"epoch {self.epoch}'s step {step} failed: {error}") from error

    def _record_failure(self, step: str, error: Exception) -> bool:
        """Records a failed attempt and forgets its transaction, so the retry sends anew; True once the step
        is given up."""
        with self.session_factory() as session:
            record = session.get_one(EpochClose, self.epoch)
            attempts = record.failures.get(step, {}).get("attempts", 0) + 1
            given_up = attempts >= self.settings.step_attempts
            retry_at = time.time() + self.settings.step_retry_seconds * 2 ** (attempts - 1)
            record.failures = {
                **record.failures,
                step: {
                    "attempts": attempts,
                    "error": str(error)[:500],
                    "retry_at": retry_at,
                    "given_up": given_up,
                },
            }
            record.transactions = {name: tx for name, tx in record.transactions.items() if name != step}
            session.commit()
        log.error(
            "epoch %s: step %s failed (attempt %s of %s)%s: %s",
            self.epoch,
            step,
            attempts,
            self.settings.step_attempts,
            ", given up" if given_up else "",
            error,
        )
        return given_up


def close_epoch(
    *,
    session_factory: Callable[[], Session],
    client: ChainClient,
    sender: TransactionSender,
    store: ContentStore,
    settings: EpochSettings,
    epoch: int,
) -> EpochOutcome:
    """Closes ``epoch`` or finishes closing it; EpochNotReady when it cannot close yet."""
    run = _Closing(session_factory, client, sender, store, settings, epoch)
    with session_factory() as session:
        record = _begin(session, client, settings, epoch)
        end_block, previous_end = record.end_block, _previous_end_block(session, client, epoch)
        closed = record.status == CLOSED
    cutoff = settings.clock.end_of(epoch)
    committed = () if closed else _commit_dataset_versions(run, cutoff)
    root = _publish_rewards(run, cutoff=cutoff, previous_end=previous_end, end_block=end_block, closed=closed)
    settled = 0 if closed else _settle_usage(run)
    if not closed:
        with session_factory() as session:
            record = session.get_one(EpochClose, epoch)
            record.status, record.closed_at = CLOSED, datetime.now(UTC)
            session.commit()
    return EpochOutcome(epoch, end_block, committed, root, settled)


def _begin(session: Session, client: ChainClient, settings: EpochSettings, epoch: int) -> EpochClose:
    record = session.get(EpochClose, epoch)
    if record is not None:
        return record
    if epoch < 1:
        raise EpochNotReady(f"epochs start at 1, got {epoch}")
    if epoch > 1:
        previous = session.get(EpochClose, epoch - 1)
        if previous is None or previous.status != CLOSED:
            raise EpochNotReady(f"epoch {epoch - 1} is not closed yet; epochs close in order")
    cutoff = settings.clock.end_of(epoch)
    confirmed = client.w3.eth.block_number - settings.confirmations
    if confirmed < 0 or client.w3.eth.get_block(confirmed)["timestamp"] < cutoff:
        raise EpochNotReady(
            f"epoch {epoch} ends at {cutoff}; no block {settings.confirmations} deep is past that time yet"
        )
    end_block = _last_block_before(
        client, cutoff, low=_previous_end_block(session, client, epoch), high=confirmed
    )
    cursor = session.get(IndexerCursor, "main")
    if cursor is None or cursor.block_number < end_block:
        indexed = -1 if cursor is None else cursor.block_number
        raise EpochNotReady(f"the indexer is at block {indexed}; epoch {epoch} needs block {end_block}")
    record = EpochClose(
        epoch=epoch, end_block=end_block, status=CLOSING, transactions={}, started_at=datetime.now(UTC)
    )
    session.add(record)
    session.commit()
    return record


def _previous_end_block(session: Session, client: ChainClient, epoch: int) -> int:
    previous = session.get(EpochClose, epoch - 1)
    return previous.end_block if previous is not None else client.manifest.deployment_block - 1


def _last_block_before(client: ChainClient, cutoff: int, *, low: int, high: int) -> int:
    """The newest block in [low, high] whose timestamp is before ``cutoff`` (``low`` if none is)."""
    while low < high:
        middle = (low + high + 1) // 2
        if client.w3.eth.get_block(middle)["timestamp"] < cutoff:
            low = middle
        else:
            high = middle - 1
    return low


def _accepted(session: Session, cutoff: int, dataset_id: int | None = None) -> list[Contribution]:
    query = select(Contribution).where(
        Contribution.status == ContributionStatus.ACCEPTED,
        Contribution.reviewed_at < datetime.fromtimestamp(cutoff, UTC),
    )
    if dataset_id is not None:
        query = query.where(Contribution.dataset_id == dataset_id)
    return list(session.scalars(query.order_by(Contribution.id)))


def _commit_dataset_versions(run: _Closing, cutoff: int) -> tuple[int, ...]:
    with run.session_factory() as session:
        by_dataset: dict[int, list[Contribution]] = defaultdict(list)
        for contribution in _accepted(session, cutoff):
            by_dataset[contribution.dataset_id].append(contribution)
    committed = []
    for dataset_id, contributions in sorted(by_dataset.items()):
        leaves = [ContributionLeaf(c.contributor, c.cid, c.weight) for c in contributions]
        tree = ContributionTree(leaves)
        versions = run.client.dataset(dataset_id=dataset_id).versions
        if versions and "0x" + versions[-1].contributions_root.hex() == tree.root:
            continue
        manifest = {
            "dataset": dataset_id,
            "epoch": run.epoch,
            "root": tree.root,
            "leafEncoding": list(LEAF_ENCODING),
            "contributions": [
                {"id": c.id, "contributor": c.contributor, "cid": c.cid, "weight": c.weight}
                for c in contributions
            ],
        }
        manifest_cid = run.store.put(data=json.dumps(manifest, sort_keys=True).encode())
        if run.transact(
            f"dataset:{dataset_id}",
            "AssetRegistry",
            "commitDatasetVersion",
            dataset_id,
            tree.root,
            str(manifest_cid),
        ):
            committed.append(dataset_id)  # a commit given up is retried by the next epoch's
    return tuple(committed)


def _reward_increments(
    session: Session, settings: EpochSettings, epoch: int, *, cutoff: int, previous_end: int, end_block: int
) -> tuple[dict[str, int], dict[str, int]]:
    """This epoch's payment-token and PROV rewards per contributor.

    A dataset's pool is shared once it has contributors: revenue it earned while it had none is carried
    forward to the first epoch that has some. Review decides a contribution once, so a dataset with
    contributors at one epoch's end has them at every later one: the pool is this epoch's credits if the
    dataset had contributors when the previous epoch ended, else every credit it ever received."""
    epoch_start = datetime.fromtimestamp(settings.clock.end_of(epoch - 1), UTC)
    revenue: dict[int, int] = defaultdict(int)
    this_epoch: dict[int, int] = defaultdict(int)
    for dataset_id, block_number, amount in session.execute(
        select(PoolCredit.dataset_id, PoolCredit.block_number, PoolCredit.amount).where(
            PoolCredit.block_number <= end_block
        )
    ):
        revenue[dataset_id] += amount
        if block_number > previous_end:
            this_epoch[dataset_id] += amount
    payments: dict[str, int] = {}
    for dataset_id in sorted(revenue):
        weights: dict[str, int] = defaultdict(int)
        shared_before = False
        for contribution in _accepted(session, cutoff, dataset_id):
            weights[contribution.contributor] += contribution.weight
            reviewed = contribution.reviewed_at
            shared_before |= contribution.weight > 0 and reviewed is not None and reviewed < epoch_start
        pool = this_epoch[dataset_id] if shared_before else revenue[dataset_id]
        payments = accumulate(payments, pro_rata(pool=pool, weights=weights))
    new_weight: dict[str, int] = defaultdict(int)
    for contribution in _accepted(session, cutoff):
        if contribution.reviewed_at is not None and contribution.reviewed_at >= epoch_start:
            new_weight[contribution.contributor] += contribution.weight
    return payments, pro_rata(pool=settings.prov_per_epoch, weights=new_weight)


def _publish_rewards(
    run: _Closing, *, cutoff: int, previous_end: int, end_block: int, closed: bool
) -> str | None:
    """Records the epoch's reward increments, then submits the cumulative tree unless the pending root is
    still locked (the distributor refuses a new root then; a later epoch's tree carries this one's)."""
    with run.session_factory() as session:
        record = session.get(RewardTreeRecord, run.epoch)
        if record is not None:
            session.expunge(record)
        elif not closed and session.get(RewardIncrement, run.epoch) is None:
            payments, prov_rewards = _reward_increments(
                session,
                run.settings,
                run.epoch,
                cutoff=cutoff,
                previous_end=previous_end,
                end_block=end_block,
            )
            session.add(
                RewardIncrement(
                    epoch=run.epoch,
                    payments={a.lower(): str(v) for a, v in payments.items() if v},
                    prov={a.lower(): str(v) for a, v in prov_rewards.items() if v},
                )
            )
            session.commit()
    if closed:
        return record.root if record else None

    distributor = run.client.contract("RewardDistributor")
    if run.client.contract("RoyaltyRouter").functions.balanceOf(distributor.address).call() > 0:
        run.transact("pull", "RewardDistributor", "pullRevenue")
    pending_root, pending_epoch, _, _, acceptable_at = distributor.functions.pendingRoot().call()
    current_epoch = distributor.functions.currentRoot().call()[1]
    if record is None:
        now = run.client.w3.eth.get_block("latest")["timestamp"]
        if int.from_bytes(pending_root) and now < acceptable_at:
            return None
        record = _build_tree(run, base_epoch=pending_epoch or current_epoch)
        if record is None:
            return None
    if run.epoch not in (pending_epoch, current_epoch):
        total = _payment_total(record.dump, run.client.manifest.payment_token)
        submitted = run.transact(
            "root", "RewardDistributor", "submitRoot", run.epoch, record.root, total, record.tree_cid
        )
        if submitted is None:  # given up: without its tree, the next epoch's tree carries this increment
            with run.session_factory() as session:
                session.delete(session.get_one(RewardTreeRecord, run.epoch))
                session.commit()
            return None
    return record.root


def _payment_total(dump: dict, payment_token: str) -> int:
    return sum(
        int(value["value"][2])
        for value in dump["values"]
        if value["value"][1].lower() == payment_token.lower()
    )


def _build_tree(run: _Closing, *, base_epoch: int) -> RewardTreeRecord | None:
    """The tree of `base_epoch` plus the increments of the epochs after it, but those of roots submitted after
    it and since revoked (a root after the base that is neither the base nor pending was revoked). None when
    nothing is added."""
    payment_token = run.client.manifest.payment_token.lower()
    prov = run.client.contract("ProvenanceToken").address.lower()
    with run.session_factory() as session:
        cumulative: dict[str, dict[str, int]] = {payment_token: {}, prov: {}}
        if base_epoch:
            for value in session.get_one(RewardTreeRecord, base_epoch).dump["values"]:
                account, token, amount = value["value"]
                cumulative[token.lower()][account.lower()] = int(amount)
        revoked = session.scalars(
            select(RewardTreeRecord).where(
                RewardTreeRecord.epoch > base_epoch, RewardTreeRecord.epoch < run.epoch
            )
        ).all()
        voided = {epoch for tree in revoked for epoch in range(tree.base_epoch + 1, tree.epoch + 1)}
        increments = [
            increment
            for increment in session.scalars(
                select(RewardIncrement).where(
                    RewardIncrement.epoch > base_epoch, RewardIncrement.epoch <= run.epoch
                )
            )
            if increment.epoch not in voided and (increment.payments or increment.prov)
        ]
        if not increments:
            return None
        for increment in increments:
            for token, amounts in ((payment_token, increment.payments), (prov, increment.prov)):
                cumulative[token] = accumulate(cumulative[token], {a: int(v) for a, v in amounts.items()})
        tree = RewardTree(
            (account, token, amount)
            for token, amounts in cumulative.items()
            for account, amount in sorted(amounts.items())
            if amount > 0
        )
        dump = tree.dump()
        stored = run.store.put(data=json.dumps(dump, sort_keys=True).encode())
        record = RewardTreeRecord(
            epoch=run.epoch, base_epoch=base_epoch, root=tree.root, tree_cid=str(stored), dump=dump
        )
        session.add(record)
        session.commit()
        session.refresh(record)
        session.expunge(record)
        return record


def _settle_usage(run: _Closing) -> int:
    """Settles each licence's units metered in the epoch; an epoch without usage is settled empty, so the
    licence manager knows it is over (credit of an expired licence unlocks once its last epoch is).

    Batches are sized by gas: a batch estimated above the budget is halved. A batch that reverts is bisected
    down to the licence that makes it revert, which is set aside with the reason; the others settle. Settling
    is idempotent on chain (a licence settled for the epoch is skipped), so a rerun that plans other batches
    charges nothing twice."""
    with run.session_factory() as session:
        totals = [
            (int(licence_id), int(units))
            for licence_id, units, _ in session.execute(
                select(UsageAggregate.licence_id, func.sum(UsageAggregate.units), Licence.model_id)
                .join(Licence, Licence.id == UsageAggregate.licence_id)
                .where(UsageAggregate.epoch == run.epoch)
                .group_by(UsageAggregate.licence_id, Licence.model_id)
                .order_by(Licence.model_id, UsageAggregate.licence_id)
            )
        ]
        set_aside = set(
            session.scalars(
                select(SettlementSetAside.licence_id).where(SettlementSetAside.epoch == run.epoch)
            )
        )
    if not totals:
        run.transact("settle:0", "LicenseManager", "settleUsage", run.epoch, [], [])
        return 0
    manager = run.client.contract("LicenseManager")
    most = manager.functions.MAX_SETTLEMENT_BATCH().call()
    budget = run.client.w3.eth.get_block("latest")["gasLimit"] * run.settings.settlement_gas_percent // 100
    remaining = [total for total in totals if total[0] not in set_aside]
    batches = [remaining[index : index + most] for index in range(0, len(remaining), most)]
    while batches:
        batch = batches.pop(0)
        args = (run.epoch, [licence_id for licence_id, _ in batch], [units for _, units in batch])
        try:
            gas = run.sender.estimate_gas(
                to=manager.address, data=manager.encode_abi("settleUsage", args=args)
            )
            if gas > budget and len(batch) > 1:
                batches[:0] = _halves(batch)
                continue
            if gas > budget:
                raise _SettlementTooLarge(f"needs {gas} gas, above the budget of {budget}")
            step = f"settle:{batch[0][0]}-{batch[-1][0]}:{len(batch)}"
            if run.transact(step, "LicenseManager", "settleUsage", *args, gas=gas, bisectable=True) is None:
                raise _SettlementGivenUp(f"given up after {run.settings.step_attempts} failed attempts")
        except _SettlementGivenUp as refused:
            for licence_id, units in batch:
                _set_aside(run, licence_id=licence_id, units=units, reason=str(refused))
                set_aside.add(licence_id)
        except (ContractReverted, TransactionReverted, _SettlementTooLarge) as refused:
            if len(batch) > 1:
                batches[:0] = _halves(batch)
                continue
            _set_aside(run, licence_id=batch[0][0], units=batch[0][1], reason=_reason(refused))
            set_aside.add(batch[0][0])
    return len(totals) - len(set_aside)


def _halves(batch: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    return [batch[: len(batch) // 2], batch[len(batch) // 2 :]]


class _SettlementTooLarge(RuntimeError):
    """One licence's settlement alone would take more gas than a batch may."""


class _SettlementGivenUp(RuntimeError):
    """A batch's transaction kept failing without reverting (refused by the node, its nonce lost)."""


def _reason(refused: ContractReverted | TransactionReverted | _SettlementTooLarge) -> str:
    if isinstance(refused, ContractReverted):
        return f"reverted: {refused.error}"
    if isinstance(refused, TransactionReverted):
        return f"reverted: {refused.result.error}"
    return str(refused)


def _set_aside(run: _Closing, *, licence_id: int, units: int, reason: str) -> None:
    log.warning("epoch %s: settlement of licence %s set aside: %s", run.epoch, licence_id, reason)
    with run.session_factory() as session:
        session.merge(
            SettlementSetAside(
                epoch=run.epoch,
                licence_id=licence_id,
                units=units,
                reason=reason[:500],
                set_aside_at=datetime.now(UTC),
            )
        )
        session.commit()


def close_due_epochs(
    *,
    session_factory: Callable[[], Session],
    client: ChainClient,
    sender: TransactionSender,
    store: ContentStore,
    settings: EpochSettings,
    now: int,
) -> list[int]:
    """Closes, in order, every epoch that has ended by ``now`` (unix seconds) and can close (one left
    half-closed by a crash first).

    Both clocks must agree an epoch is over: the wall clock, by which contributions and usage are dated, and
    the chain (a confirmed block past the epoch's end). On a chain whose time runs ahead (a development
    chain after time travel) the chain alone would close an epoch still receiving contributions.
    """
    with session_factory() as session:
        last_closed = (
            session.scalar(select(func.max(EpochClose.epoch)).where(EpochClose.status == CLOSED)) or 0
        )
    closed = []
    for epoch in range(last_closed + 1, settings.clock.epoch_of(now)):
        try:
            close_epoch(
                session_factory=session_factory,
                client=client,
                sender=sender,
                store=store,
                settings=settings,
                epoch=epoch,
            )
        except EpochNotReady:
            break
        closed.append(epoch)
    return closed
