"""The oracle hot wallet's transactions: nonce allocation and every broadcast (see backend/chain/sender.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.db import Base


class OracleNonce(Base):
    """The next nonce to hand out for one sending address on one chain; its row is the allocation lock."""

    __tablename__ = "oracle_nonces"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(42), primary_key=True)  # checksummed
    next_nonce: Mapped[int] = mapped_column(BigInteger)


class OracleTx(Base):
    """One nonce's transaction: what was asked for and where it stands."""

    __tablename__ = "oracle_txs"
    __table_args__ = (UniqueConstraint("chain_id", "address", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(String(42))
    nonce: Mapped[int] = mapped_column(BigInteger)
    to_address: Mapped[str] = mapped_column(String(42))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    gas_limit: Mapped[int] = mapped_column(BigInteger)
    # pending → mined → confirmed | reverted; failed when the nonce went to a cancellation or to a
    # transaction this sender did not make.
    status: Mapped[str] = mapped_column(String(16), index=True)
    mined_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    effective_gas_price: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    error_name: Mapped[str | None] = mapped_column(String(100))  # e.g. the custom error's name
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    attempts: Mapped[list[OracleTxAttempt]] = relationship(
        back_populates="tx", order_by="OracleTxAttempt.id", cascade="all, delete-orphan"
    )


class OracleTxAttempt(Base):
    """One signed transaction for a nonce: the first send, each fee-bumped replacement, a cancellation."""

    __tablename__ = "oracle_tx_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_id: Mapped[int] = mapped_column(ForeignKey("oracle_txs.id"), index=True)
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # "call" (the asked-for transaction) or "cancel"
    max_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    # Signed before broadcasting, so a crash between the two can be recovered by sending the same bytes.
    raw_tx: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    broadcast_error: Mapped[str | None] = mapped_column(Text)

    tx: Mapped[OracleTx] = relationship(back_populates="attempts")
