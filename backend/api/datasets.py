"""``/v1/datasets``: the dataset catalogue, one dataset with its versions and contributions, its contribution
rules (set by its curator), and the inclusion proof of a contribution in a version, checked against the
version's on-chain root."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import JSON_BODY_LIMIT, ContentStoreDep, CurrentAddress, SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.api.types import IdPath, Limit, Offset, Page, Search
from backend.domain.contribution_rules import (
    DEFAULT_MIN_RECORD_BYTES,
    MAX_MIN_RECORD_BYTES,
    ContributionRules,
)
from backend.models.assets import DatasetVersion
from backend.models.contributions import DatasetRules
from backend.services import assets as service
from backend.services import dataset_rules
from backend.services.contribution_proofs import ManifestUnreadable, ProofNotFound, contribution_proof
from backend.storage import ContentStoreError

router = APIRouter(prefix="/v1/datasets", tags=["datasets"], max_body_size=JSON_BODY_LIMIT)


class DatasetVersionInfo(BaseModel):
    version: int
    contributions_root: str = Field(description="Merkle root over the version's accepted contributions")
    manifest_cid: str = Field(description="IPFS CID of the version's manifest (the tree's leaves)")
    block_number: int

    @classmethod
    def of(cls, version: DatasetVersion) -> DatasetVersionInfo:
        return cls(
            version=version.version,
            contributions_root=version.contributions_root,
            manifest_cid=version.manifest_cid,
            block_number=version.block_number,
        )


class DatasetSummary(BaseModel):
    id: int
    curator: str
    manifest_cid: str = Field(description="IPFS CID of the manifest the dataset was registered with")
    registered_block: int
    version_count: int
    latest_version: DatasetVersionInfo | None


class ContributionCounts(BaseModel):
    pending: int
    accepted: int
    rejected: int


class DatasetDetail(BaseModel):
    id: int
    curator: str
    manifest_cid: str
    registered_block: int
    versions: list[DatasetVersionInfo]
    contributions: ContributionCounts = Field(description="contributions submitted here, by review status")


class DatasetRulesBody(BaseModel):
    """A dataset's contribution rules; a field left out takes its default."""

    model_config = ConfigDict(extra="forbid")

    case_insensitive: bool = Field(
        False, description='records differing only in letter case are one record ("Hello" = "hello")'
    )
    min_record_bytes: int = Field(
        DEFAULT_MIN_RECORD_BYTES,
        ge=1,
        le=MAX_MIN_RECORD_BYTES,
        description="shorter records (normalised, in UTF-8 bytes; an image: its file) do not count",
    )
    max_weight_per_epoch: int | None = Field(
        None,
        ge=1,
        le=2**63 - 1,
        description="most weight one contributor earns in this dataset per epoch; null: no cap",
    )


class DatasetRulesInfo(DatasetRulesBody):
    model_config = ConfigDict(extra="ignore")

    dataset_id: int
    updated_by: str | None = Field(description="the curator who set them; null while they are the defaults")
    updated_at: datetime | None


class ContributionLeafInfo(BaseModel):
    contributor: str
    cid: str
    weight: int


class ContributionProofInfo(BaseModel):
    dataset_id: int
    version: int
    contribution_id: int
    leaf: ContributionLeafInfo = Field(
        description='the leaf, encoded ["address", "bytes32", "uint256"] with the CID\'s sha2-256 digest'
    )
    leaf_hash: str = Field(description="keccak256(keccak256(abi.encode(leaf))), as StandardMerkleTree")
    proof: list[str] = Field(description="sibling hashes from the leaf up to the root")
    root: str = Field(description="the version's contributions root on chain")
    manifest_cid: str
    verified: bool = Field(description="whether the proof takes the leaf to the on-chain root")


@router.get("", summary="The dataset catalogue: search by manifest CID or curator address, by id")
def list_datasets(
    session: SessionDep, q: Search = None, offset: Offset = 0, limit: Limit = 50
) -> Page[DatasetSummary]:
    summaries, total = service.list_datasets(session=session, search=q, offset=offset, limit=limit)
    return Page(
        data=[
            DatasetSummary(
                id=summary.asset.id,
                curator=summary.asset.owner,
                manifest_cid=summary.asset.manifest_cid,
                registered_block=summary.asset.registered_block,
                version_count=summary.version_count,
                latest_version=DatasetVersionInfo.of(summary.latest) if summary.latest else None,
            )
            for summary in summaries
        ],
        count=total,
    )


