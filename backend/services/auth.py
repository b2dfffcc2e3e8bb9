"""Sign-In with Ethereum (EIP-4361): nonces, verification of signed messages, sessions.

A client asks for a nonce, has the wallet sign an EIP-4361 message naming this service's domain, URI and
chain and that nonce, and exchanges message and signature for a session token. Each nonce opens at most one
session and only until it expires, so a captured message cannot be replayed.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

from abnf.parser import GrammarWarning
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError as EthValidationError
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.core.security import hash_session_token, new_nonce, new_session_token
from backend.core.settings import Settings
from backend.models import AuthSession, SignInNonce

with warnings.catch_warnings():
    # siwe's grammar restates four RFC 5234 core rules (identically); abnf warns about each redefinition.
    warnings.simplefilter("ignore", GrammarWarning)
    from siwe import SiweMessage
    from siwe.siwe import datetime_from_iso8601_string

# How far ahead of the server's clock a wallet's clock may be when it stamps "Issued At".
CLOCK_SKEW = timedelta(minutes=1)
MAX_MESSAGE_LENGTH = 4096


class SignInRejected(Exception):
    """The message or signature does not sign in; ``reason`` names why, ``detail`` says it to a person."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class MalformedMessage(SignInRejected):
    """The text is not an EIP-4361 message at all."""


def issue_nonce(*, session: Session, settings: Settings) -> SignInNonce:
    now = datetime.now(UTC)
    # Expired nonces can never sign in again: clearing them here keeps the table as small as the traffic.
    session.execute(delete(SignInNonce).where(SignInNonce.expires_at <= now))
    nonce = SignInNonce(nonce=new_nonce(), created_at=now, expires_at=now + settings.nonce_ttl)
    session.add(nonce)
    session.commit()
    return nonce


def sign_in(*, session: Session, settings: Settings, message: str, signature: str) -> tuple[str, AuthSession]:
    """Verifies a signed sign-in message and opens a session; returns the session token (shown once) and the
    session. Raises ``SignInRejected`` (``MalformedMessage`` for text that is not EIP-4361)."""
    now = datetime.now(UTC)
    siwe = _parse(message)
    _check_audience(siwe, settings)
    _check_nonce(session.get(SignInNonce, siwe.nonce), now)
    expires_at = _check_validity(siwe, now)
    _check_signature(message, signature, siwe.address)

    # Mark the nonce used only if it still is unused: of two concurrent sign-ins with it, one wins.
    consumed = session.execute(
        update(SignInNonce)
        .where(SignInNonce.nonce == siwe.nonce, SignInNonce.used_at.is_(None), SignInNonce.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise SignInRejected("siwe-nonce-used", "This nonce has just been used to sign in: get a new one.")
    session.execute(delete(AuthSession).where(AuthSession.expires_at <= now))
    token = new_session_token()
    session_expiry = now + settings.session_ttl
    auth_session = AuthSession(
        token_hash=hash_session_token(token, settings.session_secret.get_secret_value()),
        address=siwe.address,
        created_at=now,
        # A message that says when it stops being valid also bounds the session it opens.
        expires_at=min(session_expiry, expires_at) if expires_at else session_expiry,
    )
    session.add(auth_session)
    session.commit()
    return token, auth_session


def authenticate(*, session: Session, settings: Settings, token: str) -> AuthSession | None:
    """The live session a token opened, or None (unknown, expired or signed out)."""
    token_hash = hash_session_token(token, settings.session_secret.get_secret_value())
    return session.scalars(
        select(AuthSession).where(
            AuthSession.token_hash == token_hash, AuthSession.expires_at > datetime.now(UTC)
        )
    ).one_or_none()


def sign_out(*, session: Session, auth_session: AuthSession) -> None:
    session.execute(delete(AuthSession).where(AuthSession.id == auth_session.id))
    session.commit()


def _parse(message: str) -> SiweMessage:
    try:
        return SiweMessage.from_message(message)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MalformedMessage(
            "siwe-malformed", f"The sign-in message has invalid fields ({fields})."
        ) from None
    except ValueError:
        raise MalformedMessage(
            "siwe-malformed",
            "The text is not an EIP-4361 sign-in message: build it, line by line as EIP-4361 specifies, "
            "from the domain, URI, chain id and nonce that GET /v1/auth/nonce returns.",
        ) from None


def _check_audience(siwe: SiweMessage, settings: Settings) -> None:
    expected_scheme = settings.siwe_uri.split("://", 1)[0]
    if siwe.domain != settings.siwe_domain or (siwe.scheme is not None and siwe.scheme != expected_scheme):
        shown = f"{siwe.scheme}://{siwe.domain}" if siwe.scheme else siwe.domain
        raise SignInRejected(
            "siwe-domain-mismatch",
            f"The message asks to sign in to {shown}, not to this service ({settings.siwe_domain}).",
        )
    if siwe.uri != settings.siwe_uri:
        raise SignInRejected(
            "siwe-uri-mismatch", f"The message's URI is {siwe.uri}; this service expects {settings.siwe_uri}."
        )
    if siwe.chain_id != settings.chain_id:
        raise SignInRejected(
            "siwe-chain-mismatch",
            f"The message is for chain {siwe.chain_id}; this service runs on chain {settings.chain_id}.",
        )


def _check_nonce(nonce: SignInNonce | None, now: datetime) -> None:
    if nonce is None:
        raise SignInRejected(
            "siwe-nonce-unknown",
            "The message's nonce was not issued by this service, or expired long ago: get a new one "
            "from GET /v1/auth/nonce.",
        )
    if nonce.used_at is not None:
        raise SignInRejected(
            "siwe-nonce-used", "The message's nonce has already been used to sign in: get a new one."
        )
    if nonce.expires_at <= now:
        raise SignInRejected(
            "siwe-nonce-expired",
            f"The message's nonce expired at {nonce.expires_at.isoformat()}: get a new one and sign again.",
        )


def _check_validity(siwe: SiweMessage, now: datetime) -> datetime | None:
    """Checks the message's time window; returns its expiration time, if it has one."""
    if datetime_from_iso8601_string(siwe.issued_at) > now + CLOCK_SKEW:
        raise SignInRejected(
            "siwe-not-yet-valid",
            f"The message was issued at {siwe.issued_at}, in the future: check the device's clock.",
        )
    if siwe.not_before is not None and now < datetime_from_iso8601_string(siwe.not_before):
        raise SignInRejected("siwe-not-yet-valid", f"The message is not valid before {siwe.not_before}.")
    if siwe.expiration_time is None:
        return None
    expires_at: datetime = datetime_from_iso8601_string(siwe.expiration_time)
    if now >= expires_at:
        raise SignInRejected("siwe-expired", f"The message expired at {siwe.expiration_time}.")
    return expires_at


def _check_signature(message: str, signature: str, address: str) -> None:
    # Recovered from the exact text received: the signature covers what the wallet showed, byte for byte.
    try:
        signer = Account.recover_message(encode_defunct(text=message), signature=signature)
    except (ValueError, BadSignature, EthValidationError):
        signer = None
    if signer != address:
        raise SignInRejected(
            "siwe-bad-signature", f"The signature is not {address}'s signature of this message."
        )
