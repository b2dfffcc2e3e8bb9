"""``/v1/proposals``: DAO proposals with their state now (read from the governor), tallies, votes with
reasons, and the actions they would execute decoded into function calls with named arguments."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from backend.api.deps import ChainDep, SessionDep
from backend.api.problems import ProblemError, problem_responses
from backend.api.types import Amount, Limit, Offset, Page
from backend.chain.client import NotFoundError, ProposalState
from backend.models.governance import Proposal as ProposalRecord
from backend.services import proposals as service

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])

_CHAIN_DOWN = problem_responses(503, service_unavailable="The blockchain node does not answer")
_SUPPORT: dict[int, Literal["against", "for", "abstain"]] = {0: "against", 1: "for", 2: "abstain"}

StateName = Literal["pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"]
ProposalIdPath = Annotated[
    str, Path(pattern=r"^[0-9]{1,78}$", description="the proposal id (uint256) in decimal digits")
]


def _state(state: ProposalState) -> StateName:
    return state.name.lower()  # type: ignore[return-value]


class Tally(BaseModel):
    for_: Amount = Field(alias="for")
    against: Amount
    abstain: Amount


class ProposalSummary(BaseModel):
    id: str = Field(description="uint256 in decimal digits")
    proposer: str
    title: str = Field(description="the description's first line")
    state: StateName = Field(description="the governor's state now")
    vote_start: int = Field(description="block from which votes count (the snapshot)")
    vote_end: int = Field(description="last block of the vote (after any late-quorum extension)")
    tally: Tally
    created_block: int


class VoteInfo(BaseModel):
    voter: str
    support: Literal["against", "for", "abstain"]
    weight: Amount
    reason: str
    block_number: int


class ActionInfo(BaseModel):
    target: str
    contract: str | None = Field(description="the deployment's name for the target (null: another address)")
    value: Amount = Field(description="wei sent with the call")
    calldata: str
    function: str | None = Field(description="null when no ABI of the deployment decodes the calldata")
    signature: str | None
    args: dict[str, Any] | None = Field(
        description="arguments by name; structs as objects, bytes as hex, integers beyond 2**53 as strings"
    )
    call: str = Field(description="the call as one line, e.g. LicenseManager.setTerms(modelId=1, terms={…})")


class ProposalDetail(ProposalSummary):
    description: str
    snapshot: int
    deadline: int
    eta: int | None = Field(description="earliest execution time (unix seconds) once queued")
    quorum: Amount | None = Field(description="votes (for + abstain) needed; null before the snapshot")
    votes: list[VoteInfo]
    actions: list[ActionInfo]


def _summary(record: ProposalRecord, state: ProposalState) -> dict[str, Any]:
    return {
        "id": record.id,
        "proposer": record.proposer,
        "title": record.description.strip().split("\n", 1)[0],
        "state": _state(state),
        "vote_start": record.vote_start,
        "vote_end": record.vote_end,
        "tally": Tally(
            **{"for": record.votes_for}, against=record.votes_against, abstain=record.votes_abstain
        ),
        "created_block": record.created_block,
    }


@router.get("", responses=_CHAIN_DOWN, summary="Proposals, newest first, with their state now and tallies")
def list_proposals(
    session: SessionDep, chain: ChainDep, offset: Offset = 0, limit: Limit = 20
) -> Page[ProposalSummary]:
    records, total = service.list_proposals(session=session, offset=offset, limit=limit)
    states = service.states(client=chain(), records=records) if records else []
    return Page(
        data=[
            ProposalSummary(**_summary(record, state)) for record, state in zip(records, states, strict=True)
        ],
        count=total,
    )


@router.get(
    "/{proposal_id}",
    responses={**problem_responses(404), **_CHAIN_DOWN},
    summary="One proposal: state, tallies and quorum now, votes with reasons, decoded actions",
)
def get_proposal(proposal_id: ProposalIdPath, session: SessionDep, chain: ChainDep) -> ProposalDetail:
    found = service.get_proposal(session=session, proposal_id=int(proposal_id))
    if found is None:
        raise ProblemError(404, f"There is no proposal with id {proposal_id}.", name="not-found")
    record, votes = found
    client = chain()
    try:
        live = service.live_proposal(client=client, proposal_id=int(record.id))
    except NotFoundError:  # indexed from blocks the chain has since dropped (a reorg not yet indexed)
        raise ProblemError(404, f"There is no proposal with id {proposal_id}.", name="not-found") from None
    proposal = live.proposal
    return ProposalDetail(
        **{
            **_summary(record, proposal.state),
            "tally": Tally(
                **{"for": proposal.votes_for}, against=proposal.votes_against, abstain=proposal.votes_abstain
            ),
        },
        description=record.description,
        snapshot=proposal.snapshot,
        deadline=proposal.deadline,
        eta=proposal.eta or None,
        quorum=live.quorum,
        votes=[
            VoteInfo(
                voter=vote.voter,
                support=_SUPPORT[vote.support],
                weight=vote.weight,
                reason=vote.reason,
                block_number=vote.block_number,
            )
            for vote in votes
        ],
        actions=[
            ActionInfo(
                target=action.target,
                contract=action.call.contract if action.call else None,
                value=action.value,
                calldata=action.calldata,
                function=action.call.function if action.call else None,
                signature=action.call.signature if action.call else None,
                args=action.call.args if action.call else None,
                call=str(action.call) if action.call else f"{action.target}: {action.calldata}",
            )
            for action in service.decode_actions(client=client, record=record)
        ],
    )
