"""The web3.py client: contract handles from the deployment manifest, typed reads, readable reverts.

``ChainClient(rpc_url=..., manifest_path=...)`` checks that the node is on the manifest's chain, hands out
contracts by name (``client.contract("LicenseManager")``) and reads models, datasets, terms, licences and
proposals into dataclasses. Every read of one helper is pinned to one block, so the parts agree. Reverts
carry the contracts' custom errors decoded from their ABIs, e.g.
``LicenseManagerPriceAboveMax(price=100000000, maxPrice=1)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum, IntFlag
from pathlib import Path
from typing import Any, Literal, cast, get_args

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_typing import BlockNumber, ChecksumAddress
from eth_utils.abi import collapse_if_tuple
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from requests.exceptions import RequestException
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, Web3RPCError

from backend.chain.manifest import Manifest, load_manifest

ContractName = Literal[
    "AssetRegistry",
    "LicenseManager",
    "MockUSDC",
    "ProvenanceToken",
    "ProvenantGovernor",
    "RewardDistributor",
    "RoyaltyRouter",
    "TimelockController",
]
CONTRACT_NAMES: tuple[str, ...] = get_args(ContractName)


class ChainError(Exception):
    """Base of the errors this package raises about the chain."""


class ChainUnavailable(ChainError):
    """No node answers at the configured RPC URL."""


class NotFoundError(ChainError, LookupError):
    """The asset, licence, terms version or proposal asked for does not exist on chain."""


class ContractReverted(ChainError):
    """A call or transaction reverted; ``error`` is the decoded custom error."""

    def __init__(self, context: str, error: DecodedError) -> None:
        super().__init__(f"{context} reverted: {error}")
        self.error = error


class AssetKind(IntEnum):
    NONE = 0
    MODEL = 1
    DATASET = 2


class EdgeType(IntEnum):
    FINE_TUNE = 0
    DISTILL = 1
    TRAIN_ON_OUTPUTS = 2
    MERGE = 3
    QUANTIZE = 4


class Permission(IntFlag):
    COMMERCIAL = 1
    DERIVATIVES = 2
    DISTILLATION = 4
    TRAIN_ON_OUTPUTS = 8
    ATTRIBUTION = 16


class ProposalState(IntEnum):
    """OpenZeppelin Governor's ProposalState, in its order."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


# Enums that custom errors take as arguments, shown by name in decoded errors.
_ERROR_ENUMS: dict[str, type[IntEnum]] = {"AssetKind": AssetKind, "EdgeType": EdgeType}

# Solidity's panic codes (Panic(uint256)).
_PANICS = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "bad storage byte array encoding",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}


