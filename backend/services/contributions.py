"""Dataset contributions: stored on upload, then reviewed once (hash check, deduplication by CID within the
dataset, the dataset's rules) and accepted with a weight or rejected with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.contribution_rules import (
    ContributionRejected,
    ContributionTooLarge,
    check_media_type,
    weigh,
)
from backend.models.contributions import Contribution, ContributionStatus
from backend.storage import ContentStore
from backend.storage.unixfs import ReadableStream


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
    *, session: Session, store: ContentStore, contribution_id: int, max_bytes: int
) -> Contribution:
    """Accepts or rejects a pending contribution; a reviewed one is returned as it is."""
    contribution = session.scalars(
        select(Contribution).where(Contribution.id == contribution_id).with_for_update()
    ).one_or_none()
    if contribution is None:
        raise UnknownContributionError(f"no contribution {contribution_id}")
    if contribution.status != ContributionStatus.PENDING:
        session.commit()  # releases the row lock; the caller keeps a loaded, detached-safe object
        return contribution

    original = session.scalars(
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
    if original is not None:
        contribution.status = ContributionStatus.REJECTED
        contribution.duplicate_of = original.id
        contribution.reason = f"duplicate of contribution {original.id} ({contribution.cid})"
    else:
        try:
            # Reading through the store re-hashes every block: the hash check of what was uploaded.
            contribution.weight = weigh(
                media_type=contribution.media_type,
                size=contribution.size,
                max_bytes=max_bytes,
                chunks=store.iter_content(cid=contribution.cid),
            )
            contribution.status = ContributionStatus.ACCEPTED
        except ContributionRejected as rejection:
            contribution.status = ContributionStatus.REJECTED
            contribution.reason = str(rejection)
    contribution.reviewed_at = datetime.now(UTC)
    session.commit()
    return contribution


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
