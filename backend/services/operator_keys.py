"""Operator API keys: a model's serving gateway authenticates its usage reports with one.

Only the model's current owner, or an operator that owner named on chain (AssetRegistry.setModelOperator),
may create a key for it, as the indexed projection of the registry says; a key works only while its creator
still qualifies, so it stops when the model changes hands or the operator is removed.

A key is shown once, at creation; only its SHA-256 is stored (see backend/core/security.py). Revoking keeps
the record (with ``revoked_at``) so past reports stay attributable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, or_, select
from sqlalchemy.orm import Session

from backend.core.security import API_KEY_DISPLAY_LENGTH, API_KEY_PREFIX, hash_api_key, new_api_key
from backend.models import Asset, ModelOperator, OperatorKey


class NotModelOperator(Exception):
    """The address neither owns the model nor was named its operator by the owner."""


def meters(
    model_id: SQLColumnExpression[int] | int, address: SQLColumnExpression[str] | str
) -> ColumnElement[bool]:
    """Whether ``address`` may report ``model_id``'s usage: its owner or a named operator (SQL condition)."""
    return or_(
        exists().where(Asset.id == model_id, Asset.kind == "model", Asset.owner == address),
        exists().where(ModelOperator.model_id == model_id, ModelOperator.operator == address),
    )


def create_operator_key(
    *, session: Session, owner: str, model_id: int, label: str | None
) -> tuple[str, OperatorKey]:
    """Creates a key for ``model_id``; returns the key itself (never retrievable again) and its record.
    Raises NotModelOperator unless ``owner`` owns or operates the model."""
    if not session.scalar(select(meters(model_id, owner))):
        raise NotModelOperator(
            f"Only model {model_id}'s owner, or an operator its owner named on chain "
            "(AssetRegistry.setModelOperator), may create a usage key for it; "
            f"{owner} is neither (or the platform has not indexed that yet)."
        )
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
    """The live key record for ``key``: not revoked, its creator still the model's owner or operator; or None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    return session.scalars(
        select(OperatorKey).where(
            OperatorKey.key_hash == hash_api_key(key),
            OperatorKey.revoked_at.is_(None),
            meters(OperatorKey.model_id, OperatorKey.owner),
        )
    ).one_or_none()
