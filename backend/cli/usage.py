"""`provenant usage`: the key a model's gateway reports with, and metered usage reported in batches."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

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

USAGE_BATCH = 1_000  # events per POST /v1/usage (the API's limit)
group = typer.Typer(help="Metered usage, reported by a model's gateway.", no_args_is_help=True)

_EVENT_FIELDS = ("event_id", "licence_id", "units", "timestamp")


def _read_events(path: Path) -> list[dict[str, Any]]:
    """Usage events from a JSON file (a list, or {"events": [...]}) or a CSV file with a header row."""
    text = readable(path).read_text(encoding="utf-8", errors="strict")
    rows: list[Any]
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = [name for name in _EVENT_FIELDS if name not in (reader.fieldnames or [])]
        if missing:
            raise bad_input(
                f"{path}: the CSV header lacks {', '.join(missing)} (needs {','.join(_EVENT_FIELDS)})"
            )
        rows = list(reader)
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise bad_input(
                f"{path} is not JSON ({error.msg} at line {error.lineno}); use .json or .csv"
            ) from None
        listed = document.get("events") if isinstance(document, dict) else document
        if not isinstance(listed, list):
            raise bad_input(f'{path}: expected a list of events or {{"events": [...]}}')
        rows = listed
    if not rows:
        raise bad_input(f"{path} holds no event")
    return [_event(row, path, number) for number, row in enumerate(rows, start=1)]


def _event(row: Any, path: Path, number: int) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise bad_input(f"{path}: event {number} is not an object with {', '.join(_EVENT_FIELDS)}")
    try:
        event: dict[str, Any] = {
            "event_id": str(row["event_id"]),
            "licence_id": int(row["licence_id"]),
            "units": int(row["units"]),
            "timestamp": int(row["timestamp"]),
        }
    except KeyError as missing:
        raise bad_input(f"{path}: event {number} has no {missing.args[0]}") from None
    except (TypeError, ValueError):
        raise bad_input(f"{path}: event {number}: licence_id, units and timestamp must be integers") from None
    if not event["event_id"] or event["licence_id"] < 1 or event["units"] < 1 or event["timestamp"] < 0:
        raise bad_input(
            f"{path}: event {number} needs an event_id, a licence_id ≥ 1, units ≥ 1, a timestamp ≥ 0"
        )
    return event


@command(group, "key")
def usage_key(
    model_id: Annotated[int, typer.Argument(help="The model the gateway serves.")],
    label: Annotated[str, typer.Option(help="A name to tell keys apart.")] = "gateway",
    api_url: ApiUrl = DEFAULT_API,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an operator key for a model you own or operate (signs in with SIWE; the key is shown once)."""
    account = signer(key)
    with PlatformApi(api_url) as api:
        api.sign_in(account)
        created = api.create_operator_key(model_id=model_id, label=label)
    emit(
        created,
        as_json=as_json,
        human=lambda: out.print(
            f"Operator key for model {model_id} (store it now, it is not shown again): {created['key']}"
        ),
    )


@command(group, "report")
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
        raise bad_input("no operator key: set PROVENANT_OPERATOR_KEY (or pass --operator-key)")
    events = _read_events(file)
    receipts = []
    with PlatformApi(api_url) as api, progress_bar() as progress:
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

    emit(result, as_json=as_json, human=human)
