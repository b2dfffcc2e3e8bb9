"""`provenant epoch close`: close the due epochs by hand, as the workers do."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from backend.cli.common import (
    DEFAULT_MANIFEST,
    DEFAULT_RPC,
    JsonFlag,
    ManifestPath,
    RpcUrl,
    bad_input,
    command,
    emit,
    out,
    progress_bar,
    signer,
)
from backend.core.settings import Settings, SettingsError

group = typer.Typer(help="Epochs (closed by the workers; by hand here).", no_args_is_help=True)


@command(group, "close")
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

    signer(key)
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
        raise bad_input(str(error)) from None
    resources = Resources(settings)
    with progress_bar() as progress:
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

    emit(result, as_json=as_json, human=human)
