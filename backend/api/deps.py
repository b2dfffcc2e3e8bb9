"""Dependencies shared by the routers: settings, database session, who is calling, and rate limits.

Authenticated callers are rate-limited by who they are (``current_address`` per address, ``operator_key``
per key); anonymous routes add ``limit_by_client_ip``. The client IP is the socket's peer: behind a reverse
proxy, run uvicorn with ``--forwarded-allow-ips`` set to the proxy so it takes the proxy's
``X-Forwarded-For`` (a header any client could forge otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from requests.exceptions import RequestException
from sqlalchemy.orm import Session

from backend.api.problems import ProblemError
from backend.chain.client import ChainClient, ChainUnavailable
from backend.chain.manifest import ManifestError
from backend.core.db import get_session
from backend.core.rate_limit import RateLimit, RateLimiter
from backend.core.resources import Resources
from backend.core.settings import Settings, get_settings
from backend.models import AuthSession, OperatorKey
from backend.services import auth as auth_service
from backend.services.operator_keys import authenticate_operator_key
from backend.storage import ContentStore

logger = logging.getLogger(__name__)

# Routers taking JSON accept bodies up to this size (413 above). Limits are set per router only: an app-wide
# limit (FastAPI(max_body_size=...)) would answer 413 from outside ProblemSafetyNetMiddleware, in plain text.
JSON_BODY_LIMIT = 64 * 1024

SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]

_session_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="sessionToken",
    description="The session token from `POST /v1/auth/login` (`pvs_…`).",
)
_key_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="operatorKeyBearer",
    description="An operator API key (`pvk_…`) as a bearer token.",
)
_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="operatorKeyHeader",
    description="An operator API key (`pvk_…`).",
)


def _enforce(request: Request, key: str, limit: RateLimit, whose: str) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    retry_after = limiter.hit(key, limit)
    if retry_after is not None:
        raise ProblemError(
            429,
            f"Too many requests {whose}: the limit is {limit}. Try again in {retry_after} s.",
            name="rate-limited",
            headers={"Retry-After": str(retry_after)},
        )


def limit_by_client_ip(request: Request, settings: SettingsDep) -> None:
    """Rate limit for anonymous routes, per client IP."""
    client = request.client.host if request.client else "unknown"
    _enforce(request, f"ip:{client}", settings.rate_limit_ip, "from this IP address")


def current_session(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_session_bearer)],
) -> AuthSession:
    """The caller's session, from ``Authorization: Bearer <session token>``; 401 without a live one."""
    if credentials is None:
        raise ProblemError(
            401,
            "Sign in first (POST /v1/auth/login) and send the session token as `Authorization: Bearer <token>`.",
            name="authentication-required",
        )
    auth_session = auth_service.authenticate(
        session=session, settings=settings, token=credentials.credentials
    )
    if auth_session is None:
        raise ProblemError(
            401, "The session token is unknown, expired or signed out: sign in again.", name="invalid-session"
        )
    _enforce(request, f"address:{auth_session.address}", settings.rate_limit_address, "for this address")
    return auth_session


CurrentSession = Annotated[AuthSession, Depends(current_session)]


def current_address(auth_session: CurrentSession) -> str:
    """The signed-in caller's address (EIP-55 checksummed)."""
    return auth_session.address


CurrentAddress = Annotated[str, Depends(current_address)]


def operator_key(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    header_key: Annotated[str | None, Depends(_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_key_bearer)],
) -> OperatorKey:
    """The operator key authenticating the request, from ``X-API-Key`` or ``Authorization: Bearer``."""
    bearer_key = bearer.credentials if bearer else None
    if header_key and bearer_key and header_key != bearer_key:
        raise ProblemError(
            401, "X-API-Key and Authorization carry different keys: send one key.", name="invalid-api-key"
        )
    key = header_key or bearer_key
    if not key:
        raise ProblemError(
            401,
            "Send an operator API key as `X-API-Key: <key>` or `Authorization: Bearer <key>`.",
            name="authentication-required",
        )
    record = authenticate_operator_key(session=session, key=key)
    if record is None:
        raise ProblemError(401, "The API key is unknown or has been revoked.", name="invalid-api-key")
    _enforce(request, f"key:{record.id}", settings.rate_limit_api_key, "for this API key")
    return record


OperatorKeyDep = Annotated[OperatorKey, Depends(operator_key)]


def chain_client(request: Request) -> Iterator[Callable[[], ChainClient]]:
    """A function giving the app's chain client, connected on first use: a route validates its input and
    answers what the database can (404) before it needs the node. A node that does not answer, then or
    while the route reads, is a 503 problem (details in the log, not in the answer)."""
    resources: Resources = request.app.state.resources
    try:
        yield lambda: resources.client
    except (ChainUnavailable, RequestException) as error:
        logger.warning("chain node unreachable: %s", error)
        raise ProblemError(
            503, "The blockchain node does not answer; try again later.", name="chain-unavailable"
        ) from None
    except ManifestError as error:
        logger.error("deployment manifest unusable: %s", error)
        raise ProblemError(
            503, "The API is not connected to a deployment of the contracts.", name="chain-unavailable"
        ) from None


# Scope "function": errors raised in the route reach chain_client's handlers before the answer is sent.
ChainDep = Annotated[Callable[[], ChainClient], Depends(chain_client, scope="function")]


def content_store(request: Request) -> ContentStore:
    """The app's content store (IPFS): kubo when configured, else the local block store."""
    resources: Resources = request.app.state.resources
    return resources.store


ContentStoreDep = Annotated[ContentStore, Depends(content_store)]
