"""The demo world: a small, believable state of the platform made by real transactions and the real API.

``seed_world`` works on a running platform (chain, API, worker and indexer up; see backend/devplatform.py).
Anvil's development accounts play fixed roles (``Role``): a curator registers two datasets, three accounts
contribute files to them through the API, the curator commits each dataset's first version over the accepted
contributions, a teacher model is trained on both and allows distillation, a licensee buys a distillation
licence and registers a student distilled from the teacher (licence-gated derivation) with an operator key
for its gateway. A model user holds USDC but no licence; a DAO member holds PROV but has not delegated.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from eth_account import Account

from backend.chain.client import ChainClient, EdgeType, Permission
from backend.cli.api import ApiProblem, PlatformApi
from backend.cli.wallet import Wallet
from backend.devchain import dev_keys
from backend.domain.contributions_tree import LEAF_ENCODING, ContributionLeaf, ContributionTree
from backend.storage import ContentStore

USDC = 10**6
PROV = 10**18
MODEL_USER_USDC = 1_000 * USDC
DAO_MEMBER_PROV = 10_000_000 * PROV  # 10 % of the genesis supply: above the 4 % quorum on its own
INDEXING_TIMEOUT = 120.0  # seconds for the worker to index a transaction or review an upload

T = TypeVar("T")


class Role(StrEnum):
    """What each of anvil's ten development accounts (by index) does in the demo world."""

    DEPLOYER = "deployer"  # 0: deployed the contracts, holds the PROV genesis allocation
    TEACHER_OWNER = "teacher_owner"  # 1: owns the teacher model
    LICENSEE = "licensee"  # 2: bought a distillation licence on the teacher, owns the student
    CURATOR = "curator"  # 3: curates both datasets (and contributes)
    MODEL_USER = "model_user"  # 4: holds USDC, no licence yet
    DAO_MEMBER = "dao_member"  # 5: holds PROV, has not delegated
    CONTRIBUTOR = "contributor"  # 6: contributes to both datasets
    SECOND_CONTRIBUTOR = "second_contributor"  # 7: contributes to both datasets
    GUARDIAN = "guardian"  # 8: may revoke a pending reward root
    ORACLE = "oracle"  # 9: the platform's hot wallet (epochs, settlement)


@dataclass(frozen=True)
class DevAccount:
    role: Role
    index: int  # in anvil's development mnemonic
    address: str
    private_key: str  # public knowledge: derived from anvil's published mnemonic


@dataclass(frozen=True)
class DemoWorld:
    dataset_ids: tuple[int, ...]
    teacher_model_id: int
    student_model_id: int
    distillation_licence_id: int  # the licensee's licence on the teacher, under which the student was made
    contribution_ids: tuple[int, ...]
    operator_key: str  # the student gateway's API key (plaintext, shown once by the API)
    accounts: Mapping[Role, DevAccount]

    def account(self, role: Role) -> DevAccount:
        return self.accounts[role]

    def to_json(self) -> str:
        data = asdict(self)
        data["accounts"] = [asdict(account) for account in self.accounts.values()]
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoWorld:
        data = json.loads(text)
        accounts = {
            Role(entry["role"]): DevAccount(**{**entry, "role": Role(entry["role"])})
            for entry in data.pop("accounts")
        }
        return cls(
            **{
                **data,
                "dataset_ids": tuple(data["dataset_ids"]),
                "contribution_ids": tuple(data["contribution_ids"]),
            },
            accounts=accounts,
        )


def dev_accounts() -> dict[Role, DevAccount]:
    """The development accounts with their roles, in index order."""
    return {
        role: DevAccount(role=role, index=index, address=Account.from_key(key).address, private_key=key)
        for index, (role, key) in enumerate(zip(Role, dev_keys(), strict=True))
    }


@dataclass(frozen=True)
class _Dataset:
    card: dict[str, Any]
    # (uploading role, file name, media type, content)
    files: tuple[tuple[Role, str, str, bytes], ...]


