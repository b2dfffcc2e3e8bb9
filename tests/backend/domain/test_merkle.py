"""The Python rewards tree against @openzeppelin/merkle-tree, the reference it must match exactly."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from backend.domain.merkle import RewardTree

REFERENCE = Path(__file__).with_name("merkle_reference.mjs")
FIXED_SIZES = (1, 2, 3, 5, 17, 100, 1000)
RANDOM_TREES = 12

Values = list[tuple[str, str, int]]


def reference(request: dict[str, Any]) -> dict[str, Any]:
    """One run of the JS reference over a batch of trees and dumps."""
    completed = subprocess.run(
        ["node", str(REFERENCE)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def as_js(values: Values) -> list[list[str]]:
    return [[account, token, str(amount)] for account, token, amount in values]


def random_values(rng: random.Random, size: int) -> Values:
    """`size` leaves over a few tokens with distinct (account, token) pairs and amounts of any magnitude."""
    tokens = ["0x" + rng.randbytes(20).hex() for _ in range(rng.randint(1, 3))]
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < size:
        pairs.add(("0x" + rng.randbytes(20).hex(), rng.choice(tokens)))
    magnitudes = (0, 1, 10**6, 10**18, 2**256 - 1)
    return [(account, token, rng.randint(0, rng.choice(magnitudes))) for account, token in sorted(pairs)]


@pytest.fixture(scope="module")
def trees() -> list[Values]:
    rng = random.Random(20_240_917)
    sizes = [*FIXED_SIZES, *(rng.randint(1, 300) for _ in range(RANDOM_TREES))]
    return [random_values(rng, size) for size in sizes]


@pytest.fixture(scope="module")
def js_trees(trees: list[Values]) -> list[dict[str, Any]]:
    return reference({"trees": [as_js(values) for values in trees], "dump": True})["trees"]


@pytest.fixture(scope="module")
def small_tree() -> tuple[RewardTree, Values]:
    values = random_values(random.Random(7), 9)
    return RewardTree(values), values


def test_root_matchesJsLibrary(trees: list[Values], js_trees: list[dict[str, Any]]) -> None:
    for values, js in zip(trees, js_trees, strict=True):
        assert RewardTree(values).root == js["root"], f"{len(values)} leaves"


def test_proof_matchesJsLibraryForEveryLeaf(trees: list[Values], js_trees: list[dict[str, Any]]) -> None:
    for values, js in zip(trees, js_trees, strict=True):
        tree = RewardTree(values)
        assert [tree.proof(account, token) for account, token, _ in values] == js["proofs"]


def test_dump_equalsJsDump(trees: list[Values], js_trees: list[dict[str, Any]]) -> None:
    for values, js in zip(trees, js_trees, strict=True):
        assert RewardTree(values).dump() == js["dump"]


def test_dump_loadsInJsLibraryWithSameRoot(trees: list[Values]) -> None:
    ours = [RewardTree(values) for values in trees]
    loaded = reference({"dumps": [tree.dump() for tree in ours]})["loaded"]
    assert [result.get("root", result.get("error")) for result in loaded] == [tree.root for tree in ours]


def test_load_readsJsDump(trees: list[Values], js_trees: list[dict[str, Any]]) -> None:
    for values, js in zip(trees, js_trees, strict=True):
        tree = RewardTree.load(json.dumps(js["dump"]))
        assert tree.root == js["root"]
        assert [tree.cumulative_amount(account, token) for account, token, _ in values] == [
            amount for _, _, amount in values
        ]


def test_root_ignoresAddressCase(small_tree: tuple[RewardTree, Values]) -> None:
    tree, values = small_tree
    upper = [
        ("0x" + account[2:].upper(), "0X" + token[2:].upper(), amount) for account, token, amount in values
    ]
    assert RewardTree(upper).root == tree.root
    account, token, _ = values[0]
    assert tree.proof(account.upper().replace("0X", "0x"), token) == tree.proof(account, token)


def test_singleLeaf_rootMatchesJsAndProofIsEmpty() -> None:
    values = [("0x" + "11" * 20, "0x" + "22" * 20, 5)]
    tree = RewardTree(values)
    assert tree.proof(*values[0][:2]) == []
    assert tree.root == reference({"trees": [as_js(values)]})["trees"][0]["root"]
    account, token, amount = values[0]
    assert RewardTree.verify(root=tree.root, account=account, token=token, cumulative_amount=amount, proof=[])


def test_emptyTree_raisesAsJsLibrary() -> None:
    assert reference({"trees": [[]]})["trees"][0] == {"error": "Expected non-zero number of leaves"}
    with pytest.raises(ValueError, match="at least one leaf"):
        RewardTree([])


def test_verify_everyProofHolds(small_tree: tuple[RewardTree, Values]) -> None:
    tree, values = small_tree
    for account, token, amount in values:
        proof = tree.proof(account, token)
        leaf = {"account": account, "token": token, "cumulative_amount": amount}
        assert RewardTree.verify(root=tree.root, proof=proof, **leaf)


def test_verify_wrongProofFails(small_tree: tuple[RewardTree, Values]) -> None:
    tree, values = small_tree
    (account, token, amount), (other_account, other_token, _) = values[0], values[1]
    proof = tree.proof(account, token)
    flipped = proof[0][:-1] + ("0" if proof[0][-1] != "0" else "1")
    wrong = {
        "flipped sibling": {"proof": [flipped, *proof[1:]]},
        "truncated proof": {"proof": proof[:-1]},
        "extra sibling": {"proof": [*proof, proof[0]]},
        "other leaf's proof": {"proof": tree.proof(other_account, other_token)},
        "wrong amount": {"cumulative_amount": amount + 1},
        "wrong account": {"account": other_account},
        "wrong token": {"token": "0x" + "ee" * 20},
        "amount above uint256": {"cumulative_amount": 2**256 + amount},
        "wrong root": {"root": proof[0]},
    }
    for case, change in wrong.items():
        arguments = {
            "root": tree.root,
            "account": account,
            "token": token,
            "cumulative_amount": amount,
            "proof": proof,
        } | change
        assert not RewardTree.verify(**arguments), case


def test_init_duplicatePairRaises() -> None:
    account, token = "0x" + "11" * 20, "0x" + "22" * 20
    with pytest.raises(ValueError, match="duplicate leaf"):
        RewardTree([(account, token, 1), (account.upper().replace("0X", "0x"), token, 2)])


@pytest.mark.parametrize(
    "leaf",
    [
        ("0x" + "11" * 19, "0x" + "22" * 20, 1),
        ("11" * 20 + "00", "0x" + "22" * 20, 1),
        ("0x" + "11" * 20, "0x" + "zz" * 20, 1),
        ("0x" + "11" * 20, "0x" + "22" * 20, -1),
        ("0x" + "11" * 20, "0x" + "22" * 20, 2**256),
    ],
)
def test_init_malformedLeafRaises(leaf: tuple[str, str, int]) -> None:
    with pytest.raises(ValueError):
        RewardTree([leaf])


def test_proof_unknownLeafRaises(small_tree: tuple[RewardTree, Values]) -> None:
    tree, values = small_tree
    with pytest.raises(KeyError):
        tree.proof(values[0][0], "0x" + "ee" * 20)


def test_load_tamperedDumpRaises(small_tree: tuple[RewardTree, Values]) -> None:
    tree, _ = small_tree
    tampered_value = tree.dump()
    tampered_value["values"][0]["value"][2] = str(int(tampered_value["values"][0]["value"][2]) + 1)
    tampered_node = tree.dump()
    tampered_node["tree"][0] = "0x" + "00" * 32
    swapped_index = tree.dump()
    first, second = swapped_index["values"][0], swapped_index["values"][1]
    first["treeIndex"], second["treeIndex"] = second["treeIndex"], first["treeIndex"]
    for dump in (tampered_value, tampered_node, swapped_index):
        with pytest.raises(ValueError, match="does not match"):
            RewardTree.load(dump)
    with pytest.raises(ValueError, match="unknown tree format"):
        RewardTree.load(tree.dump() | {"format": "simple-v1"})
    with pytest.raises(ValueError, match="unexpected leaf encoding"):
        RewardTree.load(tree.dump() | {"leafEncoding": ["address", "uint256"]})
