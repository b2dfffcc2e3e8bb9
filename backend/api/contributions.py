"""``/v1/contributions``: files contributed to datasets by signed-in contributors, and their review."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from backend.api.deps import CurrentAddress, SessionDep, SettingsDep
from backend.api.problems import ProblemError, problem_responses
from backend.core.queue import REVIEW_CONTRIBUTION
from backend.domain.contribution_rules import ContributionRejected as Rejected
from backend.domain.contribution_rules import ContributionTooLarge, UnsupportedMediaType
from backend.models.assets import Asset
from backend.models.contributions import Contribution, ContributionStatus
from backend.services import contributions as service
from backend.storage import Cid, content_store
from backend.storage.unixfs import ReadableStream

MAX_ID = 2**63 - 1
# Hard ceiling on an upload request; the settings' max_upload_size (at most this) is the limit users meet.
UPLOAD_BODY_CEILING = 1024**3

router = APIRouter(prefix="/v1/contributions", tags=["contributions"], max_body_size=UPLOAD_BODY_CEILING)


class ContributionInfo(BaseModel):
    id: int
    dataset_id: int
    contributor: str
    cid: str = Field(description="CIDv0, as `ipfs add` prints it")
    cid_v1: str = Field(description="the same content's CIDv1 (base32)")
    filename: str
    media_type: str
    size: int
    status: ContributionStatus = Field(description="pending until reviewed, then accepted or rejected")
    reason: str | None = Field(
        description="why it was rejected, or why an accepted one weighs less than its records"
    )
    duplicate_of: int | None = Field(description="the earlier contribution of the same file to this dataset")
    weight: int = Field(
        description="its records new to the dataset (up to the contributor's per-epoch cap), counted towards "
        "the contributor's reward share (when accepted)"
    )
    submitted_at: datetime
    reviewed_at: datetime | None

    @classmethod
    def of(cls, contribution: Contribution) -> ContributionInfo:
        stored = {name: getattr(contribution, name) for name in cls.model_fields if name != "cid_v1"}
        return cls(**stored, cid_v1=str(Cid.parse(contribution.cid).to_v1()))


@router.post(
    "",
    status_code=201,
    responses=problem_responses(401, 404, 413, 415, 422, 429),
    summary="Contribute a file to a dataset (stored on IPFS, then reviewed)",
)
def contribute(
    dataset_id: Annotated[int, Form(ge=1, le=MAX_ID, description="the dataset to contribute to")],
    file: Annotated[UploadFile, File(description="text, CSV, JSON, JSON Lines, PNG or JPEG")],
    address: CurrentAddress,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> ContributionInfo:
    dataset = session.get(Asset, dataset_id)
    if dataset is None or dataset.kind != "dataset":
        raise ProblemError(
            404, f"Dataset {dataset_id} is not registered (or not indexed yet).", name="not-found"
        )
    media_type = (file.content_type or "application/octet-stream").split(";")[0].strip().lower()
    try:
        contribution = service.submit_contribution(
            session=session,
            store=content_store(data_dir=settings.data_dir, ipfs_api=settings.ipfs_api),
            dataset_id=dataset_id,
            contributor=address,
            filename=(file.filename or "upload")[:255],
            media_type=media_type,
            stream=cast(ReadableStream, file.file),  # a SpooledTemporaryFile: it has readinto
            max_bytes=min(settings.max_upload_size, UPLOAD_BODY_CEILING),
        )
    except ContributionTooLarge as error:
        raise ProblemError(413, f"The file is too large: {error}.", name="upload-too-large") from None
    except UnsupportedMediaType as error:
        raise ProblemError(
            415, f"The file is not accepted: {error}.", name="unsupported-media-type"
        ) from None
    except Rejected as error:
        raise ProblemError(422, f"The file is not accepted: {error}.", name="invalid-upload") from None
    request.app.state.queue.send_task(REVIEW_CONTRIBUTION, args=[contribution.id])
    return ContributionInfo.of(contribution)


@router.get("", responses=problem_responses(422, 429), summary="Contributions, newest first")
def list_contributions(
    session: SessionDep,
    contributor: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
    dataset_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: ContributionStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ContributionInfo]:
    query = select(Contribution).order_by(Contribution.id.desc()).limit(limit).offset(offset)
    if contributor is not None:
        query = query.where(func.lower(Contribution.contributor) == contributor.lower())
    if dataset_id is not None:
        query = query.where(Contribution.dataset_id == dataset_id)
    if status is not None:
        query = query.where(Contribution.status == status)
    return [ContributionInfo.of(c) for c in session.scalars(query)]


@router.get("/{contribution_id}", responses=problem_responses(404, 422, 429), summary="One contribution")
def get_contribution(
    contribution_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: SessionDep
) -> ContributionInfo:
    contribution = session.get(Contribution, contribution_id)
    if contribution is None:
        raise ProblemError(404, f"No contribution {contribution_id}.", name="not-found")
    return ContributionInfo.of(contribution)
