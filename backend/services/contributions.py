"""Dataset contributions: stored on upload, then reviewed once (hash check, deduplication by CID within the
dataset, the dataset's rules) and accepted with a weight or rejected with a reason.

A contribution's weight is the number of its records that no earlier accepted contribution to the dataset
brought (backend.domain.contribution_rules says what a record is), up to the contributor's per-epoch cap.
The review stores the hashes of those records, unique per dataset: of two reviews of overlapping files at
once, the second waits for the first and earns only what is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.domain.contribution_rules import (
    ContributionRejected,
    ContributionRules,
    ContributionTooLarge,
    Record,
    check_media_type,
    records,
)
from backend.domain.epochs import EpochClock
from backend.models.contributions import Contribution, ContributionRecord, ContributionStatus
from backend.services.dataset_rules import locked_rules
from backend.storage import ContentStore
from backend.storage.unixfs import ReadableStream

# Record hashes inserted per statement: memory stays bounded whatever the file's size.
CLAIM_BATCH = 500


class UnknownContributionError(LookupError):
    """No contribution has this id."""


@dataclass
class _CountingStream:
    """Passes reads through, counting bytes, and stops the upload as soon as it exceeds ``limit``."""

    stream: ReadableStream
    limit: int
    size: int = 0

    def readinto(self, buffer: memoryview, /) -> int | None:
        count = self.stream.readinto(buffer)
        self.size += count or 0
        if self.size > self.limit:
            raise ContributionTooLarge(f"the file has more than {self.limit} bytes, the limit")
        return count


def submit_contribution(
    *,
    session: Session,
    store: ContentStore,
    dataset_id: int,
    contributor: str,
    filename: str,
    media_type: str,
    stream: ReadableStream,
    max_bytes: int,
) -> Contribution:
    """Stores the file and records a pending contribution; ContributionRejected (nothing recorded) for an
    unsupported media type, an empty file or one above ``max_bytes``."""
    check_media_type(media_type)
    counted = _CountingStream(stream, max_bytes)
    cid = store.put_stream(stream=counted)
    if counted.size == 0:
        raise ContributionRejected("the file is empty")
    contribution = Contribution(
        dataset_id=dataset_id,
        contributor=contributor,
        cid=str(cid),
        filename=filename,
        media_type=media_type,
        size=counted.size,
        status=ContributionStatus.PENDING,
    )
    session.add(contribution)
    session.commit()
    return contribution


def review_contribution(
    *, session: Session, store: ContentStore, contribution_id: int, max_bytes: int, clock: EpochClock
) -> Contribution:
    """Accepts a pending contribution with the weight of the records it brings to the dataset first, or
    rejects it with the reason; a reviewed one is returned as it is."""
    contribution = _locked(session, contribution_id)
    if contribution.status != ContributionStatus.PENDING:
        session.commit()  # releases the lock; the caller keeps a loaded, detached-safe object
        return contribution
    original = _earlier_copy(session, contribution)
    if original is not None:
        _reject(contribution, f"duplicate of contribution {original.id} ({contribution.cid})")
        contribution.duplicate_of = original.id
    else:
        rules = locked_rules(session=session, dataset_id=contribution.dataset_id)
        _weigh(session, store, contribution, rules=rules, max_bytes=max_bytes, clock=clock)
    contribution.reviewed_at = datetime.now(UTC)
    session.commit()
    return contribution


def _locked(session: Session, contribution_id: int) -> Contribution:
    # A write first: on SQLite it takes the database's write lock before anything is read (a SELECT ... FOR
    # UPDATE is a no-op there), so a concurrent review waits and then reads what this one committed.
    session.execute(
        update(Contribution)
        .where(Contribution.id == contribution_id)
        .values(status=Contribution.status)
        .execution_options(synchronize_session=False)
    )
    contribution = session.scalars(
        select(Contribution)
        .where(Contribution.id == contribution_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if contribution is None:
        raise UnknownContributionError(f"no contribution {contribution_id}")
    return contribution


def _earlier_copy(session: Session, contribution: Contribution) -> Contribution | None:
    return session.scalars(
        select(Contribution)
        .where(
            Contribution.dataset_id == contribution.dataset_id,
            Contribution.cid == contribution.cid,
            Contribution.id < contribution.id,
            Contribution.status != ContributionStatus.REJECTED,
        )
        .order_by(Contribution.id)
        .limit(1)
    ).one_or_none()


def _reject(contribution: Contribution, reason: str) -> None:
    contribution.status = ContributionStatus.REJECTED
    contribution.weight = 0
    contribution.reason = reason


def _weigh(
    session: Session,
    store: ContentStore,
    contribution: Contribution,
    *,
    rules: ContributionRules,
    max_bytes: int,
    clock: EpochClock,
) -> None:
    allowance = _allowance(session, contribution, rules, clock)
    if allowance == 0:
        _reject(contribution, _cap_reached(rules))
        return
    try:
        # Reading through the store re-hashes every block: the hash check of what was uploaded.
        found = records(
            media_type=contribution.media_type,
            size=contribution.size,
            max_bytes=max_bytes,
            chunks=store.iter_content(cid=contribution.cid),
            rules=rules,
        )
        tally = _claim(session, contribution, found, allowance)
    except ContributionRejected as rejection:
        _unclaim(session, contribution)
        _reject(contribution, str(rejection))
        return
    if tally.new == 0:
        _reject(
            contribution,
            f"no new record: all {tally.found} of the file's records are already in this dataset "
            "(or repeat within the file)",
        )
        return
    contribution.status = ContributionStatus.ACCEPTED
    contribution.weight = tally.new
    contribution.reason = _partial(tally, rules)


@dataclass
class _Tally:
    found: int = 0  # records that count in the file, repeats included
    new: int = 0  # of them, those this contribution brought to the dataset first
    capped: bool = False  # records were left unclaimed because the epoch cap was reached


def _claim(
    session: Session, contribution: Contribution, found: Iterator[Record], allowance: int | None
) -> _Tally:
    """Stores the hashes of the records new to the dataset, in batches, up to ``allowance`` of them; the rest
    of the file is still read, so that it is checked whole."""
    tally = _Tally()
    for batch in _batched(found, CLAIM_BATCH):
        tally.found += len(batch)
        pending = _claim_order(batch, capped=allowance is not None)
        while pending and not tally.capped:
            room = len(pending) if allowance is None else allowance - tally.new
            if room == 0:
                tally.capped = True
                break
            attempt, pending = pending[:room], pending[room:]
            tally.new += _insert_new(session, contribution, attempt)
    return tally


def _claim_order(batch: list[Record], *, capped: bool) -> list[bytes]:
    """The batch's distinct digests: in file order under a cap (the file's first new records count), else
    sorted, so that concurrent reviews (not serialised then) take conflicting keys in one order and wait for
    each other instead of deadlocking."""
    distinct = dict.fromkeys(record.digest for record in batch)
    return list(distinct) if capped else sorted(distinct)


def _batched(found: Iterator[Record], size: int) -> Iterator[list[Record]]:
    while batch := list(islice(found, size)):
        yield batch


def _insert_new(session: Session, contribution: Contribution, digests: list[bytes]) -> int:
    """Inserts the hashes no contribution claimed yet; the number inserted. A concurrent review's
    uncommitted claim makes this wait for its end (PostgreSQL) or SQLite's write lock serialises them."""
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    statement = (
        dialect_insert(ContributionRecord)
        .values(
            [
                {
                    "dataset_id": contribution.dataset_id,
                    "record_hash": digest,
                    "contribution_id": contribution.id,
                }
                for digest in digests
            ]
        )
        .on_conflict_do_nothing(index_elements=["dataset_id", "record_hash"])
        .returning(ContributionRecord.record_hash)
    )
    return len(session.execute(statement).all())