_DATASETS = (
    _Dataset(
        card={
            "name": "Plain-language Q&A",
            "description": "Questions and short answers written by people, for instruction tuning.",
            "licence": "CC-BY-4.0",
            "accepts": ["text/csv", "text/plain"],
        },
        files=(
            (
                Role.CURATOR,
                "qa-seed.csv",
                "text/csv",
                b"question,answer\n"
                b"What is a licence?,Permission to use something on stated terms.\n"
                b"What is provenance?,Where something came from and how it was made.\n",
            ),
            (
                Role.CONTRIBUTOR,
                "qa-kitchen.csv",
                "text/csv",
                b"question,answer\n"
                b"Why rest dough?,The gluten relaxes so it rolls out without shrinking.\n"
                b"Why salt pasta water?,Pasta absorbs it and is seasoned through.\n"
                b"Why sear meat?,Browning makes flavour; it does not seal in juices.\n",
            ),
            (
                Role.SECOND_CONTRIBUTOR,
                "definitions.txt",
                "text/plain",
                b"A distilled model learns from a larger model's outputs.\n"
                b"A fine-tuned model continues training a model on new data.\n",
            ),
        ),
    ),
    _Dataset(
        card={
            "name": "Reviewed code snippets",
            "description": "Small code snippets with a reviewer's note, one JSON record each.",
            "licence": "CC-BY-SA-4.0",
            "accepts": ["application/jsonl", "application/json"],
        },
        files=(
            (
                Role.CONTRIBUTOR,
                "snippets.jsonl",
                "application/jsonl",
                b'{"language": "python", "code": "sum(range(10))", "note": "45"}\n'
                b'{"language": "sql", "code": "SELECT count(*) FROM t", "note": "row count"}\n',
            ),
            (
                Role.SECOND_CONTRIBUTOR,
                "review.json",
                "application/json",
                b'{"language": "rust", "code": "let v: Vec<u8> = Vec::new();", "note": "empty vector"}\n',
            ),
        ),
    ),
)

_TEACHER_CARD = {
    "name": "Provenant Teacher 7B",
    "description": "A general instruction-following model trained on the Q&A and code datasets.",
    "architecture": "decoder-only transformer",
    "parameters": "7B",
}
_STUDENT_CARD = {
    "name": "Provenant Student 1B",
    "description": "Distilled from Provenant Teacher 7B under a distillation licence.",
    "architecture": "decoder-only transformer",
    "parameters": "1.1B",
}


def _terms(
    *, price: int, contributors_bps: int, derivative_rev_share_bps: int, permissions: Permission
) -> tuple[int, ...]:
    """A Terms struct in ABI field order (see contracts/interfaces/ILicenseTypes.sol): 30 days, one derived
    model per licence, 10,000 calls included, 0.001 USDC per extra call."""
    return (
        price,
        30 * 86_400,
        contributors_bps,
        derivative_rev_share_bps,
        int(permissions),
        1,
        1_000,
        10_000,
    )


