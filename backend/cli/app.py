"""The ``provenant`` commands.

Reads go to the API (``--api``) or the chain; writes are transactions signed here with ``--key`` and sent to
``--rpc-url``, to the contracts of the deployment manifest (``--manifest``). Every command takes ``--json``;
long work shows a progress bar on stderr. A failure prints one line saying what to do and exits with
1 (refused: unknown id, nothing to do), 2 (bad input or a missing key), 3 (the node, the API or the
manifest is unreachable or for another chain) or 4 (a transaction reverted).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import mimetypes
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from requests.exceptions import RequestException
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.tree import Tree
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from backend.chain.client import (
    ChainClient,
    ChainError,
    ChainUnavailable,
    ContractReverted,
    EdgeType,
    NotFoundError,
    Permission,
    Terms,
)
from backend.chain.manifest import ManifestError, checksum_address
from backend.cli.api import ApiProblem, ApiUnreachable, PlatformApi
from backend.cli.deploy import DeploymentFailed, deploy_contracts
from backend.cli.wallet import Wallet
from backend.core.settings import Settings, SettingsError

EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNREACHABLE, EXIT_REVERTED = 1, 2, 3, 4
USAGE_BATCH = 1_000  # events per POST /v1/usage (the API's limit)

# What to do about the custom errors users meet most; any other revert shows the decoded error alone.
_REVERT_ADVICE = {
    "ERC20InsufficientBalance": "get more of the payment token (on a development chain, add --faucet)",
    "ERC20InsufficientAllowance": "the approval did not cover the amount: run the command again",
    "LicenseManagerPriceAboveMax": "the price changed: check `provenant model show` and raise --max-price",
    "AssetRegistryDerivationNotLicensed": "buy a licence on the parent whose terms allow this derivation "
    "(`provenant license buy`) and pass its id in --parent",
    "AssetRegistryUnauthorized": "sign with the key of the asset's owner",
    "AssetRegistryUnknownDatasetVersion": "use a dataset version that exists (`provenant model lineage`)",
    "AssetRegistryInvalidDatasetWeights": "dataset weights must be non-zero and sum to 10000 bps",
    "GovernorInsufficientProposerVotes": "delegate PROV to yourself first (`provenant dao delegate`), "
    "at least the proposal threshold, one block before proposing",
    "GovernorUnexpectedProposalState": "the proposal is not in the state this needs: check `provenant dao list`",
    "GovernorAlreadyCastVote": "this account has already voted on the proposal",
    "TimelockUnexpectedOperationState": "the timelock delay is not over yet: wait, then execute again",
    "RewardDistributorNothingToClaim": "nothing is claimable yet: check `provenant rewards show`",
    "LicenseManagerUnknownLicense": "check the licence id (`provenant license show`)",
    "LicenseManagerUnknownModel": "check the model id (`provenant model show`)",
}

P = ParamSpec("P")
R = TypeVar("R")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CliError(Exception):
    """A failure the user can act on; the message says what to do."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _bad_input(message: str) -> CliError:
    return CliError(message, EXIT_BAD_INPUT)


