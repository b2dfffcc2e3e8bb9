"""Licence terms and licences as the licence manager records them, projected from its events.

Amounts and call counts are ChainInt: their Solidity types (uint64 to uint256) go past a signed BIGINT's
2**63 - 1 (docs/architecture.md, "Large integers")."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChainInt


class TermsVersion(Base):
    __tablename__ = "terms_versions"

    model_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    price: Mapped[int] = mapped_column(ChainInt())
    duration: Mapped[int] = mapped_column(BigInteger)
    contributors_bps: Mapped[int] = mapped_column(Integer)
    derivative_rev_share_bps: Mapped[int] = mapped_column(Integer)
    permissions: Mapped[int] = mapped_column(Integer)
    max_derivatives: Mapped[int] = mapped_column(Integer)
    fee_per_call: Mapped[int] = mapped_column(ChainInt())
    included_calls: Mapped[int] = mapped_column(ChainInt())
    block_number: Mapped[int] = mapped_column(BigInteger)


class LicenceSettlement(Base):
    """What settlement did with a licence's calls in an epoch (LicenseManager.UsageSettled and UsageRefused)."""

    __tablename__ = "licence_settlements"

    licence_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    accepted_calls: Mapped[int] = mapped_column(ChainInt(), default=0)
    refused_calls: Mapped[int] = mapped_column(
        ChainInt(), default=0
    )  # what the oracle reported beyond limits
    fee: Mapped[int] = mapped_column(ChainInt(), default=0)
    paid: Mapped[int] = mapped_column(ChainInt(), default=0)  # from credit; the rest of the fee became debt


class MeteringLimit(Base):
    """A holder's limit of calls per epoch on a licence (0: none), from ``from_epoch`` on
    (LicenseManager.MeteringLimitSet; a later limit for the same epoch replaces it)."""

    __tablename__ = "metering_limits"

    licence_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    from_epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    calls_per_epoch: Mapped[int] = mapped_column(ChainInt())


class Licence(Base):
    __tablename__ = "licences"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    model_id: Mapped[int] = mapped_column(BigInteger, index=True)
    holder: Mapped[str] = mapped_column(String(42), index=True)
    terms_version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[int] = mapped_column(BigInteger)  # unix seconds; valid while now < expires_at
    derivations: Mapped[int] = mapped_column(Integer, default=0)  # models derived under it
    # Usage credit in payment-token units; negative while fees are owed.
    credit: Mapped[int] = mapped_column(ChainInt())
    settled_calls: Mapped[int] = mapped_column(ChainInt(), default=0)
    last_settled_epoch: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether its holder ever set a metering limit (MeteringLimit rows): usage screening looks them up then.
    metering_limited: Mapped[bool] = mapped_column(Boolean, default=False)
