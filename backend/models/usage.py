"""Metered usage: batches as received from operators, deduplicated events, per-(licence, epoch) totals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UtcDateTime

EVENT_ID_MAX_LENGTH = 64


class UsageBatch(Base):
    """One accepted API batch, stored before processing so a crash loses nothing."""

    __tablename__ = "usage_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operator_key_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # [[event_id, licence_id, units, timestamp], ...] exactly as validated by the API.
    events: Mapped[list[list[str | int]]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    inserted: Mapped[int | None] = mapped_column(Integer)
    duplicates: Mapped[int | None] = mapped_column(Integer)
    # Events refused at the API, with the reason: [{"event_id": ..., "reason": ...}, ...].
    rejected: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class UsageEvent(Base):
    """A metered event, kept once per event id whatever how often it was delivered."""

    __tablename__ = "usage_events"

    event_id: Mapped[str] = mapped_column(String(EVENT_ID_MAX_LENGTH), primary_key=True)
    licence_id: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[int] = mapped_column(BigInteger)  # unix seconds
    epoch: Mapped[int] = mapped_column(Integer)
    # The batch that first delivered it: no foreign key, which would check that batch again for each event
    # inserted (ingest_batch inserts only the id of the batch it holds locked; batches are never deleted).
    batch_id: Mapped[int] = mapped_column(Integer)


class UsageAggregate(Base):
    """Units (metered calls) of a licence in an epoch, summed from deduplicated events only."""

    __tablename__ = "usage_aggregates"

    licence_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    units: Mapped[int] = mapped_column(BigInteger)
