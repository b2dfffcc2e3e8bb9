"""Gas table of the contracts against the targets in design.md, written to bench/results/gas.md.

Run with `make bench` (or `uv run python -m bench.gas`). Every figure is `gas_used` of a real transaction
on a fresh anvil chain started by Brownie.
"""

from __future__ import annotations

import argparse
import datetime
import platform
from pathlib import Path

from brownie import network, project

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results" / "gas.md"


def _table(rows: list[dict]) -> str:
    lines = ["| operation | Provenant | anchor / baseline | target | verdict |", "|---|---:|---:|---:|---|"]
    for row in rows:
        ours, baseline, target = row["gas"], row.get("baseline"), row["target"]
        baseline_text = f"{baseline:,} (ratio {ours / baseline:.3f})" if baseline else row.get("anchor", "")
        if target is None:
            lines.append(f"| {row['operation']} | {ours:,} | {baseline_text} | | |")
            continue
        verdict = "met" if ours <= target else "MISSED"
        lines.append(f"| {row['operation']} | {ours:,} | {baseline_text} | ≤ {target:,} | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="development", help="Brownie development network to launch")
    args = parser.parse_args()
    provenant = project.load(PROJECT_ROOT, name="ProvenantProject")
    provenant.load_config()
    provenant._add_to_main_namespace()  # as `brownie run` does: contract containers importable from brownie
    network.connect(args.network)
    from brownie import accounts

    from bench.gas_governance import measure_governance_gas
    from bench.gas_licensing import measure_licensing_gas
    from bench.gas_rewards import measure_claim_gas

    rows = measure_licensing_gas(accounts)
    rows += [row for row in measure_claim_gas(accounts) if "gas" in row]
    for row in measure_governance_gas(accounts):
        rows.append(
            {
                "operation": f"governor {row['operation']}",
                "gas": row["provenant"],
                "baseline": row["openzeppelin"],
                "target": int(row["openzeppelin"] * 1.05),
            }
        )
    network.disconnect()

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Gas table\n\n"
        f"Produced by `make bench` (bench/gas.py) on {datetime.date.today()}, Solidity 0.8.30 "
        f"(optimizer 1,000,000 runs, cancun), anvil, {platform.machine()}. Governor baseline: the plain "
        "OpenZeppelin Wizard governor (contracts/mocks/PlainGovernor.sol) run through the same proposal; "
        "target = baseline + 5%.\n\n" + _table(rows) + "\n"
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
