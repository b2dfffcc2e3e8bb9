"""Operator API keys: a model's serving gateway authenticates its usage reports with one.

A key is shown once, at creation; only its SHA-256 is stored (see backend/core/security.py). Revoking keeps
the record (with ``revoked_at``) so past reports stay attributable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.security import API_KEY_DISPLAY_LENGTH, API_KEY_PREFIX, hash_api_key, new_api_key
from backend.models import OperatorKey


def create_operator_key(
    *, session: Session, owner: str, model_id: int, label: str | None
) -> tuple[str, OperatorKey]:
    """Creates a key for ``model_id``; returns the key itself (never retrievable again) and its record."""
    # TODO(chain): check on chain that ``owner`` owns or operates ``model_id`` once backend/chain/ exists.
    key = new_api_key()
    record = OperatorKey(
        key_hash=hash_api_key(key),
        prefix=key[:API_KEY_DISPLAY_LENGTH],
        model_id=model_id,
        owner=owner,
        label=label,
        created_at=datetime.now(UTC),
    )
    session.add(record)
    session.commit()
    return key, record


def list_operator_keys(*, session: Session, owner: str) -> Sequence[OperatorKey]:
    """``owner``'s keys, revoked ones included, newest first."""
    return session.scalars(
        select(OperatorKey).where(OperatorKey.owner == owner).order_by(OperatorKey.id.desc())
    ).all()


def revoke_operator_key(*, session: Session, owner: str, key_id: int) -> bool:
    """Revokes ``owner``'s key ``key_id`` (again is fine); False if ``owner`` has no such key."""
    record = session.get(OperatorKey, key_id)
    if record is None or record.owner != owner:
        return False
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        session.commit()
    return True


def authenticate_operator_key(*, session: Session, key: str) -> OperatorKey | None:
    """The live (unrevoked) key record for ``key``, or None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    return session.scalars(
        select(OperatorKey).where(OperatorKey.key_hash == hash_api_key(key), OperatorKey.revoked_at.is_(None))
    ).one_or_none()
