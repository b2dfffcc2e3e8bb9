"""What contributor pools earned on chain, the reward roots and the claims, projected from events; and the
rewards trees the epoch job publishes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, ChainInt


class PoolCredit(Base):
    """A dataset pool's share of one payment (DatasetPoolCredited)."""

    __tablename__ = "pool_credits"

    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(BigInteger, index=True)
    model_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(ChainInt())


class RewardRoot(Base):
    __tablename__ = "reward_roots"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[str] = mapped_column(String(66))
    tree_cid: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(10))  # pending | accepted | revoked
    acceptable_at: Mapped[int] = mapped_column(BigInteger)


class RewardClaim(Base):
    """What an account has claimed of a token so far (cumulative, from Claimed events)."""

    __tablename__ = "reward_claims"

    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    token: Mapped[str] = mapped_column(String(42), primary_key=True)
    claimed: Mapped[int] = mapped_column(ChainInt())


class RewardTreeRecord(Base):
    """A cumulative rewards tree the epoch job submitted: its dump (standard-v1), where it is stored, and the
    epoch of the accepted (or unlocked pending) tree it was built on."""

    __tablename__ = "reward_trees"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_epoch: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(66))
    tree_cid: Mapped[str] = mapped_column(String(128))
    dump: Mapped[dict[str, Any]] = mapped_column(JSON)


class RewardIncrement(Base):
    """What one epoch adds to the rewards, per account, in the payment token and in PROV (decimal strings).
    A tree is the tree it builds on plus the increments after it, so a revoked root's increments never
    come back and the epochs skipped while a root was locked are carried by the next tree."""

    __tablename__ = "reward_increments"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    payments: Mapped[dict[str, str]] = mapped_column(JSON)
    prov: Mapped[dict[str, str]] = mapped_column(JSON)
