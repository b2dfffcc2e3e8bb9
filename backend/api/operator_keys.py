"""``/v1/operator-keys``: API keys with which a model's serving gateway reports usage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import JSON_BODY_LIMIT, CurrentAddress, OperatorKeyDep, SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.services import operator_keys as service

router = APIRouter(prefix="/v1/operator-keys", tags=["operator keys"], max_body_size=JSON_BODY_LIMIT)

MAX_ID = 2**63 - 1  # ids are 64-bit in the database; larger ones are a 422, not an overflow


class OperatorKeyCreate(BaseModel):
    model_id: int = Field(ge=1, le=MAX_ID, description="the on-chain id of the model the key reports for")
    label: str | None = Field(None, min_length=1, max_length=100, description="a name to tell keys apart")


class OperatorKeyInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    prefix: str = Field(description="the key's first characters, to recognise it")
    model_id: int
    owner: str = Field(description="the address that created the key")
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class OperatorKeyCreated(OperatorKeyInfo):
    key: str = Field(description="the API key itself: shown only in this response, store it now")


@router.post(
    "",
    status_code=201,
    responses=problem_responses(401, 403, 429),
    summary="Create an API key for a model you own or operate (the key is shown once)",
)
def create_key(
    body: OperatorKeyCreate, address: CurrentAddress, session: SessionDep, response: Response
) -> OperatorKeyCreated:
    try:
        key, record = service.create_operator_key(
            session=session, owner=address, model_id=body.model_id, label=body.label
        )
    except service.NotModelOperator as refused:
        raise ProblemError(403, str(refused), name="not-model-operator") from None
    response.headers["Cache-Control"] = "no-store"
    return OperatorKeyCreated(**OperatorKeyInfo.model_validate(record).model_dump(), key=key)


@router.get("", responses=problem_responses(401, 429), summary="Your API keys, revoked ones included")
def list_keys(address: CurrentAddress, session: SessionDep) -> list[OperatorKeyInfo]:
    return [
        OperatorKeyInfo.model_validate(record)
        for record in service.list_operator_keys(session=session, owner=address)
    ]


@router.get(
    "/current",
    responses=problem_responses(401, 429),
    summary="The API key this request is authenticated with (to check a gateway's configuration)",
)
def current_key(key: OperatorKeyDep) -> OperatorKeyInfo:
    return OperatorKeyInfo.model_validate(key)


@router.delete(
    "/{key_id:int}",
    status_code=204,
    responses=problem_responses(401, 404, 429),
    summary="Revoke one of your API keys (it stops working at once)",
)
def revoke_key(
    key_id: Annotated[int, Path(ge=1, le=MAX_ID)], address: CurrentAddress, session: SessionDep
) -> None:
    if not service.revoke_operator_key(session=session, owner=address, key_id=key_id):
        raise ProblemError(404, f"You have no API key with id {key_id}.", name="not-found")
