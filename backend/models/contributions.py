"""Dataset contributions: files stored by CID, their review and their weight in the dataset's rewards."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UtcDateTime


class ContributionStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Contribution(Base):
    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_dataset_cid", "dataset_id", "cid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(BigInteger, index=True)
    contributor: Mapped[str] = mapped_column(String(42), index=True)  # checksummed address
    cid: Mapped[str] = mapped_column(String(64))  # CIDv0, as `ipfs add` prints it
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ContributionStatus] = mapped_column(
        Enum(ContributionStatus, native_enum=False, length=16), default=ContributionStatus.PENDING
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("contributions.id"))
    weight: Mapped[int] = mapped_column(BigInteger, default=0)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime(), server_default=func.now())
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
