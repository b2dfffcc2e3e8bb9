"""The closing of each epoch: where it stands, so a crash in the middle resumes without repeating a step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChainInt, UtcDateTime


class EpochClose(Base):
    __tablename__ = "epoch_closes"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The last block that counts for the epoch: past the confirmation depth and before the epoch's end.
    end_block: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # "closing" | "closed"
    # Oracle transactions sent for the epoch, by step ("dataset:3", "pull", "root", "settle:0", ...).
    transactions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Steps whose attempts failed, by step: attempts, last error, when to retry, whether given up.
    failures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SettlementSetAside(Base):
    """A licence's usage an epoch close could not settle: alone in its batch, the settlement reverted (or would
    not fit the gas budget). The epoch's other settlements went ahead; this usage stays unsettled."""

    __tablename__ = "settlement_set_asides"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    licence_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    units: Mapped[int] = mapped_column(ChainInt())
    reason: Mapped[str] = mapped_column(String(500))
    set_aside_at: Mapped[datetime] = mapped_column(UtcDateTime())
