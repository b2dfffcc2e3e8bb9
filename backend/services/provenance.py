"""The audit trail of an asset: its registration, versions, the parents a model was derived from and the
licences it was derived under, and the dataset versions it was trained on, each located in the chain by
block and transaction (``chain_events``) so an auditor can check every step on any node.

Events are found through the blocks the read models recorded (a registration, a version), then matched on
their arguments, which keeps every lookup on the block-number index; the purchases of the licences a model
was derived under are looked up by licence id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models.assets import Asset, DatasetVersion, ModelDataset, ModelParent, ModelVersion
from backend.models.chain import ChainEvent
from backend.models.licences import Licence, TermsVersion
from backend.services.assets import get_model

_REGISTRY_EVENTS = (
    "ModelRegistered",
    "DatasetRegistered",
    "ModelVersionPublished",
    "DatasetVersionCommitted",
)


@dataclass(frozen=True)
class OnChain:
    block_number: int
    transaction_hash: str | None  # None when the event is not (or no longer) indexed


@dataclass(frozen=True)
class Derivation:
    edge: ModelParent
    licence: Licence | None  # None when the registrant owned the parent
    terms: TermsVersion | None  # the terms that licence was bought under
    purchase: OnChain | None


@dataclass(frozen=True)
class Training:
    use: ModelDataset
    version: DatasetVersion | None
    committed: OnChain | None


@dataclass(frozen=True)
class Provenance:
    asset: Asset
    registration: OnChain
    model_versions: list[tuple[ModelVersion, OnChain]]
    dataset_versions: list[tuple[DatasetVersion, OnChain]]
    derivations: list[Derivation]
    training: list[Training]


def _key(event: ChainEvent) -> tuple[str, int, int]:
    args = event.args
    if event.event == "ModelRegistered":
        return event.event, int(args["modelId"]), 1
    if event.event == "DatasetRegistered":
        return event.event, int(args["datasetId"]), 0
    if event.event == "ModelVersionPublished":
        return event.event, int(args["modelId"]), int(args["version"])
    return event.event, int(args["datasetId"]), int(args["version"])


def _registry_events(session: Session, blocks: Iterable[int]) -> dict[tuple[str, int, int], ChainEvent]:
    events = session.scalars(
        select(ChainEvent).where(
            ChainEvent.block_number.in_(set(blocks)),
            ChainEvent.contract == "AssetRegistry",
            ChainEvent.event.in_(_REGISTRY_EVENTS),
        )
    )
    return {_key(event): event for event in events}


def _on_chain(block_number: int, event: ChainEvent | None) -> OnChain:
    return OnChain(block_number=block_number, transaction_hash=event.transaction_hash if event else None)


def asset_provenance(*, session: Session, asset_id: int) -> Provenance | None:
    asset = session.get(Asset, asset_id)
    if asset is None:
        return None
    is_model = asset.kind == "model"
    model_versions: list[ModelVersion] = []
    parents: list[ModelParent] = []
    uses: list[tuple[ModelDataset, DatasetVersion | None]] = []
    if is_model:
        record = get_model(session=session, model_id=asset_id)
        assert record is not None  # the asset is a model
        model_versions, parents, uses = record.versions, record.parents, record.datasets
        dataset_versions = [version for _, version in uses if version is not None]
    else:
        dataset_versions = list(
            session.scalars(
                select(DatasetVersion)
                .where(DatasetVersion.dataset_id == asset_id)
                .order_by(DatasetVersion.version)
            )
        )
    events = _registry_events(
        session,
        [
            asset.registered_block,
            *(version.block_number for version in model_versions),
            *(version.block_number for version in dataset_versions),
        ],
    )
    registration = events.get(
        ("ModelRegistered", asset_id, 1) if is_model else ("DatasetRegistered", asset_id, 0)
    )

    def committed(version: DatasetVersion) -> OnChain:
        key = ("DatasetVersionCommitted", version.dataset_id, version.version)
        return _on_chain(version.block_number, events.get(key))

    training = [
        Training(use=use, version=version, committed=committed(version) if version else None)
        for use, version in uses
    ]
    return Provenance(
        asset=asset,
        registration=_on_chain(asset.registered_block, registration),
        model_versions=[
            (
                version,
                _on_chain(
                    version.block_number,
                    registration
                    if version.version == 1
                    else events.get(("ModelVersionPublished", asset_id, version.version)),
                ),
            )
            for version in model_versions
        ],
        dataset_versions=[] if is_model else [(version, committed(version)) for version in dataset_versions],
        derivations=_derivations(session, parents),
        training=training,
    )


def _derivations(session: Session, parents: list[ModelParent]) -> list[Derivation]:
    licence_ids = [edge.licence_id for edge in parents if edge.licence_id]
    if not licence_ids:
        return [Derivation(edge=edge, licence=None, terms=None, purchase=None) for edge in parents]
    licences = {
        licence.id: (licence, terms)
        for licence, terms in session.execute(
            select(Licence, TermsVersion)
            .outerjoin(
                TermsVersion,
                (TermsVersion.model_id == Licence.model_id) & (TermsVersion.version == Licence.terms_version),
            )
            .where(Licence.id.in_(licence_ids))
        )
    }
    # Decimal text compares alike on both databases: SQLite's json_extract gives a number, PostgreSQL's ->>
    # text, and as_string() casts either to text.
    purchases = {
        int(event.args["licenceId"]): event
        for event in session.scalars(
            select(ChainEvent).where(
                ChainEvent.contract == "LicenseManager",
                ChainEvent.event == "LicensePurchased",
                ChainEvent.args["licenceId"].as_string().in_([str(licence_id) for licence_id in licence_ids]),
            )
        )
    }
    derivations = []
    for edge in parents:
        licence, terms = licences.get(edge.licence_id, (None, None))
        purchase = purchases.get(edge.licence_id)
        derivations.append(
            Derivation(
                edge=edge,
                licence=licence,
                terms=terms,
                purchase=OnChain(purchase.block_number, purchase.transaction_hash) if purchase else None,
            )
        )
    return derivations