@router.get(
    "/{dataset_id}",
    responses=problem_responses(404),
    summary="One dataset: curator, versions with roots and manifests, contributions by status",
)
def get_dataset(dataset_id: IdPath, session: SessionDep) -> DatasetDetail:
    record = service.get_dataset(session=session, dataset_id=dataset_id)
    if record is None:
        raise ProblemError(404, f"There is no dataset with id {dataset_id}.", name="not-found")
    return DatasetDetail(
        id=record.asset.id,
        curator=record.asset.owner,
        manifest_cid=record.asset.manifest_cid,
        registered_block=record.asset.registered_block,
        versions=[DatasetVersionInfo.of(version) for version in record.versions],
        contributions=ContributionCounts(
            **{status.value: count for status, count in record.contributions.items()}
        ),
    )


@router.get(
    "/{dataset_id}/versions/{version}/proof/{contribution_id}",
    responses=problem_responses(
        404,
        503,
        not_found="No such dataset version, the contribution is not in it, or the version has no readable "
        "contributions manifest",
        service_unavailable="The content store (IPFS) does not answer",
    ),
    summary="Merkle inclusion proof of a contribution in a dataset version, checked against its on-chain root",
)
def get_contribution_proof(
    dataset_id: IdPath,
    version: Annotated[int, Path(ge=1, le=2**32 - 1)],
    contribution_id: IdPath,
    session: SessionDep,
    store: ContentStoreDep,
) -> ContributionProofInfo:
    try:
        proof = contribution_proof(
            session=session,
            store=store,
            dataset_id=dataset_id,
            version=version,
            contribution_id=contribution_id,
        )
    except ProofNotFound as error:
        raise ProblemError(404, str(error), name="not-found") from None
    except ManifestUnreadable as error:
        raise ProblemError(
            404, f"{error} No inclusion proof can be built.", name="manifest-unavailable"
        ) from None
    except ContentStoreError:
        raise ProblemError(
            503, "The content store does not answer; try again later.", name="content-store-unavailable"
        ) from None
    return ContributionProofInfo(
        dataset_id=proof.dataset_id,
        version=proof.version,
        contribution_id=proof.contribution_id,
        leaf=ContributionLeafInfo(
            contributor=proof.leaf.contributor, cid=proof.leaf.cid, weight=proof.leaf.weight
        ),
        leaf_hash=proof.leaf_hash,
        proof=proof.proof,
        root=proof.root,
        manifest_cid=proof.manifest_cid,
        verified=proof.verified,
    )


def _rules_info(dataset_id: int, rules: ContributionRules, row: DatasetRules | None) -> DatasetRulesInfo:
    return DatasetRulesInfo(
        dataset_id=dataset_id,
        case_insensitive=rules.case_insensitive,
        min_record_bytes=rules.min_record_bytes,
        max_weight_per_epoch=rules.max_weight_per_epoch,
        updated_by=row.updated_by if row else None,
        updated_at=row.updated_at if row else None,
    )


@router.get(
    "/{dataset_id}/rules",
    responses=problem_responses(404),
    summary="The dataset's contribution rules: case folding, minimum record size, per-epoch weight cap",
)
def get_dataset_rules(dataset_id: IdPath, session: SessionDep) -> DatasetRulesInfo:
    try:
        rules, row = dataset_rules.get_rules(session=session, dataset_id=dataset_id)
    except dataset_rules.UnknownDatasetError:
        raise ProblemError(404, f"There is no dataset with id {dataset_id}.", name="not-found") from None
    return _rules_info(dataset_id, rules, row)


@router.put(
    "/{dataset_id}/rules",
    responses=problem_responses(401, 403, 404, 429, forbidden="The caller is not the dataset's curator"),
    summary="Set the dataset's contribution rules (its curator only); they apply to later reviews",
)
def put_dataset_rules(
    dataset_id: IdPath, body: DatasetRulesBody, address: CurrentAddress, session: SessionDep
) -> DatasetRulesInfo:
    rules = ContributionRules(**body.model_dump())
    try:
        row = dataset_rules.set_rules(session=session, dataset_id=dataset_id, caller=address, rules=rules)
    except dataset_rules.UnknownDatasetError:
        raise ProblemError(404, f"There is no dataset with id {dataset_id}.", name="not-found") from None
    except dataset_rules.NotCuratorError as refused:
        raise ProblemError(
            403, f"Only the curator sets a dataset's rules; {refused}.", name="not-curator"
        ) from None
    return _rules_info(dataset_id, rules, row)
