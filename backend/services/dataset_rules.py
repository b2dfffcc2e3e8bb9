"""Each dataset's contribution rules: read by the review, set by the dataset's curator."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.contribution_rules import ContributionRules
from backend.models.assets import Asset
from backend.models.contributions import DatasetRules


class UnknownDatasetError(LookupError):
    """No dataset has this id (or the indexer has not read its registration yet)."""


class NotCuratorError(PermissionError):
    """Only the dataset's curator (its owner in the asset registry) sets its rules."""


def rules_of(row: DatasetRules | None) -> ContributionRules:
    if row is None:
        return ContributionRules()
    return ContributionRules(
        case_insensitive=row.case_insensitive,
        min_record_bytes=row.min_record_bytes,
        max_weight_per_epoch=row.max_weight_per_epoch,
    )


def get_rules(*, session: Session, dataset_id: int) -> tuple[ContributionRules, DatasetRules | None]:
    """The dataset's rules, and the row recording who set them and when (None while it has the defaults)."""
    _dataset(session, dataset_id)
    row = session.get(DatasetRules, dataset_id)
    return rules_of(row), row


def locked_rules(*, session: Session, dataset_id: int) -> ContributionRules:
    """The rules, their row locked until the transaction ends (PostgreSQL): reviews of a dataset with rules
    run one at a time, so two cannot both take what is left of a contributor's epoch cap."""
    row = session.scalars(
        select(DatasetRules).where(DatasetRules.dataset_id == dataset_id).with_for_update()
    ).one_or_none()
    return rules_of(row)


def set_rules(*, session: Session, dataset_id: int, caller: str, rules: ContributionRules) -> DatasetRules:
    """Replaces the dataset's rules; they apply to the reviews after this one (accepted weights stand)."""
    dataset = _dataset(session, dataset_id)
    if dataset.owner.lower() != caller.lower():
        raise NotCuratorError(f"dataset {dataset_id}'s curator is {dataset.owner}")
    row = session.get(DatasetRules, dataset_id) or DatasetRules(dataset_id=dataset_id)
    row.case_insensitive = rules.case_insensitive
    row.min_record_bytes = rules.min_record_bytes
    row.max_weight_per_epoch = rules.max_weight_per_epoch
    row.updated_by = caller
    row.updated_at = datetime.now(UTC)
    session.add(row)
    session.commit()
    return row


def _dataset(session: Session, dataset_id: int) -> Asset:
    dataset = session.get(Asset, dataset_id)
    if dataset is None or dataset.kind != "dataset":
        raise UnknownDatasetError(f"dataset {dataset_id} is not registered (or not indexed yet)")
    return dataset
