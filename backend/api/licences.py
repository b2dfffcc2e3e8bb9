"""``/v1/licences``: licences with their validity, credit and quota; and the validity check that gateways
make before serving a call, alone or for up to 1,000 licences at once.

The validity routes answer from an in-process cache (services/licences.py: the licences asked about are
reloaded in the background every 2 s; expiry is checked against the clock on every answer), so a gateway's
steady stream of checks costs no database query on the request's path.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from backend.api.deps import JSON_BODY_LIMIT, SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.api.types import MAX_ID, Address, Amount, Calls, IdPath, Limit, Offset, Page, TermsInfo
from backend.services import licences as service

router = APIRouter(prefix="/v1/licences", tags=["licences"], max_body_size=JSON_BODY_LIMIT)

MAX_BATCH = 1_000
_refreshing: set[asyncio.Task[None]] = set()


class MeteringLimitInfo(BaseModel):
    from_epoch: int
    calls_per_epoch: Calls = Field(description="most calls charged per epoch from then on; 0: no limit")


class LicenceInfo(BaseModel):
    id: int
    model_id: int
    holder: str
    valid: bool = Field(description="as LicenseManager.isValid: not expired and credit not negative")
    status: service.ValidityStatus
    expires_at: datetime
    derivations: int = Field(
        description="models derived under this licence (at most the terms' max_derivatives)"
    )
    terms: TermsInfo | None = Field(description="the terms it was bought under (null until indexed)")
    credit: Amount = Field(description="usage credit; negative while fees are owed")
    included_calls: Calls | None
    settled_calls: Calls = Field(description="calls settled on chain")
    last_settled_epoch: int
    unsettled_calls: Calls | None = Field(description="calls metered since the last settlement")
    unsettled_fee: Amount | None = Field(
        description="what settling the unsettled calls will take from credit"
    )
    metering_limits: list[MeteringLimitInfo] = Field(
        description="the holder's limits of calls charged per epoch (LicenseManager.setMeteringLimit), oldest "
        "first; calls beyond the one in force are refused when reported and at settlement"
    )
    calls_left: Calls | None = Field(
        description="included calls left plus the calls the credit pays for, once metered calls are "
        "settled; null when calls beyond the included ones are free"
    )

    @classmethod
    def of(cls, record: service.LicenceRecord, now: float) -> LicenceInfo:
        licence, terms, quota = record.licence, record.terms, record.quota
        status = service.validity_status(
            expires_at=licence.expires_at, in_credit=licence.credit >= 0, now=now
        )
        return cls(
            id=licence.id,
            model_id=licence.model_id,
            holder=licence.holder,
            valid=status == "valid",
            status=status,
            expires_at=datetime.fromtimestamp(licence.expires_at, UTC),
            derivations=licence.derivations,
            terms=TermsInfo.of(terms) if terms else None,
            credit=licence.credit,
            included_calls=terms.included_calls if terms else None,
            settled_calls=licence.settled_calls,
            last_settled_epoch=licence.last_settled_epoch,
            unsettled_calls=quota.unsettled_calls if quota else None,
            unsettled_fee=quota.unsettled_fee if quota else None,
            calls_left=quota.calls_left if quota else None,
            metering_limits=[
                MeteringLimitInfo(from_epoch=start, calls_per_epoch=calls)
                for start, calls in record.metering_limits
            ],
        )


class LicenceValidity(BaseModel):
    licence_id: int
    valid: bool
    status: service.ValidityStatus | Literal["unknown"]
    model_id: int | None = Field(description="the model the licence is for (null: unknown licence)")
    expires_at: int | None = Field(description="unix seconds; valid strictly before (null: unknown licence)")


class MeteredByKey(BaseModel):
    operator_key_id: int | None = Field(description="the operator key that reported the calls")
    label: str | None
    units: Calls


class SettlementInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    accepted_calls: Calls = Field(description="calls charged (beyond the included ones they cost a fee)")
    refused_calls: Calls = Field(description="calls reported beyond the holder's limit: never charged")
    fee: Amount
    paid: Amount = Field(description="paid from credit; the rest of the fee became debt")


class SetAsideInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    units: Calls = Field(description="the calls the epoch close could not settle")
    reason: str = Field(description="why: the settlement's revert, alone in its batch")


class EpochUsageInfo(BaseModel):
    epoch: int
    metered: list[MeteredByKey] = Field(description="calls the platform metered, per operator key")
    settlement: SettlementInfo | None = Field(description="what settlement took on chain (null: not settled)")
    set_aside: SetAsideInfo | None = Field(
        description="set when the epoch close could not settle this licence; the epoch's others were settled"
    )


@router.get(
    "/{licence_id}/usage",
    responses=problem_responses(404),
    summary="A licence's usage statement: per epoch, the calls each operator key reported and what settlement took",
)
def get_usage(
    licence_id: IdPath, session: SessionDep, offset: Offset = 0, limit: Limit = 50
) -> Page[EpochUsageInfo]:
    if service.get_licence(session=session, licence_id=licence_id) is None:
        raise ProblemError(404, f"There is no licence with id {licence_id}.", name="not-found")
    epochs, total = service.usage_statement(
        session=session, licence_id=licence_id, offset=offset, limit=limit
    )
    return Page(
        data=[
            EpochUsageInfo(
                epoch=usage.epoch,
                metered=[
                    MeteredByKey(operator_key_id=key, label=label, units=units)
                    for key, label, units in usage.metered
                ],
                settlement=SettlementInfo.model_validate(usage.settlement) if usage.settlement else None,
                set_aside=SetAsideInfo.model_validate(usage.set_aside) if usage.set_aside else None,
            )
            for usage in epochs
        ],
        count=total,
    )


class ValidityRequest(BaseModel):
    licence_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=MAX_BATCH)


class ValidityAnswers(BaseModel):
    data: list[LicenceValidity] = Field(description="one answer per id asked, in the order asked")


def _validity(licence_id: int, facts: service.ValidityFacts | None, now: float) -> LicenceValidity:
    if facts is None:
        return LicenceValidity(
            licence_id=licence_id, valid=False, status="unknown", model_id=None, expires_at=None
        )
    status = service.validity_status(expires_at=facts.expires_at, in_credit=facts.in_credit, now=now)
    return LicenceValidity(
        licence_id=licence_id,
        valid=status == "valid",
        status=status,
        model_id=facts.model_id,
        expires_at=facts.expires_at,
    )


@router.get("", summary="Licences, of a holder or for a model: validity, expiry, credit and calls left")
def list_licences(
    session: SessionDep,
    holder: Annotated[Address | None, Query(description="the holder's address")] = None,
    model_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the licensed model")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[LicenceInfo]:
    records, total = service.list_licences(
        session=session, holder=holder, model_id=model_id, offset=offset, limit=limit
    )
    now = time.time()
    return Page(data=[LicenceInfo.of(record, now) for record in records], count=total)


@router.get(
    "/{licence_id}",
    responses=problem_responses(404),
    summary="One licence: validity, expiry, terms, credit, settled and unsettled calls, calls left",
)
def get_licence(licence_id: IdPath, session: SessionDep) -> LicenceInfo:
    record = service.get_licence(session=session, licence_id=licence_id)
    if record is None:
        raise ProblemError(404, f"There is no licence with id {licence_id}.", name="not-found")
    return LicenceInfo.of(record, time.time())


@router.get(
    "/{licence_id}/validity",
    response_model=LicenceValidity,
    responses=problem_responses(404),
    summary="Whether a licence is valid now (for gateways: answered from memory, refreshed every 2 s)",
)
async def get_validity(licence_id: IdPath, request: Request) -> Response:
    cache: service.LicenceValidityCache = request.app.state.licence_validity
    if cache.refresh_due():
        task = asyncio.create_task(run_in_threadpool(cache.refresh))
        _refreshing.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(_refreshing.discard)
    # A hit answers without leaving the event loop; a miss queries in the thread pool.
    hit, facts = cache.cached(licence_id)
    if not hit:
        facts = (await run_in_threadpool(cache.facts, (licence_id,)))[licence_id]
    if facts is None:
        raise ProblemError(404, f"There is no licence with id {licence_id}.", name="not-found")
    # Serialized here: FastAPI would validate the model again before serializing it.
    return Response(
        _validity(licence_id, facts, time.time()).model_dump_json(), media_type="application/json"
    )


@router.post(
    "/validity",
    summary=f"Validity of up to {MAX_BATCH:,} licences at once (unknown ids answer `unknown`)",
)
def check_validity(body: ValidityRequest, request: Request) -> ValidityAnswers:
    cache: service.LicenceValidityCache = request.app.state.licence_validity
    if cache.refresh_due():
        cache.refresh()
    found = cache.facts(body.licence_ids)
    now = time.time()
    return ValidityAnswers(
        data=[_validity(licence_id, found[licence_id], now) for licence_id in body.licence_ids]
    )
