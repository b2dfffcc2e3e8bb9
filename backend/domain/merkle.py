"""The cumulative rewards tree: OpenZeppelin's StandardMerkleTree over ``(account, token, cumulativeAmount)``.

Byte-for-byte the tree that ``StandardMerkleTree.of(values, ["address", "address", "uint256"])`` of
``@openzeppelin/merkle-tree`` (default options) builds, so the two produce the same root, the same proofs and
interchangeable dumps (``standard-v1``), and ``RewardDistributor.claim`` accepts the proofs:

* leaf hash: ``keccak256(keccak256(abi.encode(account, token, cumulativeAmount)))``;
* internal node: ``keccak256`` of its two children, the smaller first;
* layout: leaves sorted by hash (stable), stored in reverse at the end of an array-based complete binary
  tree of ``2n - 1`` nodes whose node ``i`` has children ``2i + 1`` and ``2i + 2``; node 0 is the root.

The ABI encoding is written by hand and hashing uses safe-pysha3's C Keccak, which keeps a 131,072-leaf tree
well under a second.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sha3 import keccak_256

LEAF_ENCODING = ("address", "address", "uint256")
DUMP_FORMAT = "standard-v1"

_ADDRESS_PADDING = bytes(12)
_MAX_UINT256 = 2**256 - 1


class RewardLeaf(NamedTuple):
    """What ``account`` may have claimed of ``token`` in total, up to and including the tree's epoch."""

    account: str
    token: str
    cumulative_amount: int


def _address_bytes(address: str) -> bytes:
    raw = bytes.fromhex(address[2:]) if address[:2] in ("0x", "0X") else b""
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte 0x address: {address!r}")
    return raw


def _amount(value: int | str) -> int:
    """A uint256 from a dump: JSON strings are decimal or 0x hex, as @metamask/abi-utils parses them."""
    amount = value if isinstance(value, int) else int(value, 16 if value[:2] in ("0x", "0X") else 10)
    if not 0 <= amount <= _MAX_UINT256:
        raise ValueError(f"cumulative amount out of uint256 range: {value}")
    return amount


def _leaf_hash(account: bytes, token: bytes, cumulative_amount: int) -> bytes:
    encoded = _ADDRESS_PADDING + account + _ADDRESS_PADDING + token + cumulative_amount.to_bytes(32, "big")
    return keccak_256(keccak_256(encoded).digest()).digest()


def _node_hash(a: bytes, b: bytes) -> bytes:
    return keccak_256(a + b if a <= b else b + a).digest()


def _hex(node: bytes) -> str:
    return "0x" + node.hex()


def _build_nodes(leaf_hashes: Sequence[bytes]) -> tuple[list[bytes], list[int]]:
    """The tree array and, for each leaf in input order, its index in the array."""
    count = len(leaf_hashes)
    if count == 0:
        raise ValueError("a rewards tree needs at least one leaf")
    order = sorted(range(count), key=leaf_hashes.__getitem__)  # stable, as Array.prototype.sort
    size = 2 * count - 1
    nodes: list[bytes] = [b""] * (count - 1) + [leaf_hashes[i] for i in reversed(order)]
    tree_index = [0] * count
    for position, value_index in enumerate(order):
        tree_index[value_index] = size - 1 - position
    keccak = keccak_256
    for i in range(count - 2, -1, -1):
        a = nodes[2 * i + 1]
        b = nodes[2 * i + 2]
        nodes[i] = keccak(a + b if a <= b else b + a).digest()
    return nodes, tree_index


def proof_at(nodes: Sequence[bytes], index: int) -> list[str]:
    """The sibling hashes from tree node ``index`` up to the root."""
    proof = []
    while index > 0:
        proof.append(_hex(nodes[index + 1 if index % 2 else index - 1]))
        index = (index - 1) // 2
    return proof


def build_tree(leaf_hashes: Sequence[bytes]) -> tuple[list[bytes], list[int]]:
    """StandardMerkleTree's node array over ``leaf_hashes`` and each leaf's index in it (input order)."""
    return _build_nodes(leaf_hashes)


