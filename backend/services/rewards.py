"""A contributor's rewards: per token what the latest rewards tree grants in total, what was claimed, what
can be claimed now and the proof to claim it with, and how the total grew epoch by epoch.

The trees are the epoch job's dumps (``RewardTreeRecord``, standard-v1); their roots' status (pending,
accepted, revoked) is the reward distributor's, as indexed. ``RewardDistributor.claim`` checks proofs
against its current root, the last one accepted, so that is the tree claims are proved against, while the
latest tree (maybe still pending) says what the account will be able to claim once its root is accepted.
Each read parses the dumps it needs, so the history is bounded to recent epochs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.merkle import RewardTree
from backend.models.rewards import RewardClaim, RewardRoot, RewardTreeRecord

UNSUBMITTED = "unsubmitted"  # a tree built by the epoch job whose root the distributor has not (yet) seen


@dataclass(frozen=True)
class Claim:
    """What to send to ``RewardDistributor.claim(account, token, cumulative_amount, proof)``."""

    epoch: int
    root: str
    cumulative_amount: int
    proof: list[str]
    verified: bool  # the proof takes the leaf to ``root``


@dataclass(frozen=True)
class TokenRewards:
    token: str  # lowercase, as in the trees
    cumulative_amount: int  # in the latest tree
    claimed: int
    claimable: int  # now, against the current root
    claim: Claim | None  # None when nothing is claimable now


@dataclass(frozen=True)
class EpochRewards:
    epoch: int
    root: str
    status: str  # pending | accepted | revoked | unsubmitted
    acceptable_at: int | None  # unix time from which the distributor may accept the root; None if unsubmitted
    amounts: dict[str, int]  # cumulative amount per token (lowercase) after this epoch
    earned: dict[str, int]  # what this epoch added, per token


@dataclass(frozen=True)
class AccountRewards:
    latest: EpochRewards | None
    current_epoch: int | None  # epoch of the distributor's current root, the one claims are proved against
    tokens: list[TokenRewards]
    history: list[EpochRewards]  # oldest first


def _leaves(dump: dict[str, Any], account: str) -> dict[str, tuple[int, int]]:
    """The account's leaves in a dump: token -> (cumulative amount, tree index)."""
    found = {}
    for value in dump["values"]:
        leaf_account, token, amount = value["value"]
        if leaf_account.lower() == account:
            found[token.lower()] = (int(amount), int(value["treeIndex"]))
    return found


def _proof(tree: Sequence[str], index: int) -> list[str]:
    """Sibling hashes from node ``index`` to the root of a dumped tree (nodes ``2i + 1``, ``2i + 2`` are
    the children of ``i``), read from the dump instead of rebuilding the tree."""
    proof = []
    while index > 0:
        proof.append(tree[index + 1 if index % 2 else index - 1])
        index = (index - 1) // 2
    return proof


def account_rewards(*, session: Session, account: str, history: int) -> AccountRewards:
    """The rewards of ``account`` (checksummed, as the indexer stores addresses) with its last ``history``
    epochs (at least 1)."""
    leaf_account = account.lower()  # the trees hold lowercase addresses
    # One tree more than shown: what the first epoch shown earned is its difference to the one before.
    records = session.scalars(
        select(RewardTreeRecord).order_by(RewardTreeRecord.epoch.desc()).limit(history + 1)
    ).all()[::-1]
    roots = {
        root.epoch: root
        for root in session.scalars(
            select(RewardRoot).where(RewardRoot.epoch.in_([record.epoch for record in records]))
        )
    }
    points: list[EpochRewards] = []
    for record in records:
        amounts = {token: amount for token, (amount, _) in _leaves(record.dump, leaf_account).items()}
        before = points[-1].amounts if points else {}
        submitted = roots.get(record.epoch)
        points.append(
            EpochRewards(
                epoch=record.epoch,
                root=record.root,
                status=submitted.status if submitted else UNSUBMITTED,
                acceptable_at=submitted.acceptable_at if submitted else None,
                amounts=amounts,
                earned={token: amount - before.get(token, 0) for token, amount in amounts.items()},
            )
        )
    latest = points[-1] if points else None

    current = session.scalars(
        select(RewardRoot).where(RewardRoot.status == "accepted").order_by(RewardRoot.epoch.desc()).limit(1)
    ).first()
    current_leaves: dict[str, tuple[int, int]] = {}
    current_tree: list[str] = []
    if current is not None:
        accepted = session.get(RewardTreeRecord, current.epoch)
        # A tree whose root is not the one the distributor accepted cannot prove anything to it.
        if accepted is not None and accepted.root.lower() == current.root.lower():
            current_leaves, current_tree = _leaves(accepted.dump, leaf_account), accepted.dump["tree"]

    claimed = {
        claim.token.lower(): claim.claimed
        for claim in session.scalars(select(RewardClaim).where(RewardClaim.account == account))
    }
    tokens = []
    for token in sorted({*(latest.amounts if latest else {}), *current_leaves, *claimed}):
        already = claimed.get(token, 0)
        claim = None
        if current is not None and token in current_leaves and current_leaves[token][0] > already:
            amount, index = current_leaves[token]
            proof = _proof(current_tree, index)
            claim = Claim(
                epoch=current.epoch,
                root=current.root,
                cumulative_amount=amount,
                proof=proof,
                verified=RewardTree.verify(
                    root=current.root,
                    account=leaf_account,
                    token=token,
                    cumulative_amount=amount,
                    proof=proof,
                ),
            )
        tokens.append(
            TokenRewards(
                token=token,
                cumulative_amount=latest.amounts.get(token, 0) if latest else 0,
                claimed=already,
                claimable=claim.cumulative_amount - already if claim else 0,
                claim=claim,
            )
        )
    return AccountRewards(
        latest=latest,
        current_epoch=current.epoch if current else None,
        tokens=tokens,
        history=points[-history:],
    )
