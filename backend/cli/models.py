"""`provenant model`: register a model, publish versions, show one, follow its lineage."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.tree import Tree

from backend.chain.client import EdgeType, Terms
from backend.chain.manifest import checksum_address
from backend.cli.api import ApiProblem, PlatformApi
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
    key_value_table,
    open_wallet,
    out,
    parse_amount,
    permissions,
    readable,
    send_steps,
    terms_tuple,
    token_contract,
    tx_hash,
)

group = typer.Typer(
    help="Models: register, publish versions, name usage operators, show, lineage.", no_args_is_help=True
)


def _bytes32(text: str, what: str) -> bytes:
    raw = text.removeprefix("0x")
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise bad_input(f"{what} must be 32 bytes of hex (0x…), got {text!r}") from None
    if len(value) != 32:
        raise bad_input(f"{what} must be 32 bytes of hex (0x…), got {len(value)} bytes")
    return value


def _weights_hash(weights: Path | None, weights_hash: str | None) -> bytes:
    if (weights is None) == (weights_hash is None):
        raise bad_input(
            "give the weights as --weights FILE (hashed with SHA-256) or --weights-hash 0x…, one of them"
        )
    if weights_hash is not None:
        return _bytes32(weights_hash, "--weights-hash")
    assert weights is not None
    return _file_sha256(readable(weights))


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
        raise bad_input(f"--parent must be MODEL:{edges}[:LICENCE], got {text!r}") from None


def _parse_dataset(text: str) -> tuple[int, int, int]:
    try:
        dataset, version, weight = (int(part) for part in text.split(":"))
    except ValueError:
        raise bad_input(
            f"--dataset must be DATASET:VERSION:WEIGHT_BPS, e.g. 1:2:6000, got {text!r}"
        ) from None
    return dataset, version, weight


@command(group, "register")
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
    max_derivatives: Annotated[int, typer.Option(help="Models one licence may derive.")] = 1,
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
        raise bad_input("--duration-days must be positive")
    wallet = open_wallet(rpc_url, manifest, key)
    decimals = token_contract(wallet.client).functions.decimals().call()
    terms = Terms(
        price=parse_amount(price, decimals=decimals, what="--price"),
        duration=int(duration_days * 86_400),
        contributors_bps=contributors_bps,
        derivative_rev_share_bps=derivative_share_bps,
        permissions=permissions(permission or [PermissionName.COMMERCIAL, PermissionName.ATTRIBUTION]),
        max_derivatives=max_derivatives,
        fee_per_call=parse_amount(fee_per_call, decimals=decimals, what="--fee-per-call"),
        included_calls=included_calls,
    )
    registry = wallet.client.contract("AssetRegistry")
    (receipt,) = send_steps(
        wallet,
        [
            (
                "registering the model",
                lambda: registry.functions.registerModel(
                    (cid, digest, parents, datasets), terms_tuple(terms)
                ),
            )
        ],
    )
    model_id = int(wallet.event(receipt, "AssetRegistry", "ModelRegistered")["modelId"])
    result = {"model_id": model_id, "owner": wallet.address, "transaction": tx_hash(receipt)}
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(f"Registered model {model_id} (owner {wallet.address})"),
    )


@command(group, "version")
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
    wallet = open_wallet(rpc_url, manifest, key)
    wallet.client.model(model_id=model_id)  # NotFoundError names an unknown model before anything is signed
    registry = wallet.client.contract("AssetRegistry")
    (receipt,) = send_steps(
        wallet,
        [("publishing the version", lambda: registry.functions.publishModelVersion(model_id, cid, digest))],
    )
    version = int(wallet.event(receipt, "AssetRegistry", "ModelVersionPublished")["version"])
    result = {"model_id": model_id, "version": version, "transaction": tx_hash(receipt)}
    emit(result, as_json=as_json, human=lambda: out.print(f"Published version {version} of model {model_id}"))


@command(group, "operator")
def model_operator(
    model_id: Annotated[int, typer.Argument(help="The model.")],
    operator: Annotated[str, typer.Argument(help="The address that will report its usage (its gateway).")],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the operator instead.")] = False,
    rpc_url: RpcUrl = DEFAULT_RPC,
    manifest: ManifestPath = DEFAULT_MANIFEST,
    key: PrivateKey = None,
    as_json: JsonFlag = False,
) -> None:
    """Name (or remove) an operator of a model you own: it may then create usage keys for the model. A
    transfer of the model removes every operator."""
    try:
        address = checksum_address(operator, what="OPERATOR")
    except ValueError as error:
        raise bad_input(str(error)) from None
    wallet = open_wallet(rpc_url, manifest, key)
    wallet.client.model(model_id=model_id)  # NotFoundError names an unknown model before anything is signed
    registry = wallet.client.contract("AssetRegistry")
    (receipt,) = send_steps(
        wallet,
        [
            (
                "removing the operator" if remove else "naming the operator",
                lambda: registry.functions.setModelOperator(model_id, address, not remove),
            )
        ],
    )
    result = {
        "model_id": model_id,
        "operator": address,
        "allowed": not remove,
        "transaction": tx_hash(receipt),
    }
    emit(
        result,
        as_json=as_json,
        human=lambda: out.print(
            f"{address} {'no longer reports' if remove else 'may now report'} usage of model {model_id}"
        ),
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


@command(group, "show")
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
            key_value_table(
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
                    ("derivations per licence", terms.get("max_derivatives", "-")),
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

    emit(model, as_json=as_json, human=human)


@command(group, "lineage")
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

    emit(graph, as_json=as_json, human=human)
