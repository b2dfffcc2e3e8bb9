"""``/v1/provenance/{asset_id}``: the audit trail of a model or dataset, each step with the block and
transaction that recorded it on chain."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.api.deps import SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.api.types import EdgeTypeName, IdPath, TermsInfo, edge_type_name
from backend.models.assets import DatasetVersion
from backend.services import provenance as service

router = APIRouter(prefix="/v1/provenance", tags=["provenance"])


class OnChainRef(BaseModel):
    block_number: int
    transaction_hash: str | None = Field(description="null when the event is not indexed (yet)")

    @classmethod
    def of(cls, on_chain: service.OnChain) -> OnChainRef:
        return cls(block_number=on_chain.block_number, transaction_hash=on_chain.transaction_hash)


class ModelVersionStep(BaseModel):
    version: int
    manifest_cid: str
    weights_hash: str
    recorded: OnChainRef


class DatasetVersionStep(BaseModel):
    dataset_id: int
    version: int
    contributions_root: str = Field(description="Merkle root over the version's contributions")
    manifest_cid: str = Field(description="the version's manifest: its contributions (CIDs), in tree order")
    recorded: OnChainRef


class LicenceStep(BaseModel):
    id: int
    holder: str = Field(description="the licence's holder now")
    terms: TermsInfo | None = Field(description="the terms it was bought under, which allowed the derivation")
    purchased: OnChainRef | None


class DerivationStep(BaseModel):
    parent_id: int
    edge_type: EdgeTypeName
    licence_id: int | None = Field(description="null when the registrant owned the parent")
    licence: LicenceStep | None = Field(description="the licence, once indexed")


class TrainingStep(BaseModel):
    dataset_id: int
    version: int
    weight_bps: int
    dataset_version: DatasetVersionStep | None = Field(description="null when that version is not indexed")


class ProvenanceTrail(BaseModel):
    asset_id: int
    kind: Literal["model", "dataset"]
    owner: str = Field(description="the model's owner or the dataset's curator now")
    manifest_cid: str
    registered: OnChainRef
    versions: list[ModelVersionStep] = Field(description="a model's weight versions")
    dataset_versions: list[DatasetVersionStep] = Field(description="a dataset's versions")
    derived_from: list[DerivationStep] = Field(description="a model's parents and the licences used")
    trained_on: list[TrainingStep] = Field(description="a model's training dataset versions")


def _dataset_version(version: DatasetVersion, recorded: service.OnChain) -> DatasetVersionStep:
    return DatasetVersionStep(
        dataset_id=version.dataset_id,
        version=version.version,
        contributions_root=version.contributions_root,
        manifest_cid=version.manifest_cid,
        recorded=OnChainRef.of(recorded),
    )


@router.get(
    "/{asset_id}",
    responses=problem_responses(404),
    summary="Audit trail of a model or dataset: registration, versions, parents and licences, training data",
)
def get_provenance(asset_id: IdPath, session: SessionDep) -> ProvenanceTrail:
    trail = service.asset_provenance(session=session, asset_id=asset_id)
    if trail is None:
        raise ProblemError(404, f"There is no model or dataset with id {asset_id}.", name="not-found")
    return ProvenanceTrail(
        asset_id=trail.asset.id,
        kind="model" if trail.asset.kind == "model" else "dataset",
        owner=trail.asset.owner,
        manifest_cid=trail.asset.manifest_cid,
        registered=OnChainRef.of(trail.registration),
        versions=[
            ModelVersionStep(
                version=version.version,
                manifest_cid=version.manifest_cid,
                weights_hash=version.weights_hash,
                recorded=OnChainRef.of(recorded),
            )
            for version, recorded in trail.model_versions
        ],
        dataset_versions=[
            _dataset_version(version, recorded) for version, recorded in trail.dataset_versions
        ],
        derived_from=[
            DerivationStep(
                parent_id=step.edge.parent_id,
                edge_type=edge_type_name(step.edge.edge_type),
                licence_id=step.edge.licence_id or None,
                licence=LicenceStep(
                    id=step.licence.id,
                    holder=step.licence.holder,
                    terms=TermsInfo.of(step.terms) if step.terms else None,
                    purchased=OnChainRef.of(step.purchase) if step.purchase else None,
                )
                if step.licence
                else None,
            )
            for step in trail.derivations
        ],
        trained_on=[
            TrainingStep(
                dataset_id=step.use.dataset_id,
                version=step.use.dataset_version,
                weight_bps=step.use.weight_bps,
                dataset_version=_dataset_version(step.version, step.committed)
                if step.version and step.committed
                else None,
            )
            for step in trail.training
        ],
    )