def _fail(message: str, exit_code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(exit_code)


def _explained(function: Callable[P, R]) -> Callable[P, R]:
    """Turns the errors a command can meet into one line on stderr and an exit code."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except CliError as error:
            _fail(str(error), error.exit_code)
        except ContractReverted as reverted:
            advice = _REVERT_ADVICE.get(
                reverted.error.name, "check the arguments against the contract's rules"
            )
            _fail(f"the transaction was refused: {reverted.error}; {advice}", EXIT_REVERTED)
        except ChainUnavailable as error:
            _fail(f"{error}; start the node or point --rpc-url (PROVENANT_RPC_URL) at one", EXIT_UNREACHABLE)
        except ManifestError as error:
            _fail(
                f"{error}; point --manifest (PROVENANT_MANIFEST) at this chain's deployment, "
                "or --rpc-url at the manifest's chain",
                EXIT_UNREACHABLE,
            )
        except ApiUnreachable as error:
            _fail(
                f"{error}; start the platform (`provenant demo`) or point --api (PROVENANT_API_URL) at it",
                EXIT_UNREACHABLE,
            )
        except ApiProblem as problem:
            _fail(problem.detail, EXIT_BAD_INPUT if problem.status in (413, 415, 422) else EXIT_REFUSED)
        except NotFoundError as error:
            _fail(str(error), EXIT_REFUSED)
        except RequestException as error:
            _fail(
                f"the node stopped answering ({type(error).__name__}); check --rpc-url and try again",
                EXIT_UNREACHABLE,
            )
        except (ChainError, DeploymentFailed) as error:
            _fail(str(error), EXIT_REFUSED)

    return run


def _command(group: typer.Typer, name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def register(function: Callable[P, R]) -> Callable[P, R]:
        group.command(name)(_explained(function))
        return function

    return register


app = typer.Typer(
    name="provenant",
    help="Provenant: license AI models and route royalties up their lineage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Models: register, publish versions, show, lineage.", no_args_is_help=True)
license_app = typer.Typer(help="Licences: buy, show, top up usage credit.", no_args_is_help=True)
usage_app = typer.Typer(help="Metered usage, reported by a model's gateway.", no_args_is_help=True)
rewards_app = typer.Typer(help="Data contributors' rewards.", no_args_is_help=True)
dao_app = typer.Typer(help="Governance: delegate, propose, vote, queue, execute.", no_args_is_help=True)
epoch_app = typer.Typer(help="Epochs (closed by the workers; by hand here).", no_args_is_help=True)
for group, group_name in (
    (model_app, "model"),
    (license_app, "license"),
    (usage_app, "usage"),
    (rewards_app, "rewards"),
    (dao_app, "dao"),
    (epoch_app, "epoch"),
):
    app.add_typer(group, name=group_name)

# Options shared by the commands.
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as JSON (for scripts).")]
ApiUrl = Annotated[str, typer.Option("--api", envvar="PROVENANT_API_URL", help="The platform's API.")]
RpcUrl = Annotated[str, typer.Option("--rpc-url", envvar="PROVENANT_RPC_URL", help="EVM JSON-RPC endpoint.")]
ManifestPath = Annotated[
    Path,
    typer.Option("--manifest", envvar="PROVENANT_MANIFEST", help="Deployment manifest (addresses, ABIs)."),
]
PrivateKey = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="PROVENANT_PRIVATE_KEY",
        help="Private key that signs (hex); prefer the environment variable.",
        show_default=False,
        show_envvar=True,
    ),
]
Faucet = Annotated[
    bool, typer.Option("--faucet", help="Development chains: mint the amount from MockUSDC's faucet first.")
]
DEFAULT_API = "http://127.0.0.1:8000"
DEFAULT_RPC = "http://127.0.0.1:8645"
DEFAULT_MANIFEST = Path(".data/deployment.json")


class PermissionName(StrEnum):
    COMMERCIAL = "COMMERCIAL"
    DERIVATIVES = "DERIVATIVES"
    DISTILLATION = "DISTILLATION"
    TRAIN_ON_OUTPUTS = "TRAIN_ON_OUTPUTS"
    ATTRIBUTION = "ATTRIBUTION"


class Support(StrEnum):
    AGAINST = "against"
    FOR = "for"
    ABSTAIN = "abstain"


_SUPPORT_VALUE = {Support.AGAINST: 0, Support.FOR: 1, Support.ABSTAIN: 2}

# --- plumbing ---------------------------------------------------------------------------------------------


def _emit(result: Any, *, as_json: bool, human: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        human()


def _account(key: str | None) -> LocalAccount:
    if not key:
        raise _bad_input("no private key: set PROVENANT_PRIVATE_KEY (or pass --key) to sign")
    try:
        account: LocalAccount = Account.from_key(key)
    except Exception:  # the message of a failed parse may quote the key: never show it
        raise _bad_input(
            "the private key is not a 32-byte hex key: check PROVENANT_PRIVATE_KEY / --key"
        ) from None
    return account


def _client(rpc_url: str, manifest: Path) -> ChainClient:
    return ChainClient(rpc_url=rpc_url, manifest_path=manifest)


def _wallet(rpc_url: str, manifest: Path, key: str | None) -> Wallet:
    _account(key)  # before connecting: a missing or malformed key is the first thing to fix
    assert key is not None
    return Wallet(client=_client(rpc_url, manifest), private_key=key)


def _token(client: ChainClient) -> Contract:
    """The payment token (MockUSDC's ABI is a plain ERC-20's plus the faucet)."""
    return client.w3.eth.contract(address=client.manifest.payment_token, abi=client.contract("MockUSDC").abi)


def _parse_amount(text: str, *, decimals: int, what: str) -> int:
    """A decimal amount in whole tokens ("12.5") as token units."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _bad_input(f"{what} must be a number of tokens such as 12.5, got {text!r}") from None
    units = value * 10**decimals
    if value < 0 or units != units.to_integral_value():
        raise _bad_input(f"{what} must be non-negative with at most {decimals} decimals, got {text!r}")
    return int(units)


def _show_amount(units: int, decimals: int) -> str:
    return f"{Decimal(units) / 10**decimals:f}"


@contextmanager
def _progress(*, bytes_total: int | None = None) -> Iterator[Progress]:
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if bytes_total is not None:
        columns.append(DownloadColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield progress


def _send_steps(wallet: Wallet, steps: Sequence[tuple[str, Callable[[], ContractFunction]]]) -> list[Any]:
    """Sends the transactions in order, each once the previous one is mined (a purchase needs its approval
    first; a call is built only then), with a progress bar."""
    receipts = []
    with _progress() as progress:
        task = progress.add_task("", total=len(steps))
        for description, make_call in steps:
            progress.update(task, description=f"{description}: waiting for the transaction")
            receipts.append(wallet.send(make_call()))
            progress.advance(task)
    return receipts


def _tx_hash(receipt: Any) -> str:
    return str(receipt["transactionHash"].to_0x_hex())


def _bytes32(text: str, what: str) -> bytes:
    raw = text.removeprefix("0x")
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise _bad_input(f"{what} must be 32 bytes of hex (0x…), got {text!r}") from None
    if len(value) != 32:
        raise _bad_input(f"{what} must be 32 bytes of hex (0x…), got {len(value)} bytes")
    return value


def _weights_hash(weights: Path | None, weights_hash: str | None) -> bytes:
    if (weights is None) == (weights_hash is None):
        raise _bad_input(
            "give the weights as --weights FILE (hashed with SHA-256) or --weights-hash 0x…, one of them"
        )
    if weights_hash is not None:
        return _bytes32(weights_hash, "--weights-hash")
    assert weights is not None
    return _file_sha256(_readable(weights))


def _readable(path: Path) -> Path:
    if not path.is_file():
        raise _bad_input(f"{path}: no such file")
    return path


def _file_sha256(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def _parse_parent(text: str) -> tuple[int, int, int]:
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        edge = EdgeType[parts[1].upper()]
        return int(parts[0]), int(edge), int(parts[2]) if len(parts) == 3 else 0
    except (ValueError, KeyError):
        edges = "|".join(edge.name for edge in EdgeType)
        raise _bad_input(f"--parent must be MODEL:{edges}[:LICENCE], got {text!r}") from None


def _parse_dataset(text: str) -> tuple[int, int, int]:
    try:
        dataset, version, weight = (int(part) for part in text.split(":"))
    except ValueError:
        raise _bad_input(
            f"--dataset must be DATASET:VERSION:WEIGHT_BPS, e.g. 1:2:6000, got {text!r}"
        ) from None
    return dataset, version, weight


def _terms_tuple(terms: Terms) -> tuple[int, ...]:
    """Terms in the ABI's field order (contracts/interfaces/ILicenseTypes.sol)."""
    return (
        terms.price,
        terms.duration,
        terms.contributors_bps,
        terms.derivative_rev_share_bps,
        int(terms.permissions),
        terms.fee_per_call,
        terms.included_calls,
    )


def _permissions(names: Sequence[PermissionName]) -> Permission:
    flags = Permission(0)
    for name in names:
        flags |= Permission[name.value]
    return flags


def _terms_json(terms: Terms, decimals: int) -> dict[str, Any]:
    return {
        "price": _show_amount(terms.price, decimals),
        "duration_days": terms.duration / 86_400,
        "included_calls": terms.included_calls,
        "fee_per_call": _show_amount(terms.fee_per_call, decimals),
        "permissions": [flag.name for flag in Permission if terms.permissions & flag],
        "derivative_rev_share_bps": terms.derivative_rev_share_bps,
        "contributors_bps": terms.contributors_bps,
    }


def _key_value_table(title: str, rows: Sequence[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, str(value))
    return table


# --- demo and deploy ----------------------------------------------------------------------------------------


@app.command("demo")
def demo(
    data_dir: Annotated[Path | None, typer.Option(help="Where the state lives (default .data/).")] = None,
    chain_port: Annotated[int | None, typer.Option(help="anvil's port (default 8645).")] = None,
    api_port: Annotated[int | None, typer.Option(help="The API's port (default 8000).")] = None,
) -> None:
    """The whole platform on embedded defaults, seeded with a demo world (as `make demo`); Ctrl-C stops it."""
    from backend.devchain import PROJECT_ROOT

    overrides = {
        "PROVENANT_DATA_DIR": data_dir and str(data_dir.resolve()),
        "PROVENANT_CHAIN_PORT": chain_port and str(chain_port),
        "PROVENANT_API_PORT": api_port and str(api_port),
    }
    os.environ.update({name: value for name, value in overrides.items() if value})
    os.chdir(PROJECT_ROOT)
    # Replaced by `make demo`'s own program, so Ctrl-C and its orderly shutdown work as there.
    os.execv(sys.executable, [sys.executable, "-m", "scripts.demo"])


@_command(app, "deploy")
def deploy(
    rpc_url: RpcUrl = DEFAULT_RPC,
    key: PrivateKey = None,
    manifest: Annotated[
        Path, typer.Option("--manifest", envvar="PROVENANT_MANIFEST", help="Where to write the manifest.")
    ] = DEFAULT_MANIFEST,
    oracle: Annotated[str | None, typer.Option(help="The oracle's address (default: the deployer).")] = None,
    guardian: Annotated[
        str | None, typer.Option(help="The guardian's address (default: the deployer).")
    ] = None,
    payment_token: Annotated[
        str | None, typer.Option(help="ERC-20 to pay in (default: deploy MockUSDC, development only).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deploy every contract from --key's account and write the deployment manifest."""
    _account(key)
    assert key is not None
    roles = {}
    for name, value in (("--oracle", oracle), ("--guardian", guardian), ("--payment-token", payment_token)):
        if value is not None:
            try:
                roles[name] = checksum_address(value, what=name)
            except ValueError as error:
                raise _bad_input(str(error)) from None
    with _progress() as progress:
        progress.add_task("deploying (compiling if needed, then one transaction per contract)", total=None)
        written = deploy_contracts(
            rpc_url=rpc_url,
            private_key=key,
            manifest_path=manifest.resolve(),
            oracle=roles.get("--oracle"),
            guardian=roles.get("--guardian"),
            payment_token=roles.get("--payment-token"),
        )
    result = json.loads(written.read_text())
    summary = {
        "manifest": str(written),
        "chain_id": result["chainId"],
        "contracts": {name: entry["address"] for name, entry in result["contracts"].items()},
    }

    def human() -> None:
        out.print(f"Deployed on chain {result['chainId']}; manifest written to {written}")
        for name, address in summary["contracts"].items():
            out.print(f"  {name:<20} {address}")

    _emit(summary, as_json=as_json, human=human)


# --- models -------------------------------------------------------------------------------------------------


@_command(model_app, "register")
def model_register(
    cid: Annotated[str, typer.Option(help="IPFS CID of the model's manifest (its card).")],
    price: Annotated[str, typer.Option(help="Licence price in payment tokens, e.g. 100 or 12.5.")],
    weights: Annotated[Path | None, typer.Option(help="Weights file, hashed with SHA-256.")] = None,
    weights_hash: Annotated[str | None, typer.Option(help="Or the weights' hash (32 bytes hex).")] = None,
    parent: Annotated[
        list[str] | None, typer.Option(help="MODEL:EDGE[:LICENCE], e.g. 3:DISTILL:1 (repeatable).")
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(help="DATASET:VERSION:WEIGHT_BPS, weights summing to 10000 (repeatable)."),
    ] = None,
    duration_days: Annotated[float, typer.Option(help="Days a licence stays valid.")] = 30,
    included_calls: Annotated[int, typer.Option(help="Calls included in the price.")] = 1_000,
    fee_per_call: Annotated[
        str, typer.Option(help="Fee per call beyond those, in payment tokens.")
    ] = "0.001",
    permission: Annotated[
        list[PermissionName] | None,
        typer.Option(help="Granted to licensees (repeatable; default COMMERCIAL, ATTRIBUTION)."),
    ] = None,
    derivative_share_bps: Annotated[
        int, typer.Option(help="Share of derived models' payments (bps).")
    ] = 1_000,
    contributors_bps: Annotated[
        int, typer.Option(help="Share of revenue for training-data contributors.")
    ] = 2_000,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a model you own: weights, parents (licence-gated), training datasets and first terms."""
    digest = _weights_hash(weights, weights_hash)
    parents = [_parse_parent(text) for text in parent or []]
    datasets = [_parse_dataset(text) for text in dataset or []]
    if duration_days <= 0:
        raise _bad_input("--duration-days must be positive")
    wallet = _wallet(rpc_url, manifest, key)
    decimals = _token(wallet.client).functions.decimals().call()
    terms = Terms(
        price=_parse_amount(price, decimals=decimals, what="--price"),
        duration=int(duration_days * 86_400),
        contributors_bps=contributors_bps,
        derivative_rev_share_bps=derivative_share_bps,
        permissions=_permissions(permission or [PermissionName.COMMERCIAL, PermissionName.ATTRIBUTION]),
        fee_per_call=_parse_amount(fee_per_call, decimals=decimals, what="--fee-per-call"),
        included_calls=included_calls,
    )
    registry = wallet.client.contract("AssetRegistry")
    (receipt,) = _send_steps(
        wallet,
        [
            (
                "registering the model",
                lambda: registry.functions.registerModel(
                    (cid, digest, parents, datasets), _terms_tuple(terms)
                ),
            )
        ],
    )
    model_id = int(wallet.event(receipt, "AssetRegistry", "ModelRegistered")["modelId"])
    result = {"model_id": model_id, "owner": wallet.address, "transaction": _tx_hash(receipt)}
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Registered model {model_id} (owner {wallet.address})"),
    )


@_command(model_app, "version")
def model_version(
    model_id: Annotated[int, typer.Argument(help="The model.")],
    cid: Annotated[str, typer.Option(help="IPFS CID of the new version's manifest.")],
    weights: Annotated[Path | None, typer.Option(help="Weights file, hashed with SHA-256.")] = None,
    weights_hash: Annotated[str | None, typer.Option(help="Or the weights' hash (32 bytes hex).")] = None,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish a new weight version of a model you own."""
    digest = _weights_hash(weights, weights_hash)
    wallet = _wallet(rpc_url, manifest, key)
    wallet.client.model(model_id=model_id)  # NotFoundError names an unknown model before anything is signed
    registry = wallet.client.contract("AssetRegistry")
    (receipt,) = _send_steps(
        wallet,
        [("publishing the version", lambda: registry.functions.publishModelVersion(model_id, cid, digest))],
    )
    version = int(wallet.event(receipt, "AssetRegistry", "ModelVersionPublished")["version"])
    result = {"model_id": model_id, "version": version, "transaction": _tx_hash(receipt)}
    _emit(
        result, as_json=as_json, human=lambda: out.print(f"Published version {version} of model {model_id}")
    )


def _api_model(api: PlatformApi, model_id: int, path: str = "") -> dict[str, Any]:
    try:
        found: dict[str, Any] = api.get(f"/v1/models/{model_id}{path}")
    except ApiProblem as problem:
        if problem.status == 404:
            raise CliError(
                f"there is no model {model_id}: list the catalogue at {api.base_url}/v1/models"
            ) from None
        raise
    return found


@_command(model_app, "show")
def model_show(
    model_id: Annotated[int, typer.Argument(help="The model.")],
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """A model: owner, versions, current terms, parents, training datasets, royalty stack."""
    with PlatformApi(api_url) as api:
        model = _api_model(api, model_id)

    def human() -> None:
        terms = model["terms"] or {}
        out.print(
            _key_value_table(
                f"Model {model['id']}",
                [
                    ("owner", model["owner"]),
                    ("manifest", model["manifest_cid"]),
                    ("versions", len(model["versions"])),
                    ("price (token units)", terms.get("price", "-")),
                    ("duration", f"{terms.get('duration', 0) / 86_400:g} days"),
                    ("included calls", terms.get("included_calls", "-")),
                    ("fee per call (units)", terms.get("fee_per_call", "-")),
                    ("permissions", ", ".join(terms.get("permissions", []))),
                    ("terms version", terms.get("version", "-")),
                    (
                        "parents",
                        ", ".join(f"{p['model_id']} ({p['edge_type']})" for p in model["parents"]) or "none",
                    ),
                    (
                        "training data",
                        ", ".join(
                            f"dataset {d['dataset_id']} v{d['version']} ({d['weight_bps']} bps)"
                            for d in model["training_datasets"]
                        )
                        or "none",
                    ),
                    (
                        "royalty stack",
                        ", ".join(
                            f"{e['model_id']} ({e['rev_share_bps']} bps)" for e in model["royalty_stack"]
                        )
                        or "none",
                    ),
                ],
            )
        )

    _emit(model, as_json=as_json, human=human)


@_command(model_app, "lineage")
def model_lineage(
    model_id: Annotated[int, typer.Argument(help="The model.")],
    depth: Annotated[int, typer.Option(min=1, max=32, help="Levels to follow up and down.")] = 8,
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """A model's lineage: ancestors, descendants and training datasets, with edge types."""
    with PlatformApi(api_url) as api:
        graph = _api_model(api, model_id, f"/lineage?depth={depth}")

    def human() -> None:
        nodes = {node["id"]: node for node in graph["nodes"]}
        tree = Tree(f"model {model_id}")
        for edge in sorted(graph["edges"], key=lambda e: (nodes[e["source"]]["depth"], e["source"])):
            source, target = nodes[edge["source"]], nodes[edge["target"]]
            via = f" under licence {edge['licence_id']}" if edge.get("licence_id") else ""
            version = f" v{edge['dataset_version']}" if edge.get("dataset_version") else ""
            tree.add(
                f"{source['kind']} {source['id']}{version} —{edge['type']}→ {target['kind']} {target['id']}{via}"
            )
        out.print(tree)
        if graph["truncated"]:
            out.print(f"(truncated at depth {graph['depth']})")

    _emit(graph, as_json=as_json, human=human)


# --- licences -----------------------------------------------------------------------------------------------


def _pay_steps(
    wallet: Wallet, token: Contract, *, spender: str, amount: int, faucet: bool, decimals: int
) -> list[tuple[str, Callable[[], ContractFunction]]]:
    """Faucet (if asked) and approval of ``amount`` for ``spender``; checks the balance first."""
    steps: list[tuple[str, Callable[[], ContractFunction]]] = []
    if faucet:
        if wallet.client.manifest.payment_token != wallet.client.contract("MockUSDC").address:
            raise _bad_input("--faucet works only where the payment token is MockUSDC (development chains)")
        steps.append(("minting from the faucet", lambda: token.functions.faucet(wallet.address, amount)))
    else:
        balance = token.functions.balanceOf(wallet.address).call()
        if balance < amount:
            raise CliError(
                f"{wallet.address} holds {_show_amount(balance, decimals)} of the payment token and this needs "
                f"{_show_amount(amount, decimals)}: fund the account (on a development chain, add --faucet)"
            )
    steps.append(("approving the payment", lambda: token.functions.approve(spender, amount)))
    return steps


@_command(license_app, "buy")
def license_buy(
    model_id: Annotated[int, typer.Argument(help="The model to license.")],
    max_price: Annotated[
        str | None, typer.Option(help="Refuse to pay more than this (default: the price shown now).")
    ] = None,
    faucet: Faucet = False,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Buy a licence on a model at its current terms (approve, then purchase)."""
    wallet = _wallet(rpc_url, manifest, key)
    client = wallet.client
    token, licenses = _token(client), client.contract("LicenseManager")
    decimals = token.functions.decimals().call()
    try:
        terms = client.terms(model_id=model_id)
    except NotFoundError:
        raise CliError(f"there is no model {model_id}: check the id (`provenant model show`)") from None
    limit = (
        terms.price if max_price is None else _parse_amount(max_price, decimals=decimals, what="--max-price")
    )
    steps = _pay_steps(
        wallet, token, spender=licenses.address, amount=terms.price, faucet=faucet, decimals=decimals
    )
    steps.append(("buying the licence", lambda: licenses.functions.purchase(model_id, wallet.address, limit)))
    receipt = _send_steps(wallet, steps)[-1]
    purchase = wallet.event(receipt, "LicenseManager", "LicensePurchased")
    result = {
        "licence_id": int(purchase["licenceId"]),
        "model_id": model_id,
        "holder": wallet.address,
        "price": _show_amount(int(purchase["price"]), decimals),
        "terms_version": int(purchase["termsVersion"]),
        "expires_at": datetime.fromtimestamp(int(purchase["expiresAt"]), UTC).isoformat(),
        "transaction": _tx_hash(receipt),
    }
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Bought licence {result['licence_id']} on model {model_id} for {result['price']}; "
            f"valid until {result['expires_at']}"
        ),
    )


@_command(license_app, "show")
def license_show(
    licence_id: Annotated[int, typer.Argument(help="The licence.")],
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """A licence: validity, expiry, credit, calls settled and left."""
    with PlatformApi(api_url) as api:
        try:
            licence: dict[str, Any] = api.get(f"/v1/licences/{licence_id}")
        except ApiProblem as problem:
            if problem.status == 404:
                raise CliError(
                    f"there is no licence {licence_id} (a new one shows once the platform has indexed it)"
                ) from None
            raise

    def human() -> None:
        out.print(
            _key_value_table(
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

    _emit(licence, as_json=as_json, human=human)


@_command(license_app, "topup")
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
    wallet = _wallet(rpc_url, manifest, key)
    client = wallet.client
    token, licenses = _token(client), client.contract("LicenseManager")
    decimals = token.functions.decimals().call()
    units = _parse_amount(amount, decimals=decimals, what="AMOUNT")
    if units == 0:
        raise _bad_input("AMOUNT must be more than 0")
    client.licence(licence_id=licence_id)  # NotFoundError names an unknown licence before anything is signed
    steps = _pay_steps(
        wallet, token, spender=licenses.address, amount=units, faucet=faucet, decimals=decimals
    )
    steps.append(("depositing the credit", lambda: licenses.functions.deposit(licence_id, units)))
    receipt = _send_steps(wallet, steps)[-1]
    licence = client.licence(licence_id=licence_id)
    result = {
        "licence_id": licence_id,
        "deposited": _show_amount(units, decimals),
        "credit": _show_amount(licence.credit, decimals),
        "valid": licence.valid,
        "transaction": _tx_hash(receipt),
    }
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Licence {licence_id}: credit now {result['credit']} (valid: {licence.valid})"
        ),
    )


# --- usage --------------------------------------------------------------------------------------------------

_EVENT_FIELDS = ("event_id", "licence_id", "units", "timestamp")


def _read_events(path: Path) -> list[dict[str, Any]]:
    """Usage events from a JSON file (a list, or {"events": [...]}) or a CSV file with a header row."""
    text = _readable(path).read_text(encoding="utf-8", errors="strict")
    rows: list[Any]
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = [name for name in _EVENT_FIELDS if name not in (reader.fieldnames or [])]
        if missing:
            raise _bad_input(
                f"{path}: the CSV header lacks {', '.join(missing)} (needs {','.join(_EVENT_FIELDS)})"
            )
        rows = list(reader)
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise _bad_input(
                f"{path} is not JSON ({error.msg} at line {error.lineno}); use .json or .csv"
            ) from None
        listed = document.get("events") if isinstance(document, dict) else document
        if not isinstance(listed, list):
            raise _bad_input(f'{path}: expected a list of events or {{"events": [...]}}')
        rows = listed
    if not rows:
        raise _bad_input(f"{path} holds no event")
    return [_event(row, path, number) for number, row in enumerate(rows, start=1)]


def _event(row: Any, path: Path, number: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise _bad_input(f"{path}: event {number} is not an object with {', '.join(_EVENT_FIELDS)}")
    try:
        event: dict[str, Any] = {
            "event_id": str(row["event_id"]),
            "licence_id": int(row["licence_id"]),
            "units": int(row["units"]),
            "timestamp": int(row["timestamp"]),
        }
    except KeyError as missing:
        raise _bad_input(f"{path}: event {number} has no {missing.args[0]}") from None
    except (TypeError, ValueError):
        raise _bad_input(
            f"{path}: event {number}: licence_id, units and timestamp must be integers"
        ) from None
    if not event["event_id"] or event["licence_id"] < 1 or event["units"] < 1 or event["timestamp"] < 0:
        raise _bad_input(
            f"{path}: event {number} needs an event_id, a licence_id ≥ 1, units ≥ 1, a timestamp ≥ 0"
        )
    return event


@_command(usage_app, "report")
def usage_report(
    file: Annotated[
        Path, typer.Argument(help="Events: .json (a list) or .csv with event_id,licence_id,units,timestamp.")
    ],
    operator_key: Annotated[
        str | None,
        typer.Option(
            envvar="PROVENANT_OPERATOR_KEY", help="The gateway's operator API key.", show_default=False
        ),
    ] = None,
    api_url: ApiUrl = DEFAULT_API,
    as_json: JsonFlag = False,
) -> None:
    """Report metered usage from a model's gateway, in batches of 1,000 (replayed events are ignored)."""
    if not operator_key:
        raise _bad_input("no operator key: set PROVENANT_OPERATOR_KEY (or pass --operator-key)")
    events = _read_events(file)
    receipts = []
    with PlatformApi(api_url) as api, _progress() as progress:
        task = progress.add_task("reporting usage", total=len(events))
        for start in range(0, len(events), USAGE_BATCH):
            batch = events[start : start + USAGE_BATCH]
            receipts.append(api.report_usage(operator_key=operator_key, events=batch))
            progress.advance(task, len(batch))
    result = {
        "batches": [receipt["batch_id"] for receipt in receipts],
        "accepted": sum(receipt["accepted"] for receipt in receipts),
        "rejected": [rejected for receipt in receipts for rejected in receipt["rejected"]],
    }

    def human() -> None:
        out.print(
            f"Reported {len(events)} events in {len(receipts)} batch(es): {result['accepted']} accepted"
        )
        for rejected in result["rejected"]:
            out.print(f"  rejected {rejected['event_id']}: {rejected['reason']}")

    _emit(result, as_json=as_json, human=human)


# --- contributions and rewards ------------------------------------------------------------------------------

_MEDIA_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".jsonl": "application/jsonl",
    ".json": "application/json",
}


@_command(app, "contribute")
def contribute(
    file: Annotated[Path, typer.Argument(help="The file: text, CSV, JSON, JSON Lines, PNG or JPEG.")],
    dataset: Annotated[int, typer.Option(help="The dataset to contribute to.")],
    media_type: Annotated[
        str | None, typer.Option(help="Override the media type guessed from the name.")
    ] = None,
    api_url: ApiUrl = DEFAULT_API,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Contribute a file to a dataset (signs in with SIWE, uploads to IPFS; reviewed by the platform)."""
    size = _readable(file).stat().st_size
    if size == 0:
        raise _bad_input(f"{file} is empty: nothing to contribute")
    kind = media_type or _MEDIA_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
    if kind is None:
        raise _bad_input(f"cannot tell the media type of {file.name}: pass --media-type")
    account = _account(key)
    with PlatformApi(api_url) as api:
        api.sign_in(account)
        with _progress(bytes_total=size) as progress, file.open("rb") as content:
            task = progress.add_task(f"uploading {file.name}", total=size)
            contribution = api.contribute(
                dataset_id=dataset,
                filename=file.name,
                media_type=kind,
                file=content,
                advance=lambda sent: progress.advance(task, sent),
            )
    _emit(
        contribution,
        as_json=as_json,
        human=lambda: out.print(
            f"Contribution {contribution['id']} to dataset {dataset}: {contribution['cid']} "
            f"({contribution['status']}; follow it with GET {api_url}/v1/contributions/{contribution['id']})"
        ),
    )


def _rewards(api: PlatformApi, account: str) -> dict[str, Any]:
    rewards: dict[str, Any] = api.get(f"/v1/rewards/{account}")
    return rewards


@_command(rewards_app, "show")
def rewards_show(
    account: Annotated[str | None, typer.Argument(help="The contributor (default: --key's address).")] = None,
    api_url: ApiUrl = DEFAULT_API,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """A contributor's rewards per token: total, claimed, claimable now, history per epoch."""
    if account is None:
        account = _account(key).address
    with PlatformApi(api_url) as api:
        rewards = _rewards(api, account)

    def human() -> None:
        table = Table(title=f"Rewards of {rewards['account']}", title_justify="left")
        for column in ("token", "total", "claimed", "claimable"):
            table.add_column(column)
        for token in rewards["tokens"]:
            table.add_row(token["token"], token["cumulative_amount"], token["claimed"], token["claimable"])
        out.print(table if rewards["tokens"] else f"No rewards yet for {rewards['account']}")

    _emit(rewards, as_json=as_json, human=human)


@_command(rewards_app, "claim")
def rewards_claim(
    api_url: ApiUrl = DEFAULT_API,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Claim everything claimable now (payment token and PROV), with the Merkle proofs from the API."""
    wallet = _wallet(rpc_url, manifest, key)
    with PlatformApi(api_url) as api:
        rewards = _rewards(api, wallet.address)
    claims = [token for token in rewards["tokens"] if token["claim"] and int(token["claimable"]) > 0]
    if not claims:
        raise CliError(
            f"nothing is claimable now for {wallet.address}: rewards come once an epoch's root is accepted"
        )
    distributor = wallet.client.contract("RewardDistributor")
    steps: list[tuple[str, Callable[[], ContractFunction]]] = [
        (
            f"claiming {token['claimable']} of {token['token']}",
            functools.partial(
                distributor.functions.claim,
                wallet.address,
                token["token"],
                int(token["claim"]["cumulative_amount"]),
                token["claim"]["proof"],
            ),
        )
        for token in claims
    ]
    receipts = _send_steps(wallet, steps)
    result = {
        "claimed": [
            {"token": token["token"], "amount": token["claimable"], "transaction": _tx_hash(receipt)}
            for token, receipt in zip(claims, receipts, strict=True)
        ]
    }

    def human() -> None:
        for claimed in result["claimed"]:
            out.print(f"Claimed {claimed['amount']} of {claimed['token']}")

    _emit(result, as_json=as_json, human=human)


# --- governance ---------------------------------------------------------------------------------------------


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
    (receipt,) = _send_steps(wallet, [(description, lambda: make_call(governor))])
    return receipt


@_command(dao_app, "delegate")
def dao_delegate(
    to: Annotated[str | None, typer.Argument(help="Whom to delegate to (default: yourself).")] = None,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Delegate your PROV votes (undelegated PROV does not vote)."""
    delegatee = _account(key).address if to is None else _address(to, "TO")
    wallet = _wallet(rpc_url, manifest, key)
    prov = wallet.client.contract("ProvenanceToken")
    (receipt,) = _send_steps(wallet, [("delegating", lambda: prov.functions.delegate(delegatee))])
    votes = prov.functions.getVotes(delegatee).call()
    result = {"delegatee": delegatee, "votes": str(votes), "transaction": _tx_hash(receipt)}
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Delegated to {delegatee}; it now has {_show_amount(votes, 18)} votes"),
    )


def _address(text: str, what: str) -> str:
    try:
        return checksum_address(text, what=what)
    except ValueError as error:
        raise _bad_input(str(error)) from None


@_command(dao_app, "propose")
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
    contributors_bps: Annotated[int | None, typer.Option(help="New contributors' share.")] = None,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Propose a licence-terms change for a model (executed by the timelock on the LicenseManager)."""
    wallet = _wallet(rpc_url, manifest, key)
    client = wallet.client
    decimals = _token(client).functions.decimals().call()
    try:
        current = client.terms(model_id=model)
    except NotFoundError:
        raise CliError(f"there is no model {model}: check the id (`provenant model show`)") from None
    changes: dict[str, Any] = {
        "price": price and _parse_amount(price, decimals=decimals, what="--price"),
        "duration": duration_days and int(duration_days * 86_400),
        "included_calls": included_calls,
        "fee_per_call": fee_per_call
        and _parse_amount(fee_per_call, decimals=decimals, what="--fee-per-call"),
        "permissions": permission and _permissions(permission),
        "derivative_rev_share_bps": derivative_share_bps,
        "contributors_bps": contributors_bps,
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if not changes:
        raise _bad_input("say what changes: --price, --duration-days, --included-calls, --fee-per-call, ...")
    terms = replace(current, **changes)
    licenses = client.contract("LicenseManager")
    calldata = licenses.encode_abi("setTerms", args=[model, _terms_tuple(terms)])
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
        "transaction": _tx_hash(receipt),
    }
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Proposal {result['proposal_id']}: voting from block {result['vote_start']} to {result['vote_end']}"
        ),
    )


def _proposal_id(text: str) -> int:
    if not text.isdigit():
        raise _bad_input(f"PROPOSAL_ID must be the proposal's decimal id, got {text!r}")
    return int(text)


@_command(dao_app, "vote")
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
    wallet = _wallet(rpc_url, manifest, key)
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
        "transaction": _tx_hash(receipt),
    }
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"Voted {support.value} on {proposal_id} with {_show_amount(int(cast['weight']), 18)} votes"
        ),
    )


@_command(dao_app, "queue")
def dao_queue(
    proposal_id: Annotated[str, typer.Argument(help="The proposal (decimal id).")],
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Queue a passed proposal on the timelock."""
    pid = _proposal_id(proposal_id)
    wallet = _wallet(rpc_url, manifest, key)
    actions = _proposal_actions(wallet.client, pid)
    receipt = _governor_step(wallet, "queueing", lambda governor: governor.functions.queue(*actions))
    eta = int(wallet.event(receipt, "ProvenantGovernor", "ProposalQueued")["etaSeconds"])
    result = {
        "proposal_id": proposal_id,
        "eta": datetime.fromtimestamp(eta, UTC).isoformat(),
        "transaction": _tx_hash(receipt),
    }
    _emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Queued {proposal_id}; executable from {result['eta']}"),
    )


@_command(dao_app, "execute")
def dao_execute(
    proposal_id: Annotated[str, typer.Argument(help="The proposal (decimal id).")],
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Execute a queued proposal once the timelock delay is over."""
    pid = _proposal_id(proposal_id)
    wallet = _wallet(rpc_url, manifest, key)
    actions = _proposal_actions(wallet.client, pid)
    receipt = _governor_step(wallet, "executing", lambda governor: governor.functions.execute(*actions))
    result = {"proposal_id": proposal_id, "transaction": _tx_hash(receipt)}
    _emit(result, as_json=as_json, human=lambda: out.print(f"Executed {proposal_id}"))


@_command(dao_app, "list")
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

    _emit(page, as_json=as_json, human=human)


# --- epochs -------------------------------------------------------------------------------------------------


@_command(epoch_app, "close")
def epoch_close(
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: Annotated[
        str | None,
        typer.Option(
            "--key",
            envvar="PROVENANT_ORACLE_PRIVATE_KEY",
            help="The oracle's key (it signs dataset versions, roots, settlements).",
            show_default=False,
            show_envvar=True,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Close every epoch that is due, in order, as the workers do (database and epochs from PROVENANT_*)."""
    from backend.core.resources import Resources
    from backend.services.epochs import close_due_epochs

    _account(key)
    try:
        settings = Settings.from_env(
            {
                **os.environ,
                "PROVENANT_RPC_URL": rpc_url,
                "PROVENANT_MANIFEST": str(manifest),
                "PROVENANT_ORACLE_PRIVATE_KEY": key or "",
            }
        )
    except SettingsError as error:
        raise _bad_input(str(error)) from None
    resources = Resources(settings)
    with _progress() as progress:
        progress.add_task("closing due epochs (waiting for the oracle's transactions)", total=None)
        now = int(time.time())
        closed = close_due_epochs(
            session_factory=resources.session,
            client=resources.client,
            sender=resources.sender,
            store=resources.store,
            settings=resources.epoch_settings,
            now=now,
        )
    current = resources.clock.epoch_of(now)
    ends_at = resources.clock.end_of(current)
    result = {"closed": closed, "current_epoch": current, "current_epoch_ends_at": ends_at}

    def human() -> None:
        if closed:
            out.print(f"Closed epoch(s) {', '.join(map(str, closed))}")
        else:
            ends = datetime.fromtimestamp(ends_at, UTC).isoformat()
            out.print(f"No epoch could close now; epoch {current} ends at {ends}")

    _emit(result, as_json=as_json, human=human)
