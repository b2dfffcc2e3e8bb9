"""``/v1/rewards/{account}``: a data contributor's rewards per token (payment token and PROV): the total the
latest rewards tree grants, what was claimed, what can be claimed now with the proof to claim it, and the
history per epoch."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from web3 import Web3

from backend.api.deps import SessionDep
from backend.api.types import Address, Amount
from backend.services import rewards as service

router = APIRouter(prefix="/v1/rewards", tags=["rewards"])

RootStatus = Literal["pending", "accepted", "revoked", "unsubmitted"]


class ClaimInfo(BaseModel):
    """The arguments of ``RewardDistributor.claim(account, token, cumulativeAmount, proof)``."""

    epoch: int = Field(description="epoch of the distributor's current root")
    root: str
    cumulative_amount: Amount
    proof: list[str]
    verified: bool = Field(description="whether the proof takes the leaf to the root")


class TokenRewardsInfo(BaseModel):
    token: str
    cumulative_amount: Amount = Field(description="what the latest tree grants in total (root maybe pending)")
    claimed: Amount
    claimable: Amount = Field(description="what a claim pays now (against the current, accepted root)")
    claim: ClaimInfo | None = Field(description="how to claim it; null when nothing is claimable now")


class TokenAmount(BaseModel):
    token: str
    cumulative_amount: Amount
    earned: Amount = Field(description="what this epoch added")


class EpochRewardsInfo(BaseModel):
    epoch: int
    root: str
    status: RootStatus = Field(description="the root's status at the reward distributor")
    acceptable_at: int | None = Field(
        description="unix time (chain time) from which anyone may accept the root; null when not submitted"
    )
    amounts: list[TokenAmount]


class AccountRewardsInfo(BaseModel):
    account: str
    latest_epoch: int | None = Field(description="epoch of the latest rewards tree")
    latest_status: RootStatus | None = Field(description="status of the latest tree's root")
    current_epoch: int | None = Field(description="epoch of the accepted root claims are proved against")
    tokens: list[TokenRewardsInfo]
    history: list[EpochRewardsInfo] = Field(description="oldest first")


def _epoch(point: service.EpochRewards) -> EpochRewardsInfo:
    return EpochRewardsInfo(
        epoch=point.epoch,
        root=point.root,
        status=point.status,
        acceptable_at=point.acceptable_at,
        amounts=[
            TokenAmount(
                token=Web3.to_checksum_address(token),
                cumulative_amount=amount,
                earned=point.earned[token],
            )
            for token, amount in sorted(point.amounts.items())
        ],
    )


@router.get(
    "/{account}", summary="An account's rewards per token: total, claimed, claimable with proof, history"
)
def get_rewards(
    account: Annotated[Address, Path(description="the contributor's address")],
    session: SessionDep,
    history: Annotated[int, Query(ge=1, le=200, description="how many recent epochs to chart")] = 24,
) -> AccountRewardsInfo:
    rewards = service.account_rewards(session=session, account=account, history=history)
    latest = rewards.latest
    return AccountRewardsInfo(
        account=account,
        latest_epoch=latest.epoch if latest else None,
        latest_status=latest.status if latest else None,
        current_epoch=rewards.current_epoch,
        tokens=[
            TokenRewardsInfo(
                token=Web3.to_checksum_address(token.token),
                cumulative_amount=token.cumulative_amount,
                claimed=token.claimed,
                claimable=token.claimable,
                claim=ClaimInfo(
                    epoch=token.claim.epoch,
                    root=token.claim.root,
                    cumulative_amount=token.claim.cumulative_amount,
                    proof=token.claim.proof,
                    verified=token.claim.verified,
                )
                if token.claim
                else None,
            )
            for token in rewards.tokens
        ],
        history=[_epoch(point) for point in rewards.history],
    )
