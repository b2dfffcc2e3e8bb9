"""DAO proposals: what the indexer recorded (actions, description, votes with reasons) and what only the
governor knows now (state, quorum)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.chain.calldata import CalldataDecoder, DecodedCall
from backend.chain.client import ChainClient, Proposal, ProposalState
from backend.models.governance import Proposal as ProposalRecord
from backend.models.governance import Vote


@dataclass(frozen=True)
class Action:
    target: str
    value: int
    calldata: str
    call: DecodedCall | None  # None when no ABI of the deployment decodes it


@dataclass(frozen=True)
class LiveProposal:
    proposal: Proposal  # state and tallies from the governor
    quorum: int | None  # votes needed (for + abstain); None while the snapshot is in the future


def list_proposals(*, session: Session, offset: int, limit: int) -> tuple[list[ProposalRecord], int]:
    """A page of proposals, newest first, and how many there are."""
    total = session.scalar(select(func.count()).select_from(ProposalRecord)) or 0
    records = session.scalars(
        select(ProposalRecord)
        .order_by(ProposalRecord.created_block.desc(), ProposalRecord.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return list(records), total


def states(*, client: ChainClient, records: Sequence[ProposalRecord]) -> list[ProposalState]:
    """The governor's state of each proposal now (read at one block)."""
    governor = client.contract("ProvenantGovernor")
    block = client.w3.eth.block_number
    return [
        ProposalState(client.call(governor.functions.state(int(record.id)), block=block))
        for record in records
    ]


def get_proposal(*, session: Session, proposal_id: int) -> tuple[ProposalRecord, list[Vote]] | None:
    """A proposal as indexed, with its votes in the order cast."""
    record = session.get(ProposalRecord, str(proposal_id))
    if record is None:
        return None
    votes = session.scalars(
        select(Vote).where(Vote.proposal_id == record.id).order_by(Vote.block_number, Vote.voter)
    ).all()
    return record, list(votes)


def live_proposal(*, client: ChainClient, proposal_id: int) -> LiveProposal:
    proposal = client.proposal(proposal_id=proposal_id)
    quorum = None
    if proposal.snapshot < client.w3.eth.block_number:  # the governor answers for past snapshots only
        quorum = client.call(client.contract("ProvenantGovernor").functions.quorum(proposal.snapshot))
    return LiveProposal(proposal=proposal, quorum=quorum)


def decode_actions(*, client: ChainClient, record: ProposalRecord) -> list[Action]:
    decoder = CalldataDecoder(client.manifest)
    targets: Sequence[str] = record.targets
    return [
        Action(
            target=target,
            value=int(value),
            calldata=calldata,
            call=decoder.decode(target=target, data=calldata),
        )
        for target, value, calldata in zip(targets, record.values, record.calldatas, strict=True)
    ]
