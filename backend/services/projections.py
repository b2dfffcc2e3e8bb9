"""Read models of the chain: the indexer's events applied, in order, to the tables the API reads.

``apply`` runs in the indexer's transaction for each new event; after a reorg the indexer calls
``rebuild``, which replays what is left of the event log (reorgs are rare and the log is small next to a
chain's history). Integers arrive as JSON numbers or, above 2**53, decimal strings: ``int()`` takes both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.models.assets import (
    Asset,
    DatasetVersion,
    ModelDataset,
    ModelOperator,
    ModelParent,
    ModelVersion,
)
from backend.models.chain import ChainEvent
from backend.models.governance import Proposal, Vote
from backend.models.licences import Licence, LicenceSettlement, MeteringLimit, TermsVersion
from backend.models.rewards import PoolCredit, RewardClaim, RewardRoot

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
TERMS_FIELDS = (
    "price",
    "duration",
    "contributorsBps",
    "derivativeRevShareBps",
    "permissions",
    "maxDerivatives",
    "feePerCall",
    "includedCalls",
)
PROJECTED_TABLES = (
    Asset,
    ModelOperator,
    ModelVersion,
    ModelParent,
    ModelDataset,
    DatasetVersion,
    TermsVersion,
    Licence,
    LicenceSettlement,
    MeteringLimit,
    Proposal,
    Vote,
    PoolCredit,
    RewardRoot,
    RewardClaim,
)

Handler = Callable[[Session, ChainEvent, Mapping[str, Any]], None]
_HANDLERS: dict[tuple[str, str], Handler] = {}


def _on(contract: str, event: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _HANDLERS[(contract, event)] = handler
        return handler

    return register


def apply(session: Session, events: Iterable[ChainEvent]) -> None:
    """Applies events (in chain order) to the read models; events nobody reads are skipped."""
    for event in events:
        handler = _HANDLERS.get((event.contract, event.event))
        if handler is not None:
            handler(session, event, event.args)
            session.flush()


def rebuild(session: Session) -> None:
    """Empties the read models and replays the whole event log."""
    for table in PROJECTED_TABLES:
        session.execute(delete(table))
    events = session.scalars(select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index))
    apply(session, events)


# --- asset registry -------------------------------------------------------------------------------------


@_on("AssetRegistry", "ModelRegistered")
def _model_registered(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    model_id = int(args["modelId"])
    session.add(
        Asset(
            id=model_id,
            kind="model",
            owner=args["owner"],
            manifest_cid=args["manifestCid"],
            registered_block=event.block_number,
        )
    )
    session.add(
        ModelVersion(
            model_id=model_id,
            version=1,
            manifest_cid=args["manifestCid"],
            weights_hash=args["weightsHash"],
            block_number=event.block_number,
        )
    )


@_on("AssetRegistry", "ModelVersionPublished")
def _model_version(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.merge(
        ModelVersion(
            model_id=int(args["modelId"]),
            version=int(args["version"]),
            manifest_cid=args["manifestCid"],
            weights_hash=args["weightsHash"],
            block_number=event.block_number,
        )
    )


@_on("AssetRegistry", "ParentLinked")
def _parent_linked(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        ModelParent(
            model_id=int(args["modelId"]),
            parent_id=int(args["parentId"]),
            edge_type=int(args["edgeType"]),
            licence_id=int(args["licenceId"]),
        )
    )


@_on("AssetRegistry", "TrainingDatasetLinked")
def _dataset_linked(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        ModelDataset(
            model_id=int(args["modelId"]),
            dataset_id=int(args["datasetId"]),
            dataset_version=int(args["version"]),
            weight_bps=int(args["weightBps"]),
        )
    )


@_on("AssetRegistry", "DatasetRegistered")
def _dataset_registered(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        Asset(
            id=int(args["datasetId"]),
            kind="dataset",
            owner=args["curator"],
            manifest_cid=args["manifestCid"],
            registered_block=event.block_number,
        )
    )


@_on("AssetRegistry", "DatasetVersionCommitted")
def _dataset_version(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        DatasetVersion(
            dataset_id=int(args["datasetId"]),
            version=int(args["version"]),
            contributions_root=args["contributionsRoot"],
            manifest_cid=args["manifestCid"],
            block_number=event.block_number,
        )
    )


@_on("AssetRegistry", "Transfer")
def _asset_transferred(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    asset = session.get(Asset, int(args["tokenId"]))
    if asset is not None:  # a mint's Transfer comes before the registration event, which sets the owner
        asset.owner = args["to"]


@_on("AssetRegistry", "ModelOperatorSet")
def _model_operator_set(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    key = (int(args["modelId"]), args["operator"])
    named = session.get(ModelOperator, key)
    if args["allowed"] and named is None:
        session.add(ModelOperator(model_id=key[0], operator=key[1]))
    elif not args["allowed"] and named is not None:
        session.delete(named)


@_on("AssetRegistry", "ModelOperatorsCleared")
def _model_operators_cleared(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.execute(delete(ModelOperator).where(ModelOperator.model_id == int(args["modelId"])))


# --- licence manager ------------------------------------------------------------------------------------


def _terms_values(terms: Any) -> list[int]:
    values = [terms[name] for name in TERMS_FIELDS] if isinstance(terms, Mapping) else list(terms)
    return [int(value) for value in values]


@_on("LicenseManager", "TermsPublished")
def _terms_published(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    price, duration, contributors, derivative, permissions, max_derivatives, fee, included = _terms_values(
        args["terms"]
    )
    session.add(
        TermsVersion(
            model_id=int(args["modelId"]),
            version=int(args["version"]),
            price=price,
            duration=duration,
            contributors_bps=contributors,
            derivative_rev_share_bps=derivative,
            permissions=permissions,
            max_derivatives=max_derivatives,
            fee_per_call=fee,
            included_calls=included,
            block_number=event.block_number,
        )
    )


@_on("LicenseManager", "LicensePurchased")
def _licence_purchased(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        Licence(
            id=int(args["licenceId"]),
            model_id=int(args["modelId"]),
            holder=args["holder"],
            terms_version=int(args["termsVersion"]),
            expires_at=int(args["expiresAt"]),
            derivations=0,
            credit=0,
            settled_calls=0,
            last_settled_epoch=0,
            suspended=False,
        )
    )


@_on("LicenseManager", "CreditDeposited")
def _credit_deposited(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    licence = session.get_one(Licence, int(args["licenceId"]))
    licence.credit += int(args["amount"])


@_on("LicenseManager", "UsageSettled")
def _usage_settled(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    licence = session.get_one(Licence, int(args["licenceId"]))
    licence.credit -= int(args["fee"])  # what credit did not cover is debt: the credit goes negative
    licence.settled_calls += int(args["acceptedCalls"])
    licence.last_settled_epoch = int(args["epoch"])
    settlement = _settlement(session, args)
    settlement.accepted_calls, settlement.fee, settlement.paid = (
        int(args["acceptedCalls"]),
        int(args["fee"]),
        int(args["paid"]),
    )


@_on("LicenseManager", "UsageRefused")
def _usage_refused(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    _settlement(session, args).refused_calls = int(args["refusedCalls"])


def _settlement(session: Session, args: Mapping[str, Any]) -> LicenceSettlement:
    key = (int(args["licenceId"]), int(args["epoch"]))
    settlement = session.get(LicenceSettlement, key)
    if settlement is None:
        settlement = LicenceSettlement(
            licence_id=key[0], epoch=key[1], accepted_calls=0, refused_calls=0, fee=0, paid=0
        )
        session.add(settlement)
    return settlement


@_on("LicenseManager", "CreditWithdrawn")
def _credit_withdrawn(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Licence, int(args["licenceId"])).credit -= int(args["amount"])


@_on("LicenseManager", "MeteringLimitSet")
def _metering_limit_set(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    key = (int(args["licenceId"]), int(args["fromEpoch"]))
    session.get_one(Licence, key[0]).metering_limited = True
    limit = session.get(MeteringLimit, key)
    if limit is None:
        session.add(
            MeteringLimit(licence_id=key[0], from_epoch=key[1], calls_per_epoch=int(args["callsPerEpoch"]))
        )
    else:
        limit.calls_per_epoch = int(args["callsPerEpoch"])


@_on("LicenseManager", "LicenseUsedForDerivation")
def _licence_used_for_derivation(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Licence, int(args["licenceId"])).derivations = int(args["derivations"])


@_on("LicenseManager", "LicenseSuspended")
def _licence_suspended(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Licence, int(args["licenceId"])).suspended = True


@_on("LicenseManager", "LicenseReinstated")
def _licence_reinstated(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Licence, int(args["licenceId"])).suspended = False


@_on("LicenseManager", "Transfer")
def _licence_transferred(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    licence = session.get(Licence, int(args["tokenId"]))
    if licence is not None:
        licence.holder = args["to"]


# --- governance -----------------------------------------------------------------------------------------


@_on("ProvenantGovernor", "ProposalCreated")
def _proposal_created(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        Proposal(
            id=str(int(args["proposalId"])),
            proposer=args["proposer"],
            targets=list(args["targets"]),
            values=[str(int(value)) for value in args["values"]],
            calldatas=list(args["calldatas"]),
            description=args["description"],
            vote_start=int(args["voteStart"]),
            vote_end=int(args["voteEnd"]),
            votes_for=0,
            votes_against=0,
            votes_abstain=0,
            created_block=event.block_number,
        )
    )


@_on("ProvenantGovernor", "VoteCast")
def _vote_cast(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    proposal_id, support, weight = str(int(args["proposalId"])), int(args["support"]), int(args["weight"])
    session.add(
        Vote(
            proposal_id=proposal_id,
            voter=args["voter"],
            support=support,
            weight=weight,
            reason=args["reason"],
            block_number=event.block_number,
        )
    )
    proposal = session.get_one(Proposal, proposal_id)
    if support == 0:
        proposal.votes_against += weight
    elif support == 1:
        proposal.votes_for += weight
    else:
        proposal.votes_abstain += weight


@_on("ProvenantGovernor", "ProposalExtended")
def _proposal_extended(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Proposal, str(int(args["proposalId"]))).vote_end = int(args["extendedDeadline"])


@_on("ProvenantGovernor", "ProposalQueued")
def _proposal_queued(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Proposal, str(int(args["proposalId"]))).queued_eta = int(args["etaSeconds"])


@_on("ProvenantGovernor", "ProposalExecuted")
def _proposal_executed(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Proposal, str(int(args["proposalId"]))).executed = True


@_on("ProvenantGovernor", "ProposalCanceled")
def _proposal_canceled(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(Proposal, str(int(args["proposalId"]))).canceled = True


# --- rewards --------------------------------------------------------------------------------------------


@_on("RoyaltyRouter", "DatasetPoolCredited")
def _pool_credited(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.add(
        PoolCredit(
            block_number=event.block_number,
            log_index=event.log_index,
            dataset_id=int(args["datasetId"]),
            model_id=int(args["modelId"]),
            amount=int(args["amount"]),
        )
    )


@_on("RewardDistributor", "RootSubmitted")
def _root_submitted(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.merge(
        RewardRoot(
            epoch=int(args["epoch"]),
            root=args["root"],
            tree_cid=args["treeCid"],
            status="pending",
            acceptable_at=int(args["acceptableAt"]),
        )
    )


@_on("RewardDistributor", "RootAccepted")
def _root_accepted(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(RewardRoot, int(args["epoch"])).status = "accepted"


@_on("RewardDistributor", "RootRevoked")
def _root_revoked(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.get_one(RewardRoot, int(args["epoch"])).status = "revoked"


@_on("RewardDistributor", "Claimed")
def _claimed(session: Session, event: ChainEvent, args: Mapping[str, Any]) -> None:
    session.merge(
        RewardClaim(account=args["account"], token=args["token"], claimed=int(args["cumulativeAmount"]))
    )
