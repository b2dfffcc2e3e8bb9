"""`provenant dao`: governance — delegate, propose, vote, queue, execute, list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from eth_utils.crypto import keccak
from rich.table import Table
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from backend.chain.client import ChainClient, NotFoundError, Permission, Terms
from backend.chain.manifest import checksum_address
from backend.cli.api import PlatformApi
from backend.cli.common import (
    DEFAULT_API,
    DEFAULT_MANIFEST,
    DEFAULT_RPC,
    ApiUrl,
    CliError,
    JsonFlag,
    ManifestPath,
    PermissionName,
    PrivateKey,
    RpcUrl,
    bad_input,
    command,
    emit,
    open_wallet,
    out,
    parse_amount,
    permissions,
    send_steps,
    show_amount,
    signer,
    terms_tuple,
    token_contract,
    tx_hash,
)
from backend.cli.wallet import Wallet

group = typer.Typer(help="Governance: delegate, propose, vote, queue, execute.", no_args_is_help=True)


class Support(StrEnum):
    AGAINST = "against"
    FOR = "for"
    ABSTAIN = "abstain"


_SUPPORT_VALUE = {Support.AGAINST: 0, Support.FOR: 1, Support.ABSTAIN: 2}


def _terms_json(terms: Terms, decimals: int) -> dict[str, Any]:
    return {
        "price": show_amount(terms.price, decimals),
        "duration_days": terms.duration / 86_400,
        "included_calls": str(terms.included_calls),
        "fee_per_call": show_amount(terms.fee_per_call, decimals),
        "permissions": [flag.name for flag in Permission if terms.permissions & flag],
        "max_derivatives": terms.max_derivatives,
        "derivative_rev_share_bps": terms.derivative_rev_share_bps,
        "contributors_bps": terms.contributors_bps,
    }


def _proposal_actions(
    client: ChainClient, proposal_id: int
) -> tuple[list[str], list[int], list[bytes], bytes]:
    """(targets, values, calldatas, descriptionHash) of a proposal, from its ProposalCreated event."""
    governor = client.contract("ProvenantGovernor")
    logs = governor.events.ProposalCreated().get_logs(from_block=client.manifest.deployment_block)
    for log in logs:
        args = log["args"]
        if int(args["proposalId"]) == proposal_id:
            return (
                list(args["targets"]),
                [int(value) for value in args["values"]],
                [bytes(data) for data in args["calldatas"]],
                keccak(text=args["description"]),
            )
    raise CliError(f"there is no proposal {proposal_id} on this chain: list them with `provenant dao list`")


def _governor_step(
    wallet: Wallet, description: str, make_call: Callable[[Contract], ContractFunction]
) -> Any:
    governor = wallet.client.contract("ProvenantGovernor")
    (receipt,) = send_steps(wallet, [(description, lambda: make_call(governor))])
    return receipt


@command(group, "delegate")
def dao_delegate(
    to: Annotated[str | None, typer.Argument(help="Whom to delegate to (default: yourself).")] = None,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Delegate your PROV votes (undelegated PROV does not vote)."""
    delegatee = signer(key).address if to is None else _address(to, "TO")
    wallet = open_wallet(rpc_url, manifest, key)
    prov = wallet.client.contract("ProvenanceToken")
    (receipt,) = send_steps(wallet, [("delegating", lambda: prov.functions.delegate(delegatee))])
    votes = prov.functions.getVotes(delegatee).call()
    result = {"delegatee": delegatee, "votes": str(votes), "transaction": tx_hash(receipt)}
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Delegated to {delegatee}; it now has {show_amount(votes, 18)} votes"),
    )


def _address(text: str, what: str) -> str:
    try:
        return checksum_address(text, what=what)
    except ValueError as error:
        raise bad_input(str(error)) from None


