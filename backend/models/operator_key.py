"""API keys with which a model's operator (its serving gateway) reports usage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UtcDateTime


class OperatorKey(Base):
    """A key for one model, created by ``owner``. Only the key's SHA-256 is stored; ``prefix`` (its first
    characters, not enough to guess the rest) lets the owner tell keys apart."""

    __tablename__ = "operator_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    model_id: Mapped[int] = mapped_column(BigInteger, index=True)
    owner: Mapped[str] = mapped_column(String(42), index=True)  # EIP-55 checksummed
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
