"""`provenant license`: buy a licence, show one, top up its usage credit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from backend.chain.client import NotFoundError
from backend.cli.api import ApiProblem, PlatformApi
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
    bad_input,
    command,
    emit,
    key_value_table,
    open_wallet,
    out,
    parse_amount,
    send_steps,
    show_amount,
    token_contract,
    tx_hash,
)
from backend.cli.wallet import Wallet

MAX_CALLS = 10**18  # ILicenseManager.MAX_CALLS: the largest metering limit
group = typer.Typer(
    help="Licences: buy, show, top up usage credit, limit metered calls.", no_args_is_help=True
)
Faucet = Annotated[
    bool, typer.Option("--faucet", help="Development chains: mint the amount from MockUSDC's faucet first.")
]


def _pay_steps(
    wallet: Wallet, token: Contract, *, spender: str, amount: int, faucet: bool, decimals: int
) -> list[tuple[str, Callable[[], ContractFunction]]]:
    """Faucet (if asked) and approval of ``amount`` for ``spender``; checks the balance first."""
    steps: list[tuple[str, Callable[[], ContractFunction]]] = []
    if faucet:
        if wallet.client.manifest.payment_token != wallet.client.contract("MockUSDC").address:
            raise bad_input("--faucet works only where the payment token is MockUSDC (development chains)")
        steps.append(("minting from the faucet", lambda: token.functions.faucet(wallet.address, amount)))
    else:
        balance = token.functions.balanceOf(wallet.address).call()
        if balance < amount:
            raise CliError(
                f"{wallet.address} holds {show_amount(balance, decimals)} of the payment token and this needs "
                f"{show_amount(amount, decimals)}: fund the account (on a development chain, add --faucet)"
            )
    steps.append(("approving the payment", lambda: token.functions.approve(spender, amount)))
    return steps


@command(group, "buy")
def license_buy(
    model_id: Annotated[int, typer.Argument(help="The model to license.")],
    max_price: Annotated[
        str | None, typer.Option(help="Refuse to pay more than this (default: the price shown now).")
    ] = None,
    terms_version: Annotated[
        int | None,
        typer.Option(help="Buy only under this terms version, the one you read (default: the current one)."),
    ] = None,
    faucet: Faucet = False,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Buy a licence on a model at its current terms (approve, then purchase)."""
    wallet = open_wallet(rpc_url, manifest, key)
    client = wallet.client
    token, licenses = token_contract(client), client.contract("LicenseManager")
    decimals = token.functions.decimals().call()
    try:
        version = client.terms_version(model_id=model_id)
    except NotFoundError:
        raise CliError(f"there is no model {model_id}: check the id (`provenant model show`)") from None
    if terms_version is not None and terms_version != version:
        raise CliError(
            f"model {model_id}'s terms are at version {version}, not {terms_version}: read them again "
            "(`provenant model show`) before buying"
        )
    terms = client.terms(model_id=model_id, version=version)
    limit = (
        terms.price if max_price is None else parse_amount(max_price, decimals=decimals, what="--max-price")
    )
    steps = _pay_steps(
        wallet, token, spender=licenses.address, amount=terms.price, faucet=faucet, decimals=decimals
    )
    steps.append(
        ("buying the licence", lambda: licenses.functions.purchase(model_id, wallet.address, limit, version))
    )
    receipt = send_steps(wallet, steps)[-1]
    purchase = wallet.event(receipt, "LicenseManager", "LicensePurchased")
    result = {
        "licence_id": int(purchase["licenceId"]),
        "model_id": model_id,
        "holder": wallet.address,
        "price": show_amount(int(purchase["price"]), decimals),
        "terms_version": int(purchase["termsVersion"]),
        "expires_at": datetime.fromtimestamp(int(purchase["expiresAt"]), UTC).isoformat(),
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Bought licence {result['licence_id']} on model {model_id} for {result['price']}; "
            f"valid until {result['expires_at']}"
        ),
    )


def _api_licence(api: PlatformApi, licence_id: int, path: str = "") -> dict[str, Any]:
    try:
        found: dict[str, Any] = api.get(f"/v1/licences/{licence_id}{path}")
    except ApiProblem as problem:
        if problem.status == 404:
            raise CliError(
                f"there is no licence {licence_id} (a new one shows once the platform has indexed it)"
            ) from None
        raise
    return found


