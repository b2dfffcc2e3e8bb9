"""Static analysis of the contracts with Slither (``make lint``).

Run as ``uvx --from slither-analyzer==0.11.6 python -m scripts.slither`` from the repository root: Slither is
not in the project's environment, whose Brownie pins conflict with it, and run as a file this module would
shadow the ``slither`` package (a script's own folder comes first on sys.path). Compiles every contract in
contracts/ through solc's standard JSON (the only interface of scripts/solc/solc-v0.8.30 besides
``--version``), runs every detector, prints the findings located in contracts/ outside contracts/mocks/ and
exits 1 if a High or Medium one is not accepted in scripts/slither-triage.json.

A finding's location is the qualified name of its first element in those contracts: ``Contract.function``,
``Contract.stateVariable`` or ``Contract.function.localVariable``. The triage file maps each detector to
the locations accepted for it, each with a one-line reason (docs/security.md, Static analysis).
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

from crytic_compile import CryticCompile
from crytic_compile.platform.solc_standard_json import SolcStandardJson
from slither import Slither
from slither.detectors import all_detectors
from slither.detectors.abstract_detector import AbstractDetector

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = PROJECT_ROOT / "contracts"
MOCKS = CONTRACTS / "mocks"
SOLC = PROJECT_ROOT / "scripts" / "solc" / "solc-v0.8.30"
TRIAGE = PROJECT_ROOT / "scripts" / "slither-triage.json"
# The compiler settings of brownie-config.yaml (not parsed: this environment has no YAML library).
SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 1000},
    "remappings": ["@openzeppelin=node_modules/@openzeppelin"],
}
BLOCKING = ("High", "Medium")
IMPACT_ORDER = ("High", "Medium", "Low", "Informational", "Optimization")

Finding = dict[str, Any]


def compile_contracts() -> CryticCompile:
    # The mocks are compiled with the rest (one standard-JSON input); their findings are left out below.
    sources = sorted(path.relative_to(PROJECT_ROOT).as_posix() for path in CONTRACTS.rglob("*.sol"))
    platform = SolcStandardJson({"language": "Solidity", "sources": {}, "settings": SETTINGS})
    platform.add_source_files(sources)
    return CryticCompile(
        platform,
        cwd=str(PROJECT_ROOT),
        solc=str(SOLC),
        solc_working_dir=str(PROJECT_ROOT),
        # Brownie's compile shows solc's warnings; here they would bury the findings. (crytic-compile
        # types every option as str but reads this one as a bool.)
        solc_disable_warnings=True,  # type: ignore[arg-type]
    )


def run_detectors(compilation: CryticCompile) -> list[Finding]:
    slither = Slither(compilation)
    for candidate in vars(all_detectors).values():
        if inspect.isclass(candidate) and issubclass(candidate, AbstractDetector):
            slither.register_detector(candidate)
    return [finding for findings in slither.run_detectors() for finding in findings]


def in_scope(element: dict[str, Any]) -> bool:
    filename = element.get("source_mapping", {}).get("filename_absolute")
    if not filename:
        return False
    path = Path(filename).resolve()
    return path.is_relative_to(CONTRACTS) and not path.is_relative_to(MOCKS)


def location(element: dict[str, Any]) -> str:
    names: list[str] = []
    current: dict[str, Any] | None = element
    while current is not None:
        if current["type"] != "node":  # a node's name is its source expression, not a declaration
            names.append(current["name"])
        current = current.get("type_specific_fields", {}).get("parent")
    return ".".join(reversed(names))


def main() -> int:
    findings = run_detectors(compile_contracts())
    triage: dict[str, dict[str, str]] = json.loads(TRIAGE.read_text())
    # Keep a finding if any of its elements is in our contracts: Slither's own path filter drops a finding
    # as soon as one element matches, which would hide our functions that call into OpenZeppelin.
    located = [
        (finding, location(next(e for e in finding["elements"] if in_scope(e))))
        for finding in findings
        if any(in_scope(e) for e in finding["elements"])
    ]
    located.sort(key=lambda pair: (IMPACT_ORDER.index(pair[0]["impact"]), pair[0]["check"], pair[1]))

    blocking = 0
    used: set[tuple[str, str]] = set()
    for finding, where in located:
        detector, impact = finding["check"], finding["impact"]
        reason = triage.get(detector, {}).get(where)
        if reason is not None:
            used.add((detector, where))
        status = ""
        if impact in BLOCKING:
            status = "accepted: " if reason is not None else "NOT TRIAGED: "
            blocking += reason is None
        first_line = finding["description"].strip().splitlines()[0]
        print(f"{impact:<13} {finding['confidence']:<6} {detector:<24} {status}{where}: {first_line}")

    for detector, entries in triage.items():
        for where in entries:
            if (detector, where) not in used:
                print(f"note: {TRIAGE.name} accepts {detector} at {where}, which no longer occurs")
    print(f"{len(located)} findings, {blocking} High or Medium not triaged in {TRIAGE.name}")
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
