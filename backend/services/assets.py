"""Reads of models and datasets from the read models (services/projections.py): the catalogues and one
asset with everything recorded about it. Each read is a fixed number of queries, whatever the page size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from backend.models.assets import Asset, DatasetVersion, ModelDataset, ModelParent, ModelVersion
from backend.models.contributions import Contribution, ContributionStatus
from backend.models.licences import TermsVersion

MODEL, DATASET = "model", "dataset"


@dataclass(frozen=True)
class ModelSummary:
    asset: Asset
    version_count: int
    terms: TermsVersion | None  # the current terms
    parents: list[ModelParent]
    datasets: list[ModelDataset]


@dataclass(frozen=True)
class ModelRecord:
    asset: Asset
    versions: list[ModelVersion]
    terms: list[TermsVersion]  # oldest first; the last is current
    parents: list[ModelParent]
    datasets: list[tuple[ModelDataset, DatasetVersion | None]]  # each use with the version it names


@dataclass(frozen=True)
class DatasetSummary:
    asset: Asset
    latest: DatasetVersion | None
    version_count: int


@dataclass(frozen=True)
class DatasetRecord:
    asset: Asset
    versions: list[DatasetVersion]
    contributions: dict[ContributionStatus, int]  # how many, by review status


def _search(kind: str, search: str | None) -> Select[Asset]:
    query = select(Asset).where(Asset.kind == kind)
    if search:
        needle = search.lower()
        query = query.where(
            or_(
                func.lower(Asset.manifest_cid).contains(needle, autoescape=True),
                func.lower(Asset.owner).contains(needle, autoescape=True),
            )
        )
    return query


def _page(session: Session, query: Select[Asset], offset: int, limit: int) -> tuple[list[Asset], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(Asset.id).offset(offset).limit(limit))), total


def _grouped(rows: Iterable[Any], key: str) -> defaultdict[int, list[Any]]:
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def list_models(
    *, session: Session, search: str | None, offset: int, limit: int
) -> tuple[list[ModelSummary], int]:
    """A page of models (by id) whose manifest CID or owner contains ``search``, and how many match."""
    assets, total = _page(session, _search(MODEL, search), offset, limit)
    ids = [asset.id for asset in assets]
    version_counts = dict(
        session.execute(
            select(ModelVersion.model_id, func.count())
            .where(ModelVersion.model_id.in_(ids))
            .group_by(ModelVersion.model_id)
        ).all()
    )
    current = (
        select(TermsVersion.model_id, func.max(TermsVersion.version).label("version"))
        .where(TermsVersion.model_id.in_(ids))
        .group_by(TermsVersion.model_id)
        .subquery()
    )
    terms = {
        row.model_id: row
        for row in session.scalars(
            select(TermsVersion).join(
                current,
                (TermsVersion.model_id == current.c.model_id) & (TermsVersion.version == current.c.version),
            )
        )
    }
    parents = _grouped(
        session.scalars(
            select(ModelParent).where(ModelParent.model_id.in_(ids)).order_by(ModelParent.parent_id)
        ),
        "model_id",
    )
    datasets = _grouped(
        session.scalars(
            select(ModelDataset).where(ModelDataset.model_id.in_(ids)).order_by(ModelDataset.dataset_id)
        ),
        "model_id",
    )
    summaries = [
        ModelSummary(
            asset=asset,
            version_count=version_counts.get(asset.id, 0),
            terms=terms.get(asset.id),
            parents=parents[asset.id],
            datasets=datasets[asset.id],
        )
        for asset in assets
    ]
    return summaries, total


def get_model(*, session: Session, model_id: int) -> ModelRecord | None:
    asset = session.get(Asset, model_id)
    if asset is None or asset.kind != MODEL:
        return None
    uses = list(
        session.scalars(
            select(ModelDataset).where(ModelDataset.model_id == model_id).order_by(ModelDataset.dataset_id)
        )
    )
    versions = {
        (version.dataset_id, version.version): version
        for version in session.scalars(
            select(DatasetVersion)
            .join(
                ModelDataset,
                (ModelDataset.dataset_id == DatasetVersion.dataset_id)
                & (ModelDataset.dataset_version == DatasetVersion.version),
            )
            .where(ModelDataset.model_id == model_id)
        )
    }
    return ModelRecord(
        asset=asset,
        versions=list(
            session.scalars(
                select(ModelVersion).where(ModelVersion.model_id == model_id).order_by(ModelVersion.version)
            )
        ),
        terms=list(
            session.scalars(
                select(TermsVersion).where(TermsVersion.model_id == model_id).order_by(TermsVersion.version)
            )
        ),
        parents=list(
            session.scalars(
                select(ModelParent).where(ModelParent.model_id == model_id).order_by(ModelParent.parent_id)
            )
        ),
        datasets=[(use, versions.get((use.dataset_id, use.dataset_version))) for use in uses],
    )


def list_datasets(
    *, session: Session, search: str | None, offset: int, limit: int
) -> tuple[list[DatasetSummary], int]:
    """A page of datasets (by id) whose manifest CID or curator contains ``search``, and how many match."""
    assets, total = _page(session, _search(DATASET, search), offset, limit)
    ids = [asset.id for asset in assets]
    counts = (
        select(
            DatasetVersion.dataset_id,
            func.max(DatasetVersion.version).label("latest"),
            func.count().label("count"),
        )
        .where(DatasetVersion.dataset_id.in_(ids))
        .group_by(DatasetVersion.dataset_id)
        .subquery()
    )
    latest = {
        version.dataset_id: (version, count)
        for version, count in session.execute(
            select(DatasetVersion, counts.c.count).join(
                counts,
                (DatasetVersion.dataset_id == counts.c.dataset_id)
                & (DatasetVersion.version == counts.c.latest),
            )
        )
    }
    summaries = [
        DatasetSummary(
            asset=asset,
            latest=latest[asset.id][0] if asset.id in latest else None,
            version_count=latest[asset.id][1] if asset.id in latest else 0,
        )
        for asset in assets
    ]
    return summaries, total


def get_dataset(*, session: Session, dataset_id: int) -> DatasetRecord | None:
    asset = session.get(Asset, dataset_id)
    if asset is None or asset.kind != DATASET:
        return None
    counts = dict(
        session.execute(
            select(Contribution.status, func.count())
            .where(Contribution.dataset_id == dataset_id)
            .group_by(Contribution.status)
        ).all()
    )
    return DatasetRecord(
        asset=asset,
        versions=list(
            session.scalars(
                select(DatasetVersion)
                .where(DatasetVersion.dataset_id == dataset_id)
                .order_by(DatasetVersion.version)
            )
        ),
        contributions={status: counts.get(status, 0) for status in ContributionStatus},
    )
