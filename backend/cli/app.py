"""The ``provenant`` commands.

Reads go to the API (``--api``) or the chain; writes are transactions signed here with ``--key`` and sent to
``--rpc-url``, to the contracts of the deployment manifest (``--manifest``). Every command takes ``--json``;
long work shows a progress bar on stderr. A failure prints one line saying what to do and exits with
1 (refused: unknown id, nothing to do), 2 (bad input or a missing key), 3 (the node, the API or the
manifest is unreachable or for another chain) or 4 (a transaction reverted).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from backend.chain.manifest import checksum_address
from backend.cli import contributions, dao, epochs, licences, models, rewards, usage
from backend.cli.common import (
    DEFAULT_MANIFEST,
    DEFAULT_RPC,
    JsonFlag,
    PrivateKey,
    RpcUrl,
    bad_input,
    command,
    emit,
    out,
    progress_bar,
    signer,
)
from backend.cli.deploy import deploy_contracts

app = typer.Typer(
    name="provenant",
    help="Provenant: license AI models and route royalties up their lineage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(contributions.group)  # `contribute`, a command of the root
for group, group_name in (
    (models.group, "model"),
    (licences.group, "license"),
    (usage.group, "usage"),
    (rewards.group, "rewards"),
    (dao.group, "dao"),
    (epochs.group, "epoch"),
):
    app.add_typer(group, name=group_name)


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


@command(app, "deploy")
def deploy(
    rpc_url: RpcUrl = DEFAULT_RPC,
    key: PrivateKey = None,
    manifest: Annotated[
        Path, typer.Option("--manifest", envvar="PROVENANT_MANIFEST", help="Where to write the manifest.")
    ] = DEFAULT_MANIFEST,
    oracle: Annotated[
        str | None, typer.Option(help="The oracle's address (development chains: default the deployer).")
    ] = None,
    guardian: Annotated[
        str | None, typer.Option(help="The guardian's address (development chains: default the deployer).")
    ] = None,
    treasury: Annotated[
        str | None,
        typer.Option(help="Where protocol fees go: an address, or `timelock` for the DAO (the default)."),
    ] = None,
    genesis_recipient: Annotated[
        str | None,
        typer.Option(
            help="Who gets genesis PROV, e.g. a vesting contract (default: the timelock on a live chain)."
        ),
    ] = None,
    payment_token: Annotated[
        str | None, typer.Option(help="ERC-20 to pay in (default: deploy MockUSDC, development only).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deploy every contract from --key's account and write the deployment manifest.

    On a chain other than a development one (ids 31337, 1337), --oracle, --guardian, --treasury and
    --payment-token are required and none may be the deployer."""
    signer(key)
    assert key is not None
    roles = {}
    if treasury is not None and treasury.lower() == "timelock":
        roles["--treasury"] = "timelock"
    for name, value in (
        ("--oracle", oracle),
        ("--guardian", guardian),
        ("--treasury", None if "--treasury" in roles else treasury),
        ("--genesis-recipient", genesis_recipient),
        ("--payment-token", payment_token),
    ):
        if value is not None:
            try:
                roles[name] = checksum_address(value, what=name)
            except ValueError as error:
                raise bad_input(str(error)) from None
    with progress_bar() as progress:
        progress.add_task("deploying (compiling if needed, then one transaction per contract)", total=None)
        written = manifest.resolve()
        findings = deploy_contracts(
            rpc_url=rpc_url,
            private_key=key,
            manifest_path=written,
            oracle=roles.get("--oracle"),
            guardian=roles.get("--guardian"),
            payment_token=roles.get("--payment-token"),
            treasury=roles.get("--treasury"),
            genesis_recipient=roles.get("--genesis-recipient"),
        )
    result = json.loads(written.read_text())
    summary = {
        "manifest": str(written),
        "chain_id": result["chainId"],
        "contracts": {name: entry["address"] for name, entry in result["contracts"].items()},
        "checked": findings,
    }

    def human() -> None:
        out.print(f"Deployed on chain {result['chainId']}; manifest written to {written}")
        for name, address in summary["contracts"].items():
            out.print(f"  {name:<20} {address}")
        for finding in findings:
            out.print(f"checked: {finding}")

    emit(summary, as_json=as_json, human=human)