def _unclaim(session: Session, contribution: Contribution) -> None:
    session.execute(delete(ContributionRecord).where(ContributionRecord.contribution_id == contribution.id))


def _allowance(
    session: Session, contribution: Contribution, rules: ContributionRules, clock: EpochClock
) -> int | None:
    """What the contributor may still earn in this dataset this epoch (None: no cap)."""
    if rules.max_weight_per_epoch is None:
        return None
    now = int(datetime.now(UTC).timestamp())
    # The current epoch's start; before genesis, the same fixed-length windows continue backwards.
    start = clock.genesis + (now - clock.genesis) // clock.length * clock.length
    used = session.scalar(
        select(func.coalesce(func.sum(Contribution.weight), 0)).where(
            Contribution.dataset_id == contribution.dataset_id,
            Contribution.contributor == contribution.contributor,
            Contribution.status == ContributionStatus.ACCEPTED,
            Contribution.reviewed_at >= datetime.fromtimestamp(start, UTC),
        )
    )
    return max(rules.max_weight_per_epoch - int(used or 0), 0)


def _cap_reached(rules: ContributionRules) -> str:
    return (
        f"you have reached this dataset's cap of {rules.max_weight_per_epoch} records per contributor this "
        "epoch; contribute the file again next epoch"
    )


def _partial(tally: _Tally, rules: ContributionRules) -> str | None:
    """Why an accepted contribution weighs less than its records (None when every record counts)."""
    if tally.capped:
        return (
            f"{tally.new} records count: this dataset's cap of {rules.max_weight_per_epoch} records per "
            "contributor this epoch is reached, the file's other records were not counted (contribute them "
            "again next epoch)"
        )
    if tally.new < tally.found:
        return (
            f"{tally.new} of the file's {tally.found} records are new; the others are already in this "
            "dataset or repeat within the file"
        )
    return None


def accepted_weights(*, session: Session, dataset_id: int) -> dict[str, int]:
    """Each contributor's total accepted weight in a dataset."""
    weights: dict[str, int] = {}
    rows = session.execute(
        select(Contribution.contributor, Contribution.weight).where(
            Contribution.dataset_id == dataset_id, Contribution.status == ContributionStatus.ACCEPTED
        )
    )
    for contributor, weight in rows:
        weights[contributor] = weights.get(contributor, 0) + weight
    return weights
