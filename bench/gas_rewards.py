"""Reward claims at scale: the claim gas with a 2^17-leaf tree and the tree build time, Python against JS."""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

from brownie import chain

from backend.domain.merkle import RewardTree
from scripts.deploy import DeployConfig, deploy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
JS_REFERENCE = PROJECT_ROOT / "tests" / "backend" / "domain" / "merkle_reference.mjs"
LEAVES = 2**17
USDC = 10**6
SEED = 131_072
TREE_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"


def reward_leaves(token: str, *, count: int = LEAVES, seed: int = SEED) -> list[tuple[str, str, int]]:
    """`count` distinct deterministic accounts, each owed a random USDC amount of `token`."""
    rng = random.Random(seed)
    accounts = {"0x" + rng.randbytes(20).hex() for _ in range(count)}
    while len(accounts) < count:
        accounts.add("0x" + rng.randbytes(20).hex())
    return [(account, token, rng.randint(1, 10_000 * USDC)) for account in sorted(accounts)]


def _js_build(leaves: list[tuple[str, str, int]]) -> tuple[str, float]:
    """Root and build seconds of @openzeppelin/merkle-tree's StandardMerkleTree.of on the same leaves."""
    request = {"trees": [[[a, t, str(amount)] for a, t, amount in leaves]], "proofs": False}
    completed = subprocess.run(
        ["node", str(JS_REFERENCE)], input=json.dumps(request), capture_output=True, text=True, check=True
    )
    result = json.loads(completed.stdout)["trees"][0]
    return result["root"], result["ms"] / 1_000


def measure_tree_build(leaves: list[tuple[str, str, int]]) -> tuple[RewardTree, dict]:
    start = time.perf_counter()
    tree = RewardTree(leaves)
    python_s = time.perf_counter() - start
    js_root, js_s = _js_build(leaves)
    row = {
        "operation": f"rewards tree {len(leaves)} leaves",
        "python_s": round(python_s, 3),
        "js_s": round(js_s, 3),
        "same_root": js_root == tree.root,
    }
    return tree, row


def measure_claim_gas(accounts) -> list[dict]:
    """Deploys the system, publishes a 2^17-leaf tree (USDC leaves, and PROV leaves for two accounts), funds the
    distributor and measures, each for an account that never held the token (its balance slot goes from zero, as
    a contributor's first claim): a USDC claim, a PROV claim, and one `claimMany` of both tokens."""
    deployer, claimer, oracle = accounts[0], accounts[1], accounts[9]
    system = deploy(deployer, DeployConfig(oracle=oracle.address, guardian=deployer.address))
    distributor, usdc = system["RewardDistributor"], system["MockUSDC"]
    prov = system["ProvenanceToken"].address.lower()

    leaves = reward_leaves(usdc.address.lower(), count=LEAVES - 2)
    both, prov_only = leaves[LEAVES // 2 + 1][0], leaves[LEAVES // 2 + 2][0]
    leaves += [(both, prov, 3 * 10**18), (prov_only, prov, 3 * 10**18)]
    tree, build_row = measure_tree_build(leaves)
    total = sum(amount for _, token, amount in leaves if token != prov)
    distributor.submitRoot(1, tree.root, total, TREE_CID, {"from": oracle})
    chain.sleep(DeployConfig.root_delay + 1)
    distributor.acceptRoot({"from": claimer})
    usdc.faucet(distributor, usdc.FAUCET_LIMIT(), {"from": deployer})

    def request(account: str, token: str) -> tuple[str, int, list[str]]:
        return (token, tree.cumulative_amount(account, token), tree.proof(account, token))

    account, token, amount = leaves[LEAVES // 2]
    for holder in (account, both):
        if usdc.balanceOf(holder) != 0:
            raise RuntimeError(f"{holder} already holds USDC")
    single = distributor.claim(account, token, amount, tree.proof(account, token), {"from": claimer})
    single_prov = distributor.claim(prov_only, *request(prov_only, prov), {"from": claimer})
    many = distributor.claimMany(
        both, [request(both, usdc.address.lower()), request(both, prov)], {"from": claimer}
    )
    return [
        # 1.08 x the floor of bench/results/claim_gas.md (86,604), rounded down.
        {
            "operation": "claim (2^17 leaves, new holder)",
            "gas": single.gas_used,
            "target": 93_532,
            "anchor": "1.08 x floor 86,604 (claim_gas.md); Uniswap MerkleDistributor 91.7k at 100k leaves",
        },
        {"operation": "claim PROV (2^17 leaves, new holder)", "gas": single_prov.gas_used, "target": None},
        {
            "operation": "claimMany USDC + PROV (2^17 leaves, new holder)",
            "gas": many.gas_used,
            "target": int(1.6 * single.gas_used),
            "anchor": f"1.6 x the USDC claim; {many.gas_used / single.gas_used:.3f} x it, "
            f"{many.gas_used / (single.gas_used + single_prov.gas_used):.3f} x both claims apart",
        },
        build_row,
    ]