@command(group, "show")
def license_show(
    licence_id: Annotated[int, typer.Argument(help="The licence.")],
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """A licence: validity, expiry, credit, calls settled and left."""
    with PlatformApi(api_url) as api:
        licence = _api_licence(api, licence_id)

    def human() -> None:
        out.print(
            key_value_table(
                f"Licence {licence['id']}",
                [
                    ("model", licence["model_id"]),
                    ("holder", licence["holder"]),
                    ("status", licence["status"]),
                    ("expires", licence["expires_at"]),
                    ("credit (token units)", licence["credit"]),
                    ("included calls", licence["included_calls"]),
                    ("settled calls", licence["settled_calls"]),
                    ("unsettled calls", licence["unsettled_calls"]),
                    ("calls left", "unlimited" if licence["calls_left"] is None else licence["calls_left"]),
                ],
            )
        )

    emit(licence, as_json=as_json, human=human)


@command(group, "usage")
def license_usage(
    licence_id: Annotated[int, typer.Argument(help="The licence.")],
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """A licence's usage statement, newest epoch first: calls each operator key reported, what settlement took."""
    with PlatformApi(api_url) as api:
        statement = _api_licence(api, licence_id, "/usage")

    def human() -> None:
        for epoch in statement["data"]:
            metered = ", ".join(
                f"{m['units']} by key {m['operator_key_id'] or '-'}" for m in epoch["metered"]
            )
            settled = epoch["settlement"]
            taken = (
                f"settled {settled['accepted_calls']} calls (refused {settled['refused_calls']}), "
                f"fee {settled['fee']}, paid {settled['paid']}"
                if settled
                else f"not settled: set aside by the epoch close ({epoch['set_aside']['reason']})"
                if epoch["set_aside"]
                else "not settled yet"
            )
            out.print(f"epoch {epoch['epoch']}: metered {metered or 'nothing'}; {taken}")

    emit(statement, as_json=as_json, human=human)


@command(group, "topup")
def license_topup(
    licence_id: Annotated[int, typer.Argument(help="The licence.")],
    amount: Annotated[str, typer.Argument(help="Usage credit to add, in payment tokens (e.g. 25).")],
    faucet: Faucet = False,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Add usage credit to a licence (repays any debt first)."""
    wallet = open_wallet(rpc_url, manifest, key)
    client = wallet.client
    token, licenses = token_contract(client), client.contract("LicenseManager")
    decimals = token.functions.decimals().call()
    units = parse_amount(amount, decimals=decimals, what="AMOUNT")
    if units == 0:
        raise bad_input("AMOUNT must be more than 0")
    client.licence(licence_id=licence_id)  # NotFoundError names an unknown licence before anything is signed
    steps = _pay_steps(
        wallet, token, spender=licenses.address, amount=units, faucet=faucet, decimals=decimals
    )
    steps.append(("depositing the credit", lambda: licenses.functions.deposit(licence_id, units)))
    receipt = send_steps(wallet, steps)[-1]
    licence = client.licence(licence_id=licence_id)
    result = {
        "licence_id": licence_id,
        "deposited": show_amount(units, decimals),
        "credit": show_amount(licence.credit, decimals),
        "valid": licence.valid,
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Licence {licence_id}: credit now {result['credit']} (valid: {licence.valid})"
        ),
    )


@command(group, "limit")
def license_limit(
    licence_id: Annotated[int, typer.Argument(help="The licence.")],
    calls_per_epoch: Annotated[int, typer.Argument(help="Most calls charged per epoch; 0 lifts the limit.")],
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Limit the calls your licence is charged for per epoch, from the next epoch on: calls a meter reports
    beyond it are refused, never charged."""
    if not 0 <= calls_per_epoch <= MAX_CALLS:
        raise bad_input(f"CALLS_PER_EPOCH must be 0 to {MAX_CALLS:,}")
    wallet = open_wallet(rpc_url, manifest, key)
    licence = wallet.client.licence(licence_id=licence_id)  # NotFoundError before anything is signed
    if licence.holder != wallet.address:
        raise CliError(f"licence {licence_id} is held by {licence.holder}, not by {wallet.address}")
    licenses = wallet.client.contract("LicenseManager")
    (receipt,) = send_steps(
        wallet,
        [("setting the limit", lambda: licenses.functions.setMeteringLimit(licence_id, calls_per_epoch))],
    )
    from_epoch = int(wallet.event(receipt, "LicenseManager", "MeteringLimitSet")["fromEpoch"])
    result = {
        "licence_id": licence_id,
        "calls_per_epoch": str(calls_per_epoch),
        "from_epoch": from_epoch,
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Licence {licence_id}: "
            + (f"at most {calls_per_epoch:,} calls" if calls_per_epoch else "no limit")
            + f" per epoch from epoch {from_epoch}"
        ),
    )