@dataclass(frozen=True)
class DecodedError:
    """A revert's error: its name and arguments in declaration order."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        if self.name == "Error":
            return f"Error({self.args[0][1]!r})"
        if self.name == "Panic":
            code = self.args[0][1]
            return f"Panic(0x{code:02x}: {_PANICS.get(code, 'unknown panic code')})"
        if self.name == "":
            return "revert without data"
        return f"{self.name}({', '.join(f'{key}={_show(value)}' for key, value in self.args)})"


def _show(value: Any) -> str:
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_show(item) for item in value) + ")"
    return repr(value)


class ErrorDecoder:
    """Turns revert data into DecodedError using every custom error in the given ABIs."""

    def __init__(self, abis: Iterable[Sequence[dict[str, Any]]]) -> None:
        self._errors: dict[bytes, tuple[str, list[dict[str, Any]]]] = {
            keccak(text="Error(string)")[:4]: ("Error", [{"name": "reason", "type": "string"}]),
            keccak(text="Panic(uint256)")[:4]: ("Panic", [{"name": "code", "type": "uint256"}]),
        }
        for abi in abis:
            for entry in abi:
                if entry.get("type") == "error":
                    inputs = list(entry.get("inputs", []))
                    signature = f"{entry['name']}({','.join(collapse_if_tuple(item) for item in inputs)})"
                    self._errors[keccak(text=signature)[:4]] = (entry["name"], inputs)

    def decode(self, data: bytes | str) -> DecodedError:
        raw = HexBytes(data)
        if not raw:
            return DecodedError("")
        known = self._errors.get(bytes(raw[:4]))
        if known is None:
            return DecodedError("UnknownError", (("selector", bytes(raw[:4])), ("data", bytes(raw[4:]))))
        name, inputs = known
        try:
            values = abi_decode([collapse_if_tuple(item) for item in inputs], bytes(raw[4:]))
        except DecodingError:
            return DecodedError(name, (("undecodable", bytes(raw[4:])),))
        args = []
        for index, (item, value) in enumerate(zip(inputs, values, strict=True)):
            # "enum IAssetRegistry.AssetKind", or "enum EdgeType" for one declared at file level
            enum_name = str(item.get("internalType", "")).removeprefix("enum ").rsplit(".", 1)[-1]
            enum = _ERROR_ENUMS.get(enum_name)
            if enum is not None and value in enum._value2member_map_:
                value = enum(value)
            elif item["type"] == "address":
                value = Web3.to_checksum_address(value)
            args.append((item.get("name") or f"arg{index}", value))
        return DecodedError(name, tuple(args))


def revert_data(error: Exception) -> str | None:
    """The raw revert data a web3.py call error carries, or None when it is not a revert."""
    if isinstance(error, ContractLogicError):
        return error.data if isinstance(error.data, str) else "0x"
    if isinstance(error, Web3RPCError) and isinstance(error.rpc_response, dict):
        data = error.rpc_response.get("error", {}).get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return data
    return None


@dataclass(frozen=True)
class Terms:
    price: int
    duration: int  # seconds
    contributors_bps: int
    derivative_rev_share_bps: int
    permissions: Permission
    max_derivatives: int  # models one licence may derive
    fee_per_call: int
    included_calls: int


@dataclass(frozen=True)
class ModelVersion:
    manifest_cid: str
    weights_hash: bytes
    published_at: datetime


@dataclass(frozen=True)
class ParentEdge:
    parent_id: int
    edge_type: EdgeType
    licence_id: int  # 0 when the registrant owned the parent


@dataclass(frozen=True)
class DatasetUse:
    dataset_id: int
    version: int
    weight_bps: int


@dataclass(frozen=True)
class Model:
    model_id: int
    owner: ChecksumAddress
    versions: tuple[ModelVersion, ...]
    parents: tuple[ParentEdge, ...]
    training_datasets: tuple[DatasetUse, ...]
    terms_version: int
    terms: Terms


@dataclass(frozen=True)
class DatasetVersion:
    contributions_root: bytes
    manifest_cid: str
    committed_at: datetime


@dataclass(frozen=True)
class Dataset:
    dataset_id: int
    curator: ChecksumAddress
    versions: tuple[DatasetVersion, ...]


@dataclass(frozen=True)
class Licence:
    licence_id: int
    holder: ChecksumAddress
    model_id: int
    terms_version: int
    terms: Terms
    expires_at: datetime
    derivations: int  # models derived under this licence
    credit: int  # payment-token units; negative while fees are owed
    settled_calls: int
    last_settled_epoch: int
    valid: bool


@dataclass(frozen=True)
class Proposal:
    proposal_id: int
    state: ProposalState
    proposer: ChecksumAddress
    votes_for: int
    votes_against: int
    votes_abstain: int
    snapshot: int  # clock value (block number) at which votes are counted
    deadline: int  # last clock value of the vote
    eta: int  # earliest execution time once queued, else 0


class ChainClient:
    """web3.py on the node at ``rpc_url`` with the contracts of the manifest at ``manifest_path``."""

    def __init__(self, *, rpc_url: str, manifest_path: str | Path, request_timeout: float = 30.0) -> None:
        self.manifest: Manifest = load_manifest(path=manifest_path)
        self.rpc_url = rpc_url
        self.w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": request_timeout}))
        try:
            chain_id = self.w3.eth.chain_id
        except RequestException as error:
            raise ChainUnavailable(f"no Ethereum node answers at {rpc_url}: {error}") from None
        self.manifest.check_chain_id(chain_id=chain_id, rpc_url=rpc_url)
        self.chain_id = chain_id
        self._contracts = {
            name: self.w3.eth.contract(address=entry.address, abi=cast(Any, entry.abi))
            for name, entry in self.manifest.contracts.items()
        }
        self.errors = ErrorDecoder(entry.abi for entry in self.manifest.contracts.values())

    def contract(self, name: ContractName) -> Contract:
        """The deployed contract called ``name`` (raises ManifestError when this deployment lacks it)."""
        if name not in CONTRACT_NAMES:
            raise ValueError(f"unknown contract {name!r}; expected one of {', '.join(CONTRACT_NAMES)}")
        self.manifest.contract(name)
        return self._contracts[name]

    def call(self, function: ContractFunction, *, block: BlockNumber | Literal["latest"] = "latest") -> Any:
        """Calls a view function; a revert raises ContractReverted with the decoded error."""
        try:
            return function.call(block_identifier=block)
        except (ContractLogicError, Web3RPCError) as error:
            data = revert_data(error)
            if data is None:
                raise
            raise ContractReverted(f"call {function.fn_name}", self.errors.decode(data)) from None

    def decode_revert(self, *, data: bytes | str) -> DecodedError:
        return self.errors.decode(data)

    def model(self, *, model_id: int) -> Model:
        registry, licenses = self.contract("AssetRegistry"), self.contract("LicenseManager")
        block = self._require_kind(model_id, AssetKind.MODEL)
        count = self.call(registry.functions.modelVersionCount(model_id), block=block)
        versions = tuple(
            ModelVersion(manifest_cid=cid, weights_hash=bytes(weights), published_at=_time(published))
            for cid, weights, published in (
                self.call(registry.functions.modelVersion(model_id, version), block=block)
                for version in range(1, count + 1)
            )
        )
        terms_version = self.call(licenses.functions.currentTermsVersion(model_id), block=block)
        return Model(
            model_id=model_id,
            owner=self.call(registry.functions.ownerOf(model_id), block=block),
            versions=versions,
            parents=tuple(
                ParentEdge(parent_id=parent, edge_type=EdgeType(edge), licence_id=licence)
                for parent, edge, licence in self.call(registry.functions.parentsOf(model_id), block=block)
            ),
            training_datasets=tuple(
                DatasetUse(dataset_id=dataset, version=version, weight_bps=weight)
                for dataset, version, weight in self.call(
                    registry.functions.trainingDatasetsOf(model_id), block=block
                )
            ),
            terms_version=terms_version,
            terms=_terms(self.call(licenses.functions.termsOf(model_id, terms_version), block=block)),
        )

    def dataset(self, *, dataset_id: int) -> Dataset:
        registry = self.contract("AssetRegistry")
        block = self._require_kind(dataset_id, AssetKind.DATASET)
        count = self.call(registry.functions.datasetVersionCount(dataset_id), block=block)
        return Dataset(
            dataset_id=dataset_id,
            curator=self.call(registry.functions.ownerOf(dataset_id), block=block),
            versions=tuple(
                DatasetVersion(
                    contributions_root=bytes(root), manifest_cid=cid, committed_at=_time(committed)
                )
                for root, cid, committed in (
                    self.call(registry.functions.datasetVersion(dataset_id, version), block=block)
                    for version in range(1, count + 1)
                )
            ),
        )

    def terms_version(self, *, model_id: int) -> int:
        """The version (1-based) of a model's current terms: what a purchase must name."""
        return self._terms_version(model_id, self.w3.eth.block_number)

    def _terms_version(self, model_id: int, block: BlockNumber) -> int:
        _check_id(model_id, "model id")
        latest: int = self.call(
            self.contract("LicenseManager").functions.currentTermsVersion(model_id), block=block
        )
        if latest == 0:
            raise NotFoundError(f"model {model_id} does not exist (it has no licence terms)")
        return latest

    def terms(self, *, model_id: int, version: int | None = None) -> Terms:
        """Terms version ``version`` (1-based) of a model; its current terms when ``version`` is None."""
        licenses = self.contract("LicenseManager")
        block = self.w3.eth.block_number
        latest = self._terms_version(model_id, block)
        if version is None:
            version = latest
        elif isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= latest:
            raise NotFoundError(f"model {model_id} has no terms version {version!r} (it has 1 to {latest})")
        return _terms(self.call(licenses.functions.termsOf(model_id, version), block=block))

    def licence(self, *, licence_id: int) -> Licence:
        _check_id(licence_id, "licence id")
        licenses = self.contract("LicenseManager")
        block = self.w3.eth.block_number
        try:
            model_id, terms_version, expires_at, derivations, credit, settled, last_epoch = self.call(
                licenses.functions.licenseOf(licence_id), block=block
            )
        except ContractReverted as reverted:
            if reverted.error.name == "LicenseManagerUnknownLicense":
                raise NotFoundError(f"licence {licence_id} does not exist") from None
            raise
        return Licence(
            licence_id=licence_id,
            holder=self.call(licenses.functions.ownerOf(licence_id), block=block),
            model_id=model_id,
            terms_version=terms_version,
            terms=_terms(self.call(licenses.functions.licenseTerms(licence_id), block=block)),
            expires_at=_time(expires_at),
            derivations=derivations,
            credit=credit,
            settled_calls=settled,
            last_settled_epoch=last_epoch,
            valid=self.call(licenses.functions.isValid(licence_id), block=block),
        )

    def proposal(self, *, proposal_id: int) -> Proposal:
        _check_id(proposal_id, "proposal id")
        governor = self.contract("ProvenantGovernor")
        block = self.w3.eth.block_number
        try:
            state = ProposalState(self.call(governor.functions.state(proposal_id), block=block))
        except ContractReverted as reverted:
            if reverted.error.name == "GovernorNonexistentProposal":
                raise NotFoundError(f"proposal {proposal_id} does not exist") from None
            raise
        against, for_, abstain = self.call(governor.functions.proposalVotes(proposal_id), block=block)
        return Proposal(
            proposal_id=proposal_id,
            state=state,
            proposer=self.call(governor.functions.proposalProposer(proposal_id), block=block),
            votes_for=for_,
            votes_against=against,
            votes_abstain=abstain,
            snapshot=self.call(governor.functions.proposalSnapshot(proposal_id), block=block),
            deadline=self.call(governor.functions.proposalDeadline(proposal_id), block=block),
            eta=self.call(governor.functions.proposalEta(proposal_id), block=block),
        )

    def _require_kind(self, asset_id: int, kind: AssetKind) -> BlockNumber:
        """Checks that ``asset_id`` is a ``kind``; returns the block the caller's reads are pinned to."""
        _check_id(asset_id, f"{kind.name.lower()} id")
        block = self.w3.eth.block_number
        actual = AssetKind(self.call(self.contract("AssetRegistry").functions.kindOf(asset_id), block=block))
        if actual is AssetKind.NONE:
            raise NotFoundError(f"{kind.name.lower()} {asset_id} does not exist")
        if actual is not kind:
            raise NotFoundError(f"asset {asset_id} is a {actual.name.lower()}, not a {kind.name.lower()}")
        return block


def _check_id(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
        raise ValueError(f"{what} must be a non-negative integer below 2**256, got {value!r}")


def _time(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _terms(raw: Sequence[int]) -> Terms:
    price, duration, contributors, derivative, permissions, max_derivatives, fee_per_call, included = raw
    return Terms(
        price=price,
        duration=duration,
        contributors_bps=contributors,
        derivative_rev_share_bps=derivative,
        permissions=Permission(permissions),
        max_derivatives=max_derivatives,
        fee_per_call=fee_per_call,
        included_calls=included,
    )
