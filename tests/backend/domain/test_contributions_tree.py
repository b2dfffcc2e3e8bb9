"""The contributions tree against @openzeppelin/merkle-tree (the independent reference, run with node)."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest

from backend.domain.contributions_tree import LEAF_ENCODING, ContributionLeaf, ContributionTree
from backend.storage import Cid

REFERENCE = Path(__file__).with_name("merkle_reference.mjs")


def _random_leaves(rng: random.Random, count: int) -> list[ContributionLeaf]:
    return [
        ContributionLeaf(
            contributor="0x" + rng.randbytes(20).hex(),
            cid=str(Cid(0, 0x70, rng.randbytes(32))),
            weight=rng.randrange(1, 10**6),
        )
        for _ in range(count)
    ]


def test_contributionTree_randomTrees_matchOpenZeppelinRootsAndProofs() -> None:
    rng = random.Random(7)
    trees = [_random_leaves(rng, count) for count in (1, 2, 3, 10, 33)]
    request = {
        "encoding": list(LEAF_ENCODING),
        "trees": [
            [[leaf.contributor, "0x" + Cid.parse(leaf.cid).digest.hex(), str(leaf.weight)] for leaf in leaves]
            for leaves in trees
        ],
    }
    completed = subprocess.run(
        ["node", str(REFERENCE)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    for leaves, reference in zip(trees, json.loads(completed.stdout)["trees"], strict=True):
        tree = ContributionTree(leaves)
        assert tree.root == reference["root"]
        assert [tree.proof(i) for i in range(len(leaves))] == reference["proofs"]
        assert all(
            ContributionTree.verify(root=tree.root, leaf=leaf, proof=tree.proof(i))
            for i, leaf in enumerate(leaves)
        )


def test_verify_alteredWeight_fails() -> None:
    leaves = _random_leaves(random.Random(1), 4)
    tree = ContributionTree(leaves)
    forged = leaves[2]._replace(weight=leaves[2].weight + 1)
    assert not ContributionTree.verify(root=tree.root, leaf=forged, proof=tree.proof(2))


def test_contributionTree_noLeaf_raises() -> None:
    with pytest.raises(ValueError, match="at least one accepted contribution"):
        ContributionTree([])