def verify_proof(*, root: str, leaf: bytes, proof: Sequence[str]) -> bool:
    """Whether ``proof`` takes ``leaf`` (a leaf hash) to ``root``."""
    node = leaf
    for sibling in proof:
        node = _node_hash(node, bytes.fromhex(sibling.removeprefix("0x")))
    return _hex(node) == root.lower()


class RewardTree:
    """A cumulative rewards tree with one leaf per ``(account, token)``."""

    __slots__ = ("_index", "_leaves", "_nodes", "_tree_index")

    def __init__(self, leaves: Iterable[tuple[str, str, int | str]]) -> None:
        """Builds the tree; ValueError on a malformed leaf, a repeated ``(account, token)`` or no leaf."""
        self._leaves: list[RewardLeaf] = []
        self._index: dict[tuple[bytes, bytes], int] = {}
        hashes: list[bytes] = []
        for account_hex, token_hex, cumulative_amount in leaves:
            account, token = _address_bytes(account_hex), _address_bytes(token_hex)
            amount = _amount(cumulative_amount)
            key = (account, token)
            if key in self._index:
                raise ValueError(f"duplicate leaf for account {account_hex} and token {token_hex}")
            self._index[key] = len(self._leaves)
            self._leaves.append(RewardLeaf("0x" + account.hex(), "0x" + token.hex(), amount))
            hashes.append(_leaf_hash(account, token, amount))
        self._nodes, self._tree_index = _build_nodes(hashes)

    def __len__(self) -> int:
        return len(self._leaves)

    @property
    def root(self) -> str:
        """The root as 0x-prefixed lowercase hex, as ``tree.root`` in JS."""
        return _hex(self._nodes[0])

    def _value_index(self, account: str, token: str) -> int:
        value_index = self._index.get((_address_bytes(account), _address_bytes(token)))
        if value_index is None:
            raise KeyError(f"no leaf for account {account} and token {token}")
        return value_index

    def cumulative_amount(self, account: str, token: str) -> int:
        """The cumulative amount of the leaf of ``(account, token)``; KeyError when there is none."""
        return self._leaves[self._value_index(account, token)].cumulative_amount

    def proof(self, account: str, token: str) -> list[str]:
        """The sibling hashes from the leaf of ``(account, token)`` up to the root, as ``tree.getProof``."""
        return proof_at(self._nodes, self._tree_index[self._value_index(account, token)])

    @staticmethod
    def verify(*, root: str, account: str, token: str, cumulative_amount: int, proof: Sequence[str]) -> bool:
        """Whether ``proof`` proves the leaf against ``root`` (as ``StandardMerkleTree.verify`` does)."""
        if not 0 <= cumulative_amount <= _MAX_UINT256:
            return False
        leaf = _leaf_hash(_address_bytes(account), _address_bytes(token), cumulative_amount)
        return verify_proof(root=root, leaf=leaf, proof=proof)

    def dump(self) -> dict[str, Any]:
        """The ``standard-v1`` dump that ``StandardMerkleTree.load`` reads (amounts as decimal strings)."""
        return {
            "format": DUMP_FORMAT,
            "leafEncoding": list(LEAF_ENCODING),
            "tree": [_hex(node) for node in self._nodes],
            "values": [
                {"value": [leaf.account, leaf.token, str(leaf.cumulative_amount)], "treeIndex": index}
                for leaf, index in zip(self._leaves, self._tree_index, strict=True)
            ],
        }

    @classmethod
    def load(cls, data: dict[str, Any] | str | bytes) -> RewardTree:
        """A tree from a ``standard-v1`` dump (ours or the JS library's); rebuilt and checked node by node."""
        dump = json.loads(data) if isinstance(data, str | bytes) else data
        if dump.get("format") != DUMP_FORMAT:
            raise ValueError(f"unknown tree format {dump.get('format')!r}")
        if tuple(dump.get("leafEncoding", ())) != LEAF_ENCODING:
            raise ValueError(f"unexpected leaf encoding {dump.get('leafEncoding')!r}")
        values = dump["values"]
        tree = cls(value["value"] for value in values)
        if [node.lower() for node in dump["tree"]] != [_hex(node) for node in tree._nodes] or [
            v["treeIndex"] for v in values
        ] != tree._tree_index:
            raise ValueError("the dumped tree does not match its values")
        return tree
