"""Operations: ``/healthz`` for load balancers and probes, ``/metrics`` for Prometheus (outside ``/v1``: their
paths are conventions of those tools, not part of the versioned API)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.api.deps import SessionDep
from backend.api.problems import ProblemError, problem_responses

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


@router.get(
    "/healthz",
    responses=problem_responses(503, service_unavailable="The database is unreachable"),
    summary="Whether the API can reach its database",
)
def healthz(session: SessionDep) -> Health:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ProblemError(503, "The database is unreachable.", name="database-unavailable") from None
    return Health()


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
    summary="Prometheus metrics (text exposition format)",
)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
