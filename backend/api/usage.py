"""``/v1/usage``: metered usage reported by a model's serving gateway with its operator API key."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from backend.api.deps import OperatorKeyDep, SessionDep, SettingsDep
from backend.api.problems import ProblemError, problem_responses
from backend.core.queue import INGEST_USAGE
from backend.domain.epochs import EpochClock
from backend.models.usage import UsageBatch
from backend.services import usage as service

# 1,000 events of about 120 bytes of JSON each, with room to spare.
USAGE_BODY_LIMIT = 256 * 1024
MAX_ID = 2**63 - 1

router = APIRouter(prefix="/v1/usage", tags=["usage"], max_body_size=USAGE_BODY_LIMIT)


# TypedDicts, not models: a batch is 1,000 events, and validating into plain dicts costs a fraction of
# building 1,000 model instances (and leaves far fewer objects for the garbage collector).
class UsageEventIn(TypedDict):
    event_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=r"^[!-~]+$",
            description="unique per event across all batches (printable ASCII, no spaces): replays are ignored",
        ),
    ]
    licence_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    units: Annotated[int, Field(ge=1, le=1_000_000_000, description="metered calls this event stands for")]
    timestamp: Annotated[int, Field(ge=0, le=2**40, description="unix seconds when the calls happened")]


class UsageBatchIn(TypedDict):
    events: Annotated[list[UsageEventIn], Field(min_length=1, max_length=service.MAX_BATCH_EVENTS)]


class RejectedEvent(BaseModel):
    event_id: str
    reason: str


class UsageBatchReceipt(BaseModel):
    batch_id: int
    accepted: int = Field(
        description="events queued for metering (duplicates of earlier ones are dropped later)"
    )
    rejected: list[RejectedEvent]


class UsageBatchStatus(BaseModel):
    batch_id: int
    received_at: datetime
    processed_at: datetime | None = Field(description="null while the batch waits for a worker")
    accepted: int
    inserted: int | None = Field(description="events new to the platform, once processed")
    duplicates: int | None = Field(description="events already counted before, once processed")
    rejected: list[RejectedEvent]


def _clock(settings: SettingsDep) -> EpochClock:
    return EpochClock(genesis=settings.epoch_genesis, length=int(settings.epoch_length.total_seconds()))


@router.post(
    "",
    status_code=202,
    responses=problem_responses(401, 413, 422, 429),
    summary="Report a batch of up to 1,000 usage events (deduplicated by event id)",
)
def report_usage(
    body: UsageBatchIn, key: OperatorKeyDep, session: SessionDep, settings: SettingsDep, request: Request
) -> UsageBatchReceipt:
    events = [(e["event_id"], e["licence_id"], e["units"], e["timestamp"]) for e in body["events"]]
    accepted, rejected = service.screen_events(
        session=session, events=events, model_id=key.model_id, clock=_clock(settings), now=int(time.time())
    )
    batch_id = service.record_batch(
        session=session, events=accepted, operator_key_id=key.id, rejected=rejected
    )
    request.app.state.queue.send_task(INGEST_USAGE, args=[batch_id])
    return UsageBatchReceipt(
        batch_id=batch_id, accepted=len(accepted), rejected=[RejectedEvent(**r) for r in rejected]
    )


@router.get(
    "/batches/{batch_id}",
    responses=problem_responses(401, 404, 429),
    summary="What became of a batch you reported",
)
def batch_status(
    batch_id: Annotated[int, Path(ge=1, le=MAX_ID)], key: OperatorKeyDep, session: SessionDep
) -> UsageBatchStatus:
    batch = session.get(UsageBatch, batch_id)
    if batch is None or batch.operator_key_id != key.id:
        raise ProblemError(
            404, f"No usage batch {batch_id} was reported with this API key.", name="not-found"
        )
    return UsageBatchStatus(
        batch_id=batch.id,
        received_at=batch.received_at,
        processed_at=batch.processed_at,
        accepted=len(batch.events),
        inserted=batch.inserted,
        duplicates=batch.duplicates,
        rejected=[RejectedEvent(**r) for r in batch.rejected],
    )
