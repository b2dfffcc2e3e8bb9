"""`provenant rewards`: a data contributor's rewards, shown and claimed."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import typer
from rich.table import Table

from backend.cli.api import PlatformApi
from backend.cli.common import (
    DEFAULT_API,
    DEFAULT_MANIFEST,
    DEFAULT_RPC,
    ApiUrl,
    CliError,
    JsonFlag,
    ManifestPath,
    PrivateKey,
    RpcUrl,
    command,
    emit,
    open_wallet,
    out,
    send_steps,
    signer,
    tx_hash,
)

group = typer.Typer(help="Data contributors' rewards.", no_args_is_help=True)


def _rewards(api: PlatformApi, account: str) -> dict[str, Any]:
    rewards: dict[str, Any] = api.get(f"/v1/rewards/{account}")
    return rewards


@command(group, "show")
def rewards_show(
    account: Annotated[str | None, typer.Argument(help="The contributor (default: --key's address).")] = None,
    api_url: ApiUrl = DEFAULT_API,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """A contributor's rewards per token: total, claimed, claimable now, history per epoch."""
    if account is None:
        account = signer(key).address
    with PlatformApi(api_url) as api:
        rewards = _rewards(api, account)

    def human() -> None:
        table = Table(title=f"Rewards of {rewards['account']}", title_justify="left")
        for column in ("token", "total", "claimed", "claimable"):
            table.add_column(column)
        for token in rewards["tokens"]:
            table.add_row(token["token"], token["cumulative_amount"], token["claimed"], token["claimable"])
        out.print(table if rewards["tokens"] else f"No rewards yet for {rewards['account']}")

    emit(rewards, as_json=as_json, human=human)


@command(group, "claim")
def rewards_claim(
    api_url: ApiUrl = DEFAULT_API,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Claim everything claimable now (payment token and PROV) in one transaction, with the API's proofs."""
    wallet = open_wallet(rpc_url, manifest, key)
    with PlatformApi(api_url) as api:
        rewards = _rewards(api, wallet.address)
    claims = [token for token in rewards["tokens"] if token["claim"] and int(token["claimable"]) > 0]
    if not claims:
        raise CliError(
            f"nothing is claimable now for {wallet.address}: rewards come once an epoch's root is accepted"
        )
    distributor = wallet.client.contract("RewardDistributor")
    current_root = "0x" + distributor.functions.currentRoot().call()[0].hex()
    if any(token["claim"]["root"].lower() != current_root.lower() for token in claims):
        # The API learns of an acceptance from its indexer, seconds late; the old root's proofs would revert.
        raise CliError(
            "the distributor has just accepted a newer rewards root the API has not indexed yet; "
            "claim again in a few seconds"
        )
    # One transaction for every token: all are claimed or, if one is refused, none.
    requests = [
        (token["token"], int(token["claim"]["cumulative_amount"]), token["claim"]["proof"])
        for token in claims
    ]
    (receipt,) = send_steps(
        wallet,
        [
            (
                "claiming " + ", ".join(f"{token['claimable']} of {token['token']}" for token in claims),
                functools.partial(distributor.functions.claimMany, wallet.address, requests),
            )
        ],
    )
    result = {
        "claimed": [
            {"token": token["token"], "amount": token["claimable"], "transaction": tx_hash(receipt)}
            for token in claims
        ]
    }

    def human() -> None:
        for claimed in result["claimed"]:
            out.print(f"Claimed {claimed['amount']} of {claimed['token']}")

    emit(result, as_json=as_json, human=human)
