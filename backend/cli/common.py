"""What the command groups share: exit codes, the one-line errors (``explained``, ``command``), the common
options, the consoles, and the plumbing from a key to a signed, mined transaction."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from eth_account import Account
from eth_account.signers.local import LocalAccount
from requests.exceptions import RequestException
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from backend.chain.client import (
    ChainClient,
    ChainError,
    ChainUnavailable,
    ContractReverted,
    NotFoundError,
    Permission,
    Terms,
)
from backend.chain.manifest import ManifestError
from backend.cli.api import ApiProblem, ApiUnreachable
from backend.cli.deploy import DeploymentFailed
from backend.cli.wallet import Wallet

EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNREACHABLE, EXIT_REVERTED = 1, 2, 3, 4

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


def bad_input(message: str) -> CliError:
    return CliError(message, EXIT_BAD_INPUT)


def _fail(message: str, exit_code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(exit_code)


def explained(function: Callable[P, R]) -> Callable[P, R]:
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


def command(group: typer.Typer, name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def register(function: Callable[P, R]) -> Callable[P, R]:
        group.command(name)(explained(function))
        return function

    return register


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
DEFAULT_API = "http://127.0.0.1:8000"
DEFAULT_RPC = "http://127.0.0.1:8645"
DEFAULT_MANIFEST = Path(".data/deployment.json")


class PermissionName(StrEnum):
    COMMERCIAL = "COMMERCIAL"
    DERIVATIVES = "DERIVATIVES"
    DISTILLATION = "DISTILLATION"
    TRAIN_ON_OUTPUTS = "TRAIN_ON_OUTPUTS"
    ATTRIBUTION = "ATTRIBUTION"


def emit(result: Any, *, as_json: bool, human: Callable[[], None]) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        human()


def signer(key: str | None) -> LocalAccount:
    if not key:
        raise bad_input("no private key: set PROVENANT_PRIVATE_KEY (or pass --key) to sign")
    try:
        account: LocalAccount = Account.from_key(key)
    except Exception:  # the message of a failed parse may quote the key: never show it
        raise bad_input(
            "the private key is not a 32-byte hex key: check PROVENANT_PRIVATE_KEY / --key"
        ) from None
    return account


def _client(rpc_url: str, manifest: Path) -> ChainClient:
    return ChainClient(rpc_url=rpc_url, manifest_path=manifest)


def open_wallet(rpc_url: str, manifest: Path, key: str | None) -> Wallet:
    signer(key)  # before connecting: a missing or malformed key is the first thing to fix
    assert key is not None
    return Wallet(client=_client(rpc_url, manifest), private_key=key)


def token_contract(client: ChainClient) -> Contract:
    """The payment token (MockUSDC's ABI is a plain ERC-20's plus the faucet)."""
    return client.w3.eth.contract(address=client.manifest.payment_token, abi=client.contract("MockUSDC").abi)


def parse_amount(text: str, *, decimals: int, what: str) -> int:
    """A decimal amount in whole tokens ("12.5") as token units."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise bad_input(f"{what} must be a number of tokens such as 12.5, got {text!r}") from None
    units = value * 10**decimals
    if value < 0 or units != units.to_integral_value():
        raise bad_input(f"{what} must be non-negative with at most {decimals} decimals, got {text!r}")
    return int(units)


def show_amount(units: int, decimals: int) -> str:
    return f"{Decimal(units) / 10**decimals:f}"


@contextmanager
def progress_bar(*, bytes_total: int | None = None) -> Iterator[Progress]:
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    if bytes_total is not None:
        columns.append(DownloadColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        yield progress


def send_steps(wallet: Wallet, steps: Sequence[tuple[str, Callable[[], ContractFunction]]]) -> list[Any]:
    """Sends the transactions in order, each once the previous one is mined (a purchase needs its approval
    first; a call is built only then), with a progress bar."""
    receipts = []
    with progress_bar() as progress:
        task = progress.add_task("", total=len(steps))
        for description, make_call in steps:
            progress.update(task, description=f"{description}: waiting for the transaction")
            receipts.append(wallet.send(make_call()))
            progress.advance(task)
    return receipts


def tx_hash(receipt: Any) -> str:
    return str(receipt["transactionHash"].to_0x_hex())


def readable(path: Path) -> Path:
    if not path.is_file():
        raise bad_input(f"{path}: no such file")
    return path


def terms_tuple(terms: Terms) -> tuple[int, ...]:
    """Terms in the ABI's field order (contracts/interfaces/ILicenseTypes.sol)."""
    return (
        terms.price,
        terms.duration,
        terms.contributors_bps,
        terms.derivative_rev_share_bps,
        int(terms.permissions),
        terms.max_derivatives,
        terms.fee_per_call,
        terms.included_calls,
    )


def permissions(names: Sequence[PermissionName]) -> Permission:
    flags = Permission(0)
    for name in names:
        flags |= Permission[name.value]
    return flags


def key_value_table(title: str, rows: Sequence[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, str(value))
    return table
