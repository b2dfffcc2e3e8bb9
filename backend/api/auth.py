"""``/v1/auth``: Sign-In with Ethereum (EIP-4361) and sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from backend.api.deps import JSON_BODY_LIMIT, CurrentSession, SessionDep, SettingsDep, limit_by_client_ip
from backend.api.problems import ProblemError, problem_responses
from backend.services import auth as auth_service

router = APIRouter(prefix="/v1/auth", tags=["auth"], max_body_size=JSON_BODY_LIMIT)

_NO_STORE = {"Cache-Control": "no-store"}


class SignInChallenge(BaseModel):
    """What an EIP-4361 message to this service must say."""

    nonce: str = Field(description="single-use; put it in the message's `Nonce` line")
    expires_at: datetime = Field(description="the nonce is refused after this time")
    domain: str
    uri: str
    chain_id: int
    version: Literal["1"] = "1"


class SignInRequest(BaseModel):
    message: str = Field(
        min_length=1,
        max_length=auth_service.MAX_MESSAGE_LENGTH,
        description="the EIP-4361 message, exactly as signed",
    )
    signature: str = Field(
        pattern=r"^0x[0-9a-fA-F]{130}$",
        description="the wallet's EIP-191 `personal_sign` signature (65 bytes)",
    )


class SessionToken(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown only once")
    token_type: Literal["bearer"] = "bearer"
    address: str
    expires_at: datetime


class SessionInfo(BaseModel):
    address: str
    expires_at: datetime


@router.get(
    "/nonce",
    dependencies=[Depends(limit_by_client_ip)],
    responses=problem_responses(429),
    summary="Get a nonce and the other fields a sign-in message must carry",
)
def get_nonce(session: SessionDep, settings: SettingsDep, response: Response) -> SignInChallenge:
    nonce = auth_service.issue_nonce(session=session, settings=settings)
    response.headers.update(_NO_STORE)
    return SignInChallenge(
        nonce=nonce.nonce,
        expires_at=nonce.expires_at,
        domain=settings.siwe_domain,
        uri=settings.siwe_uri,
        chain_id=settings.chain_id,
    )


@router.post(
    "/login",
    dependencies=[Depends(limit_by_client_ip)],
    responses=problem_responses(
        401,
        429,
        unauthorized="The message is for another domain, URI or chain, its nonce is unknown, used or expired, "
        "it is outside its validity window, or the signature is not the address's",
    ),
    summary="Exchange a signed EIP-4361 message for a session token",
)
def login(
    body: SignInRequest, session: SessionDep, settings: SettingsDep, response: Response
) -> SessionToken:
    try:
        token, auth_session = auth_service.sign_in(
            session=session, settings=settings, message=body.message, signature=body.signature
        )
    except auth_service.MalformedMessage as exc:
        raise ProblemError(422, exc.detail, name=exc.reason, title="Malformed sign-in message") from None
    except auth_service.SignInRejected as exc:
        raise ProblemError(401, exc.detail, name=exc.reason, title="Sign-in rejected") from None
    response.headers.update(_NO_STORE)
    return SessionToken(token=token, address=auth_session.address, expires_at=auth_session.expires_at)


@router.get("/me", responses=problem_responses(401, 429), summary="Who the session token signs in")
def me(auth_session: CurrentSession) -> SessionInfo:
    return SessionInfo(address=auth_session.address, expires_at=auth_session.expires_at)


@router.post(
    "/logout",
    status_code=204,
    responses=problem_responses(401, 429),
    summary="End the session (the token stops working at once)",
)
def logout(auth_session: CurrentSession, session: SessionDep) -> None:
    auth_service.sign_out(session=session, auth_session=auth_session)
