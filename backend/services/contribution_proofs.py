"""Inclusion proofs of contributions in dataset versions, for auditors.

A version committed by the epoch job (services/epochs.py) has a manifest on the content store listing its
leaves in tree order. The proof is built by rebuilding that tree from the manifest and checked against the
root the chain holds for the version (as indexed), so a manifest that does not match the chain yields a
proof that does not verify, never a false "verified".
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import BaseModel
from sqlalchemy.orm import Session

from backend.domain.contributions_tree import ContributionLeaf, ContributionTree, leaf_hash
from backend.models.assets import DatasetVersion
from backend.storage import ContentNotFoundError, ContentStore, InvalidCidError, UnsupportedContentError


class ProofNotFound(LookupError):
    """No such dataset version, or the contribution is not in it; the message says which."""


class ManifestUnreadable(LookupError):
    """The version has no manifest this service can read, so no proof can be built."""


class _ManifestEntry(BaseModel):
    id: int
    contributor: str
    cid: str
    weight: int


class _Manifest(BaseModel):
    contributions: list[_ManifestEntry]


@dataclass(frozen=True)
class ContributionProof:
    dataset_id: int
    version: int
    contribution_id: int
    leaf: ContributionLeaf
    leaf_hash: str
    proof: list[str]
    root: str  # the version's root on chain
    manifest_cid: str
    verified: bool


def contribution_proof(
    *, session: Session, store: ContentStore, dataset_id: int, version: int, contribution_id: int
) -> ContributionProof:
    """The proof that contribution ``contribution_id`` is in ``version`` of dataset ``dataset_id``.

    Raises ProofNotFound or ManifestUnreadable; the content store's own errors (unreachable) pass through.
    """
    committed = session.get(DatasetVersion, (dataset_id, version))
    if committed is None:
        raise ProofNotFound(f"Dataset {dataset_id} has no version {version}.")
    where = f"the manifest {committed.manifest_cid} of version {version} of dataset {dataset_id}"
    try:
        content = store.get(cid=committed.manifest_cid)
    except (InvalidCidError, ContentNotFoundError, UnsupportedContentError):
        raise ManifestUnreadable(f"{where.capitalize()} is not on this service's content store.") from None
    try:
        manifest = _Manifest.model_validate(json.loads(content))
        leaves = [
            ContributionLeaf(entry.contributor, entry.cid, entry.weight) for entry in manifest.contributions
        ]
        tree = ContributionTree(leaves)
    except ValueError:  # not JSON, not a manifest, or a leaf that is not one (bad address or CID)
        raise ManifestUnreadable(f"{where.capitalize()} is not a contributions manifest.") from None
    positions = {entry.id: position for position, entry in enumerate(manifest.contributions)}
    position = positions.get(contribution_id)
    if position is None:
        raise ProofNotFound(
            f"Contribution {contribution_id} is not in version {version} of dataset {dataset_id}."
        )
    leaf, proof = leaves[position], tree.proof(position)
    return ContributionProof(
        dataset_id=dataset_id,
        version=version,
        contribution_id=contribution_id,
        leaf=leaf,
        leaf_hash="0x" + leaf_hash(leaf).hex(),
        proof=proof,
        root=committed.contributions_root,
        manifest_cid=committed.manifest_cid,
        verified=ContributionTree.verify(root=committed.contributions_root, leaf=leaf, proof=proof),
    )
