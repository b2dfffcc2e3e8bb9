"""Reward maths: pro-rata shares of a pool, rounded down so nothing is ever promised beyond the pool."""

from __future__ import annotations

from collections.abc import Mapping


def pro_rata(*, pool: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Each account's share of ``pool`` by weight, rounded down (the dust, < number of accounts, stays in the
    pool). Accounts with zero weight get nothing; an empty or all-zero weight map allocates nothing."""
    if pool < 0:
        raise ValueError(f"pool must not be negative, got {pool}")
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights must not be negative")
    total = sum(weights.values())
    if total == 0:
        return {}
    return {account: pool * weight // total for account, weight in weights.items() if weight > 0}


def accumulate(previous: Mapping[str, int], *increments: Mapping[str, int]) -> dict[str, int]:
    """Cumulative amounts: ``previous`` plus every increment, per account (a cumulative never decreases)."""
    totals = dict(previous)
    for increment in increments:
        for account, amount in increment.items():
            if amount < 0:
                raise ValueError(f"negative reward {amount} for {account}")
            totals[account] = totals.get(account, 0) + amount
    return totals
