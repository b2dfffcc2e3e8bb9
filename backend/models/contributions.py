"""Dataset contributions: files stored by CID, their review and their weight in the dataset's rewards; the
records each accepted contribution claimed; and each dataset's contribution rules."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, Integer, LargeBinary, String, func
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


class ContributionRecord(Base):
    """A record (its normalised form's SHA-256) and the accepted contribution that first brought it to the
    dataset: unique per dataset, so no later contribution earns it again."""

    __tablename__ = "contribution_records"

    dataset_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    record_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id"), index=True)


class DatasetRules(Base):
    """What a dataset's curator set (backend.domain.contribution_rules.ContributionRules holds the defaults
    of a dataset without a row)."""

    __tablename__ = "dataset_rules"

    dataset_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_insensitive: Mapped[bool] = mapped_column(Boolean)
    min_record_bytes: Mapped[int] = mapped_column(Integer)
    max_weight_per_epoch: Mapped[int | None] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(42))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
