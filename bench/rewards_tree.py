"""Rewards tree for 131,072 leaves: build time in Python against @openzeppelin/merkle-tree (JS), same leaves,
same root, in one run. Writes bench/results/rewards_tree.md. Run with `uv run python -m bench.rewards_tree`."""

from __future__ import annotations

import datetime
import platform
import statistics
from pathlib import Path

from bench.gas_rewards import LEAVES, measure_tree_build, reward_leaves

RESULTS = Path(__file__).resolve().parent / "results" / "rewards_tree.md"
RUNS = 3
TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"  # any token address: the leaves only need one


def main() -> None:
    leaves = reward_leaves(TOKEN)
    rows = [measure_tree_build(leaves)[1] for _ in range(RUNS)]
    python_s = statistics.median(row["python_s"] for row in rows)
    js_s = statistics.median(row["js_s"] for row in rows)
    same_root = all(row["same_root"] for row in rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Rewards tree build\n\n"
        f"Produced by `uv run python -m bench.rewards_tree` on {datetime.date.today()}, {platform.machine()}: "
        f"{LEAVES:,} leaves `(account, token, cumulativeAmount)`, median of {RUNS} runs, each side built from "
        "the same leaves in the same run. Target: ≤ 3 s, same root as the JS library.\n\n"
        "| builder | seconds | ratio to JS |\n|---|---:|---:|\n"
        f"| Python, backend/domain/merkle.py | {python_s:.2f} | {python_s / js_s:.3f} |\n"
        f"| @openzeppelin/merkle-tree 1.0.8 (node) | {js_s:.2f} | 1.000 |\n\n"
        f"Same root in every run: {'yes' if same_root else 'NO'}.\n"
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
