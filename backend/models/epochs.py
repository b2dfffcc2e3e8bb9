"""The closing of each epoch: where it stands, so a crash in the middle resumes without repeating a step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UtcDateTime


class EpochClose(Base):
    __tablename__ = "epoch_closes"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The last block that counts for the epoch: past the confirmation depth and before the epoch's end.
    end_block: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # "closing" | "closed"
    # Oracle transactions sent for the epoch, by step ("dataset:3", "pull", "root", "settle:0", ...).
    transactions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
