"""The chain as indexed: every event of the platform's contracts, and the block hashes that anchor them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base


class IndexerCursor(Base):
    """Where the indexer stands: the last block fully indexed, its hash and the current log range."""

    __tablename__ = "indexer_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    range_size: Mapped[int] = mapped_column(Integer)


class IndexedBlock(Base):
    """A block the indexer passed through (each range's last block and every block with events): the
    points it can roll back to after a reorg."""

    __tablename__ = "indexed_blocks"

    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(String(66))


class ChainEvent(Base):
    """One decoded event log of a platform contract."""

    __tablename__ = "chain_events"
    __table_args__ = (Index("ix_chain_events_contract_event", "contract", "event"),)

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    transaction_hash: Mapped[str] = mapped_column(String(66))
    contract: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(64))
    # Decoded arguments; integers above 2**53 are kept as decimal strings so every JSON reader agrees.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
