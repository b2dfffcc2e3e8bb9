"""`provenant contribute`: a file to a dataset, uploaded through the API."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

import typer

from backend.cli.api import PlatformApi
from backend.cli.common import (
    DEFAULT_API,
    ApiUrl,
    JsonFlag,
    PrivateKey,
    bad_input,
    command,
    emit,
    out,
    progress_bar,
    readable,
    signer,
)

group = typer.Typer()  # merged into the root: `provenant contribute`

_MEDIA_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".jsonl": "application/jsonl",
    ".json": "application/json",
}


@command(group, "contribute")
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
    size = readable(file).stat().st_size
    if size == 0:
        raise bad_input(f"{file} is empty: nothing to contribute")
    kind = media_type or _MEDIA_TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0]
    if kind is None:
        raise bad_input(f"cannot tell the media type of {file.name}: pass --media-type")
    account = signer(key)
    with PlatformApi(api_url) as api:
        api.sign_in(account)
        with progress_bar(bytes_total=size) as progress, file.open("rb") as content:
            task = progress.add_task(f"uploading {file.name}", total=size)
            contribution = api.contribute(
                dataset_id=dataset,
                filename=file.name,
                media_type=kind,
                file=content,
                advance=lambda sent: progress.advance(task, sent),
            )
    emit(
        contribution,
        as_json=as_json,
        human=lambda: out.print(
            f"Contribution {contribution['id']} to dataset {dataset}: {contribution['cid']} "
            f"({contribution['status']}; follow it with GET {api_url}/v1/contributions/{contribution['id']})"
        ),
    )
