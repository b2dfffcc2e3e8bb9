"""A dataset version's Merkle tree over its accepted contributions, in OpenZeppelin StandardMerkleTree form.

Leaves are ``(contributor, cidDigest, weight)`` with encoding ``["address", "bytes32", "uint256"]``:
``cidDigest`` is the sha2-256 digest inside the contribution's CID. ``StandardMerkleTree.of(values,
["address", "bytes32", "uint256"])`` of @openzeppelin/merkle-tree builds the same tree, so anyone can check a
contribution's inclusion proof against the root the dataset version holds on chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sha3 import keccak_256

from backend.domain.merkle import build_tree, proof_at, verify_proof
from backend.storage import Cid

LEAF_ENCODING = ("address", "bytes32", "uint256")


class ContributionLeaf(NamedTuple):
    contributor: str
    cid: str
    weight: int


def leaf_hash(leaf: ContributionLeaf) -> bytes:
    account = bytes.fromhex(leaf.contributor.removeprefix("0x"))
    if len(account) != 20:
        raise ValueError(f"not a 20-byte address: {leaf.contributor!r}")
    if not 0 <= leaf.weight < 2**256:
        raise ValueError(f"weight out of uint256 range: {leaf.weight}")
    encoded = bytes(12) + account + Cid.parse(leaf.cid).digest + leaf.weight.to_bytes(32, "big")
    return keccak_256(keccak_256(encoded).digest()).digest()


class ContributionTree:
    """The tree of one dataset version; leaves in the order given (sorted by the caller for determinism)."""

    def __init__(self, leaves: Sequence[ContributionLeaf]) -> None:
        if not leaves:
            raise ValueError("a dataset version needs at least one accepted contribution")
        self.leaves = list(leaves)
        self._nodes, self._tree_index = build_tree([leaf_hash(leaf) for leaf in self.leaves])

    @property
    def root(self) -> str:
        return "0x" + self._nodes[0].hex()

    def proof(self, position: int) -> list[str]:
        """Inclusion proof of ``self.leaves[position]``."""
        return proof_at(self._nodes, self._tree_index[position])

    @staticmethod
    def verify(*, root: str, leaf: ContributionLeaf, proof: Sequence[str]) -> bool:
        return verify_proof(root=root, leaf=leaf_hash(leaf), proof=proof)