def _wait_for(what: str, probe: Callable[[], T | None], *, timeout: float = INDEXING_TIMEOUT) -> T:
    """Polls ``probe`` until it returns something (the worker indexes and reviews in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:.0f} s: is the worker running?")
        time.sleep(0.5)


def _found(api: PlatformApi, path: str) -> dict[str, Any] | None:
    try:
        answer: dict[str, Any] = api.get(path)
    except ApiProblem as problem:
        if problem.status == 404:
            return None
        raise
    return answer


def _reviewed(api: PlatformApi, contribution_id: int) -> dict[str, Any] | None:
    contribution: dict[str, Any] = api.get(f"/v1/contributions/{contribution_id}")
    return None if contribution["status"] == "pending" else contribution


def seed_world(*, rpc_url: str, manifest_path: Path, api_url: str, store: ContentStore) -> DemoWorld:
    """Makes the demo world on the platform at ``rpc_url`` (deployment ``manifest_path``) and ``api_url``;
    ``store`` is the platform's content store, where the cards and dataset manifests go."""
    client = ChainClient(rpc_url=rpc_url, manifest_path=manifest_path)
    accounts = dev_accounts()
    wallets = {
        role: Wallet(client=client, private_key=account.private_key) for role, account in accounts.items()
    }
    registry, licenses = client.contract("AssetRegistry"), client.contract("LicenseManager")
    usdc, prov = client.contract("MockUSDC"), client.contract("ProvenanceToken")

    def put_json(document: Mapping[str, Any]) -> str:
        return str(store.put(data=json.dumps(document, sort_keys=True).encode()))

    wallets[Role.DEPLOYER].send(prov.functions.transfer(accounts[Role.DAO_MEMBER].address, DAO_MEMBER_PROV))
    wallets[Role.MODEL_USER].send(usdc.functions.faucet(accounts[Role.MODEL_USER].address, MODEL_USER_USDC))

    curator = wallets[Role.CURATOR]
    dataset_ids = tuple(
        int(
            curator.event(
                curator.send(registry.functions.registerDataset(put_json(dataset.card))),
                "AssetRegistry",
                "DatasetRegistered",
            )["datasetId"]
        )
        for dataset in _DATASETS
    )
    with PlatformApi(api_url) as anonymous:
        for dataset_id in dataset_ids:
            _wait_for(
                f"indexing dataset {dataset_id}",
                functools.partial(_found, anonymous, f"/v1/datasets/{dataset_id}"),
            )

    sessions: dict[Role, PlatformApi] = {}
    contribution_ids: list[int] = []
    try:
        for dataset_id, dataset in zip(dataset_ids, _DATASETS, strict=True):
            for role, filename, media_type, content in dataset.files:
                if role not in sessions:
                    sessions[role] = PlatformApi(api_url)
                    sessions[role].sign_in(Account.from_key(accounts[role].private_key))
                with io.BytesIO(content) as file:
                    uploaded = sessions[role].contribute(
                        dataset_id=dataset_id, filename=filename, media_type=media_type, file=file
                    )
                contribution_ids.append(int(uploaded["id"]))

        api = sessions[Role.CURATOR]
        reviewed = [
            _wait_for(f"review of contribution {c}", functools.partial(_reviewed, api, c))
            for c in contribution_ids
        ]
        for dataset_id in dataset_ids:
            # Version 1 as the epoch job would commit it: the tree over accepted contributions, by id.
            accepted = sorted(
                (c for c in reviewed if c["dataset_id"] == dataset_id and c["status"] == "accepted"),
                key=lambda c: int(c["id"]),
            )
            tree = ContributionTree(
                [ContributionLeaf(c["contributor"], c["cid"], c["weight"]) for c in accepted]
            )
            manifest_cid = put_json(
                {
                    "dataset": dataset_id,
                    "epoch": 0,
                    "root": tree.root,
                    "leafEncoding": list(LEAF_ENCODING),
                    "contributions": [
                        {
                            "id": c["id"],
                            "contributor": c["contributor"],
                            "cid": c["cid"],
                            "weight": c["weight"],
                        }
                        for c in accepted
                    ],
                }
            )
            curator.send(registry.functions.commitDatasetVersion(dataset_id, tree.root, manifest_cid))

        teacher_owner = wallets[Role.TEACHER_OWNER]
        teacher_id = _register_model(
            teacher_owner,
            card_cid=put_json(_TEACHER_CARD),
            parents=[],
            datasets=[(dataset_ids[0], 1, 6_000), (dataset_ids[1], 1, 4_000)],
            terms=_terms(
                price=100 * USDC,
                contributors_bps=2_000,
                derivative_rev_share_bps=1_500,
                permissions=Permission.COMMERCIAL
                | Permission.DERIVATIVES
                | Permission.DISTILLATION
                | Permission.ATTRIBUTION,
            ),
        )

        licensee = wallets[Role.LICENSEE]
        version = client.terms_version(model_id=teacher_id)
        price = client.terms(model_id=teacher_id, version=version).price
        licensee.send(usdc.functions.faucet(licensee.address, price))
        licensee.send(usdc.functions.approve(licenses.address, price))
        licence_id = int(
            licensee.event(
                licensee.send(licenses.functions.purchase(teacher_id, licensee.address, price, version)),
                "LicenseManager",
                "LicensePurchased",
            )["licenceId"]
        )
        student_id = _register_model(
            licensee,
            card_cid=put_json(_STUDENT_CARD),
            parents=[(teacher_id, EdgeType.DISTILL, licence_id)],
            datasets=[],
            terms=_terms(
                price=20 * USDC,
                contributors_bps=0,
                derivative_rev_share_bps=1_000,
                permissions=Permission.COMMERCIAL | Permission.ATTRIBUTION,
            ),
        )
        _wait_for(f"indexing model {student_id}", lambda: _found(api, f"/v1/models/{student_id}"))
        if Role.LICENSEE not in sessions:
            sessions[Role.LICENSEE] = PlatformApi(api_url)
            sessions[Role.LICENSEE].sign_in(Account.from_key(accounts[Role.LICENSEE].private_key))
        operator_key = sessions[Role.LICENSEE].create_operator_key(
            model_id=student_id, label="student gateway"
        )
    finally:
        for session in sessions.values():
            session.close()

    return DemoWorld(
        dataset_ids=dataset_ids,
        teacher_model_id=teacher_id,
        student_model_id=student_id,
        distillation_licence_id=licence_id,
        contribution_ids=tuple(contribution_ids),
        operator_key=str(operator_key["key"]),
        accounts=accounts,
    )


def _register_model(
    owner: Wallet,
    *,
    card_cid: str,
    parents: list[tuple[int, EdgeType, int]],
    datasets: list[tuple[int, int, int]],
    terms: tuple[int, ...],
) -> int:
    # Stand-in weights: the hash of the card, so each model's weights hash is distinct and reproducible.
    weights_hash = hashlib.sha256(card_cid.encode()).digest()
    registry = owner.client.contract("AssetRegistry")
    registration = (card_cid, weights_hash, [(p, int(edge), lic) for p, edge, lic in parents], datasets)
    receipt = owner.send(registry.functions.registerModel(registration, terms))
    return int(owner.event(receipt, "AssetRegistry", "ModelRegistered")["modelId"])