@command(group, "propose")
def dao_propose(
    model: Annotated[int, typer.Option(help="The model whose licence terms change.")],
    description: Annotated[str, typer.Option(help="What and why; its first line is the title.")],
    price: Annotated[str | None, typer.Option(help="New price, in payment tokens.")] = None,
    duration_days: Annotated[float | None, typer.Option(help="New licence duration in days.")] = None,
    included_calls: Annotated[int | None, typer.Option(help="New included calls.")] = None,
    fee_per_call: Annotated[
        str | None, typer.Option(help="New fee per extra call, in payment tokens.")
    ] = None,
    permission: Annotated[
        list[PermissionName] | None, typer.Option(help="New permissions, all of them (repeatable).")
    ] = None,
    derivative_share_bps: Annotated[int | None, typer.Option(help="New derivative revenue share.")] = None,
    max_derivatives: Annotated[
        int | None, typer.Option(help="New number of models one licence may derive.")
    ] = None,
    contributors_bps: Annotated[int | None, typer.Option(help="New contributors' share.")] = None,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose a licence-terms change for a model (executed by the timelock on the LicenseManager)."""
    wallet = open_wallet(rpc_url, manifest, key)
    client = wallet.client
    decimals = token_contract(client).functions.decimals().call()
    try:
        current = client.terms(model_id=model)
    except NotFoundError:
        raise CliError(f"there is no model {model}: check the id (`provenant model show`)") from None
    changes: dict[str, Any] = {
        "price": price and parse_amount(price, decimals=decimals, what="--price"),
        "duration": duration_days and int(duration_days * 86_400),
        "included_calls": included_calls,
        "fee_per_call": fee_per_call and parse_amount(fee_per_call, decimals=decimals, what="--fee-per-call"),
        "permissions": permission and permissions(permission),
        "derivative_rev_share_bps": derivative_share_bps,
        "max_derivatives": max_derivatives,
        "contributors_bps": contributors_bps,
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if not changes:
        raise bad_input("say what changes: --price, --duration-days, --included-calls, --fee-per-call, ...")
    terms = replace(current, **changes)
    licenses = client.contract("LicenseManager")
    calldata = licenses.encode_abi("setTerms", args=[model, terms_tuple(terms)])
    receipt = _governor_step(
        wallet,
        "proposing",
        lambda governor: governor.functions.propose([licenses.address], [0], [calldata], description),
    )
    created = wallet.event(receipt, "ProvenantGovernor", "ProposalCreated")
    result = {
        "proposal_id": str(created["proposalId"]),
        "vote_start": int(created["voteStart"]),
        "vote_end": int(created["voteEnd"]),
        "terms": _terms_json(terms, decimals),
        "calldata": calldata,
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Proposal {result['proposal_id']}: voting from block {result['vote_start']} to {result['vote_end']}"
        ),
    )


def _proposal_id(text: str) -> int:
    if not text.isdigit():
        raise bad_input(f"PROPOSAL_ID must be the proposal's decimal id, got {text!r}")
    return int(text)


@command(group, "vote")
def dao_vote(
    proposal_id: Annotated[str, typer.Argument(help="The proposal (decimal id).")],
    support: Annotated[Support, typer.Argument(help="for, against or abstain.")],
    reason: Annotated[str, typer.Option(help="Why (recorded on chain).")] = "",
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Vote on an active proposal with the votes delegated to you at its snapshot."""
    pid = _proposal_id(proposal_id)
    wallet = open_wallet(rpc_url, manifest, key)
    receipt = _governor_step(
        wallet,
        "voting",
        lambda governor: governor.functions.castVoteWithReason(pid, _SUPPORT_VALUE[support], reason),
    )
    cast = wallet.event(receipt, "ProvenantGovernor", "VoteCast")
    result = {
        "proposal_id": proposal_id,
        "support": support.value,
        "weight": str(cast["weight"]),
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Voted {support.value} on {proposal_id} with {show_amount(int(cast['weight']), 18)} votes"
        ),
    )


@command(group, "queue")
def dao_queue(
    proposal_id: Annotated[str, typer.Argument(help="The proposal (decimal id).")],
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Queue a passed proposal on the timelock."""
    pid = _proposal_id(proposal_id)
    wallet = open_wallet(rpc_url, manifest, key)
    actions = _proposal_actions(wallet.client, pid)
    receipt = _governor_step(wallet, "queueing", lambda governor: governor.functions.queue(*actions))
    eta = int(wallet.event(receipt, "ProvenantGovernor", "ProposalQueued")["etaSeconds"])
    result = {
        "proposal_id": proposal_id,
        "eta": datetime.fromtimestamp(eta, UTC).isoformat(),
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Queued {proposal_id}; executable from {result['eta']}"),
    )


@command(group, "execute")
def dao_execute(
    proposal_id: Annotated[str, typer.Argument(help="The proposal (decimal id).")],
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Execute a queued proposal once the timelock delay is over."""
    pid = _proposal_id(proposal_id)
    wallet = open_wallet(rpc_url, manifest, key)
    actions = _proposal_actions(wallet.client, pid)
    receipt = _governor_step(wallet, "executing", lambda governor: governor.functions.execute(*actions))
    result = {"proposal_id": proposal_id, "transaction": tx_hash(receipt)}
    emit(result, as_json=as_json, human=lambda: out.print(f"Executed {proposal_id}"))


@command(group, "list")
def dao_list(
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many, newest first.")] = 20,
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """Proposals, newest first, with their state and tallies."""
    with PlatformApi(api_url) as api:
        page: dict[str, Any] = api.get("/v1/proposals", limit=limit)

    def human() -> None:
        table = Table(title=f"Proposals ({page['count']})", title_justify="left")
        for column in ("id", "state", "title", "for", "against", "abstain"):
            table.add_column(column)
        for proposal in page["data"]:
            tally = proposal["tally"]
            table.add_row(
                proposal["id"],
                proposal["state"],
                proposal["title"],
                tally["for"],
                tally["against"],
                tally["abstain"],
            )
        out.print(table)

    emit(page, as_json=as_json, human=human)
