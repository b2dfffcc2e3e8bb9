"""DAO proposals and votes, projected from the governor's events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChainInt


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(78), primary_key=True)  # uint256 as decimal text
    proposer: Mapped[str] = mapped_column(String(42))
    targets: Mapped[list[str]] = mapped_column(JSON)
    values: Mapped[list[Any]] = mapped_column(JSON)
    calldatas: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text)
    vote_start: Mapped[int] = mapped_column(BigInteger)
    vote_end: Mapped[int] = mapped_column(BigInteger)
    votes_for: Mapped[int] = mapped_column(ChainInt(), default=0)
    votes_against: Mapped[int] = mapped_column(ChainInt(), default=0)
    votes_abstain: Mapped[int] = mapped_column(ChainInt(), default=0)
    # Lifecycle as the events tell it; the live state (Active, Defeated, ...) comes from the governor.
    queued_eta: Mapped[int | None] = mapped_column(BigInteger)
    executed: Mapped[bool] = mapped_column(default=False)
    canceled: Mapped[bool] = mapped_column(default=False)
    created_block: Mapped[int] = mapped_column(BigInteger)


class Vote(Base):
    __tablename__ = "votes"

    proposal_id: Mapped[str] = mapped_column(String(78), primary_key=True)
    voter: Mapped[str] = mapped_column(String(42), primary_key=True)
    support: Mapped[int] = mapped_column(Integer)  # 0 against, 1 for, 2 abstain
    weight: Mapped[int] = mapped_column(ChainInt())
    reason: Mapped[str] = mapped_column(Text)
    block_number: Mapped[int] = mapped_column(BigInteger)
