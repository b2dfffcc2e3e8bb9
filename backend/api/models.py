"""``/v1/models``: the model catalogue, one model with its versions, terms, training data and royalty stack,
and its lineage graph. Everything comes from the indexed chain except the royalty stack (read live)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.api.types import (
    EdgeTypeName,
    IdPath,
    Limit,
    Offset,
    Page,
    Search,
    TermsInfo,
    edge_type_name,
)
from backend.models.assets import DatasetVersion, ModelDataset, ModelParent
from backend.services import assets as service
from backend.services.lineage import MAX_DEPTH, model_lineage

router = APIRouter(prefix="/v1/models", tags=["models"])


class ParentInfo(BaseModel):
    model_id: int
    edge_type: EdgeTypeName
    licence_id: int | None = Field(description="the licence on the parent it was derived under (null: owner)")

    @classmethod
    def of(cls, edge: ModelParent) -> ParentInfo:
        return cls(
            model_id=edge.parent_id,
            edge_type=edge_type_name(edge.edge_type),
            licence_id=edge.licence_id or None,
        )


class DatasetUseInfo(BaseModel):
    dataset_id: int
    version: int = Field(description="the dataset version trained on")
    weight_bps: int = Field(description="the dataset's share of the model's contributor revenue")

    @classmethod
    def of(cls, use: ModelDataset) -> DatasetUseInfo:
        return cls(dataset_id=use.dataset_id, version=use.dataset_version, weight_bps=use.weight_bps)


class ModelSummary(BaseModel):
    id: int
    owner: str
    manifest_cid: str = Field(description="IPFS CID of the manifest the model was registered with")
    registered_block: int
    version_count: int
    terms: TermsInfo | None = Field(description="the current licence terms")
    parents: list[ParentInfo]
    datasets: list[DatasetUseInfo]


class ModelVersionInfo(BaseModel):
    version: int
    manifest_cid: str
    weights_hash: str
    block_number: int


class TrainingDatasetInfo(DatasetUseInfo):
    contributions_root: str | None = Field(description="that version's Merkle root over its contributions")
    manifest_cid: str | None = Field(description="that version's manifest (the tree's leaves)")


class RoyaltyStackEntry(BaseModel):
    model_id: int
    rev_share_bps: int = Field(description="share of every payment for this model that the ancestor takes")


class ModelDetail(BaseModel):
    id: int
    owner: str
    manifest_cid: str
    registered_block: int
    versions: list[ModelVersionInfo]
    terms: TermsInfo | None = Field(description="the current licence terms")
    terms_history: list[TermsInfo] = Field(description="every version of the terms, oldest first")
    parents: list[ParentInfo]
    training_datasets: list[TrainingDatasetInfo]
    royalty_stack: list[RoyaltyStackEntry] = Field(
        description="ancestors paid on every payment for this model (on chain, fixed at registration)"
    )


class LineageNode(BaseModel):
    id: int
    kind: Literal["model", "dataset"]
    owner: str = Field(description="the model's owner or the dataset's curator")
    manifest_cid: str
    depth: int = Field(description="steps from the model: negative upstream (ancestors, data), positive down")


class LineageEdge(BaseModel):
    source: int = Field(description="the parent model or the dataset")
    target: int = Field(description="the model derived from it or trained on it")
    type: EdgeTypeName | Literal["TRAINING_DATA"]
    licence_id: int | None = Field(None, description="model edges: the licence it was derived under")
    dataset_version: int | None = Field(None, description="dataset edges: the version trained on")
    weight_bps: int | None = Field(None, description="dataset edges: the dataset's weight")


class LineageGraph(BaseModel):
    model_id: int
    depth: int = Field(description="how many levels were followed each way")
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="true when edges lie beyond the depth or size limit")


def _not_found(model_id: int) -> ProblemError:
    return ProblemError(404, f"There is no model with id {model_id}.", name="not-found")


@router.get("", summary="The model catalogue: search by manifest CID or owner address, by id")
def list_models(
    session: SessionDep, q: Search = None, offset: Offset = 0, limit: Limit = 50
) -> Page[ModelSummary]:
    summaries, total = service.list_models(session=session, search=q, offset=offset, limit=limit)
    return Page(
        data=[
            ModelSummary(
                id=summary.asset.id,
                owner=summary.asset.owner,
                manifest_cid=summary.asset.manifest_cid,
                registered_block=summary.asset.registered_block,
                version_count=summary.version_count,
                terms=TermsInfo.of(summary.terms) if summary.terms else None,
                parents=[ParentInfo.of(edge) for edge in summary.parents],
                datasets=[DatasetUseInfo.of(use) for use in summary.datasets],
            )
            for summary in summaries
        ],
        count=total,
    )


@router.get(
    "/{model_id}",
    responses=problem_responses(404, 503, service_unavailable="The blockchain node does not answer"),
    summary="One model: versions, terms history, training datasets, parents and royalty stack",
)
def get_model(model_id: IdPath, session: SessionDep, chain: ChainDep) -> ModelDetail:
    record = service.get_model(session=session, model_id=model_id)
    if record is None:
        raise _not_found(model_id)
    client = chain()
    stack = client.call(client.contract("RoyaltyRouter").functions.royaltyStackOf(model_id))
    return ModelDetail(
        id=record.asset.id,
        owner=record.asset.owner,
        manifest_cid=record.asset.manifest_cid,
        registered_block=record.asset.registered_block,
        versions=[
            ModelVersionInfo(
                version=version.version,
                manifest_cid=version.manifest_cid,
                weights_hash=version.weights_hash,
                block_number=version.block_number,
            )
            for version in record.versions
        ],
        terms=TermsInfo.of(record.terms[-1]) if record.terms else None,
        terms_history=[TermsInfo.of(terms) for terms in record.terms],
        parents=[ParentInfo.of(edge) for edge in record.parents],
        training_datasets=[_training_dataset(use, version) for use, version in record.datasets],
        royalty_stack=[
            RoyaltyStackEntry(model_id=ancestor, rev_share_bps=share) for ancestor, share in stack
        ],
    )


def _training_dataset(use: ModelDataset, version: DatasetVersion | None) -> TrainingDatasetInfo:
    return TrainingDatasetInfo(
        **DatasetUseInfo.of(use).model_dump(),
        contributions_root=version.contributions_root if version else None,
        manifest_cid=version.manifest_cid if version else None,
    )


@router.get(
    "/{model_id}/lineage",
    responses=problem_responses(404),
    summary="The lineage graph: ancestors and descendants to a depth, with their training datasets",
)
def get_lineage(
    model_id: IdPath,
    session: SessionDep,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="levels to follow up and down")] = 8,
) -> LineageGraph:
    lineage = model_lineage(session=session, model_id=model_id, depth=depth)
    if lineage is None:
        raise _not_found(model_id)
    return LineageGraph(
        model_id=model_id,
        depth=depth,
        nodes=[
            LineageNode(
                id=asset.id,
                kind="model" if asset.kind == "model" else "dataset",
                owner=asset.owner,
                manifest_cid=asset.manifest_cid,
                depth=distance,
            )
            for asset, distance in lineage.assets
        ],
        edges=[
            *(
                LineageEdge(
                    source=edge.parent_id,
                    target=edge.model_id,
                    type=edge_type_name(edge.edge_type),
                    licence_id=edge.licence_id or None,
                )
                for edge in lineage.parent_edges
            ),
            *(
                LineageEdge(
                    source=use.dataset_id,
                    target=use.model_id,
                    type="TRAINING_DATA",
                    dataset_version=use.dataset_version,
                    weight_bps=use.weight_bps,
                )
                for use in lineage.dataset_edges
            ),
        ],
        truncated=lineage.truncated,
    )
