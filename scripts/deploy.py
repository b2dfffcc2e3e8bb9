"""Deploys and wires every Provenant contract, then writes the deployment manifest.

Run with Brownie on any network: ``brownie run scripts/deploy.py --network <id>`` (or ``provenant deploy``).
The deployer is ``PROVENANT_DEPLOYER_KEY`` (a private key) if set, else the development network's first
account or the Brownie account ``PROVENANT_DEPLOYER``. The configuration comes from environment variables
(see ``DeployConfig.from_env``); the manifest goes to ``deployments/<chain id>.json`` (or
``PROVENANT_MANIFEST``).

The contracts reference each other through immutables, so their addresses are predicted from the
deployer's nonce before the first deployment. Every admin role goes to the timelock in the constructors:
the deployer never holds one, and the timelock's own admin is left empty, so the DAO alone governs.

On any chain but a development one (chain ids 31337 and 1337) the script refuses to run unless the oracle,
the guardian, the treasury and the payment token are given explicitly and none of the roles is the
deployer; genesis PROV then goes to the timelock unless another recipient (a vesting contract) is named,
never to the deployer. After deploying it checks, and prints, that the deployer holds no role and no
address named in the configuration holds votes at or above quorum.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from brownie import accounts, chain, network, project, web3

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEVELOPMENT_CHAIN_IDS = frozenset({31337, 1337})
TIMELOCK = "timelock"  # PROVENANT_TREASURY's word for the DAO's own timelock
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Deployment order; each name's address is predicted from the deployer's nonce before anything is sent.
DEPLOY_ORDER = (
    "ProvenanceToken",
    "TimelockController",
    "ProvenantGovernor",
    "AssetRegistry",
    "LicenseManager",
    "RoyaltyRouter",
    "RewardDistributor",
)


@dataclass(frozen=True)
class DeployConfig:
    """Parameters of one deployment. Development defaults count in seconds and blocks, not days."""

    oracle: str
    guardian: str
    payment_token: str | None = None  # None: deploy MockUSDC (development only)
    treasury: str | None = None  # None: the timelock
    prov_cap: int = 1_000_000_000 * 10**18
    prov_genesis_amount: int = 100_000_000 * 10**18
    prov_genesis_recipient: str | None = None  # None: the deployer on a development chain, else the timelock
    timelock_delay: int = 60  # seconds
    voting_delay: int = 1  # blocks
    voting_period: int = 20  # blocks
    proposal_threshold: int = 1_000 * 10**18
    quorum_percent: int = 4
    late_quorum_extension: int = 10  # blocks
    protocol_fee_bps: int = 250
    root_delay: int = 60  # seconds
    emission_rate: int = 10 * 10**18  # PROV per second
    # The licence manager's epoch clock; the backend reads the same PROVENANT_EPOCH_* variables.
    epoch_genesis: int = 1_767_225_600  # 2026-01-01T00:00:00Z
    epoch_length: int = 3_600  # seconds
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, deployer: str) -> DeployConfig:
        env = os.environ
        ints = {
            name: int(env[f"PROVENANT_{name.upper()}"])
            for name in (
                "prov_cap",
                "prov_genesis_amount",
                "timelock_delay",
                "voting_delay",
                "voting_period",
                "proposal_threshold",
                "quorum_percent",
                "late_quorum_extension",
                "protocol_fee_bps",
                "root_delay",
                "emission_rate",
                "epoch_genesis",
                "epoch_length",
            )
            if f"PROVENANT_{name.upper()}" in env
        }
        return cls(
            oracle=env.get("PROVENANT_ORACLE", deployer),
            guardian=env.get("PROVENANT_GUARDIAN", deployer),
            payment_token=env.get("PROVENANT_PAYMENT_TOKEN"),
            treasury=None
            if env.get("PROVENANT_TREASURY", TIMELOCK) == TIMELOCK
            else env["PROVENANT_TREASURY"],
            prov_genesis_recipient=env.get("PROVENANT_GENESIS_RECIPIENT"),
            **ints,
        )


class UnsafeDeployment(ValueError):
    """A live deployment whose configuration would leave the deployer, or one address, in control."""


def check_live_config(env: dict[str, str], deployer: str, chain_id: int) -> None:
    """Refuses, on a chain that is not a development one, any role left to default or given to the
    deployer, a payment token left to the mock, and genesis PROV for the deployer."""
    if chain_id in DEVELOPMENT_CHAIN_IDS:
        return
    problems = [
        f"{name} must be given explicitly on chain {chain_id}"
        for name in (
            "PROVENANT_ORACLE",
            "PROVENANT_GUARDIAN",
            "PROVENANT_TREASURY",
            "PROVENANT_PAYMENT_TOKEN",
        )
        if not env.get(name)
    ]
    problems += [
        f"{name} must not be the deployer ({deployer})"
        for name in (
            "PROVENANT_ORACLE",
            "PROVENANT_GUARDIAN",
            "PROVENANT_TREASURY",
            "PROVENANT_GENESIS_RECIPIENT",
        )
        if env.get(name, "").lower() == deployer.lower()
    ]
    if problems:
        raise UnsafeDeployment("refusing a live deployment: " + "; ".join(problems))


def audit(deployed: dict, deployer: str, config: DeployConfig) -> list[str]:
    """What the deployment hands to whom, checked: raises UnsafeDeployment when the deployer holds a role
    or an address holds votes at or above quorum; otherwise returns the findings, one line each."""
    timelock, prov, governor = (
        deployed["TimelockController"],
        deployed["ProvenanceToken"],
        deployed["ProvenantGovernor"],
    )
    roles = {
        "TimelockController": ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE"),
        "AssetRegistry": ("DEFAULT_ADMIN_ROLE", "ORACLE_ROLE"),
        "LicenseManager": ("DEFAULT_ADMIN_ROLE", "ORACLE_ROLE"),
        "RoyaltyRouter": ("DEFAULT_ADMIN_ROLE",),
        "RewardDistributor": ("DEFAULT_ADMIN_ROLE", "ORACLE_ROLE", "GUARDIAN_ROLE"),
    }
    problems = [
        f"the deployer holds {role} on {name}"
        for name, names in roles.items()
        for role in names
        if deployed[name].hasRole(getattr(deployed[name], role)(), deployer)
        and not (role == "ORACLE_ROLE" and config.oracle.lower() == deployer.lower())
        and not (role == "GUARDIAN_ROLE" and config.guardian.lower() == deployer.lower())
    ]
    quorum = prov.totalSupply() * config.quorum_percent // 100
    holders = {
        deployer,
        config.oracle,
        config.guardian,
        config.prov_genesis_recipient or deployer,
        timelock.address,
    }
    votes = {address: prov.getVotes(address) for address in holders}
    problems += [
        f"{address} holds {power} votes, at or above quorum ({quorum})"
        for address, power in votes.items()
        if quorum and power >= quorum
    ]
    if problems:
        raise UnsafeDeployment("the deployment is not safe: " + "; ".join(problems))
    return [
        f"governor {governor.address} proposes through timelock {timelock.address} (delay {timelock.getMinDelay()} s)",
        f"the deployer {deployer} holds no admin role",
        f"PROV supply {prov.totalSupply()}: {prov.balanceOf(timelock)} held by the timelock; quorum {quorum} votes",
        f"no address named in the configuration holds votes at or above quorum (largest: {max(votes.values())})",
    ]


def _predict_addresses(deployer, first_nonce: int) -> dict[str, str]:
    return {
        name: deployer.get_deployment_address(first_nonce + index) for index, name in enumerate(DEPLOY_ORDER)
    }


def deploy(deployer, config: DeployConfig) -> dict:
    """Deploys everything from ``deployer`` and returns the contracts by name (Brownie objects)."""
    (build,) = project.get_loaded_projects()
    tx = {"from": deployer}
    payment_token = build.MockUSDC.deploy(tx) if config.payment_token is None else None
    payment_token_address = config.payment_token or payment_token.address
    deployment_block = web3.eth.block_number

    at = _predict_addresses(deployer, deployer.nonce)
    genesis_recipient = config.prov_genesis_recipient or (
        deployer.address if chain.id in DEVELOPMENT_CHAIN_IDS else at["TimelockController"]
    )
    deployed = {
        "ProvenanceToken": build.ProvenanceToken.deploy(
            genesis_recipient,
            config.prov_genesis_amount,
            config.prov_cap,
            at["RewardDistributor"],
            tx,
        ),
        "TimelockController": build.TimelockController.deploy(
            config.timelock_delay, [at["ProvenantGovernor"]], [ZERO_ADDRESS], ZERO_ADDRESS, tx
        ),
        "ProvenantGovernor": build.ProvenantGovernor.deploy(
            at["ProvenanceToken"],
            at["TimelockController"],
            config.voting_delay,
            config.voting_period,
            config.proposal_threshold,
            config.quorum_percent,
            config.late_quorum_extension,
            tx,
        ),
        "AssetRegistry": build.AssetRegistry.deploy(
            at["TimelockController"], config.oracle, at["LicenseManager"], at["RoyaltyRouter"], tx
        ),
        "LicenseManager": build.LicenseManager.deploy(
            at["TimelockController"],
            config.oracle,
            at["AssetRegistry"],
            at["RoyaltyRouter"],
            payment_token_address,
            config.epoch_genesis,
            config.epoch_length,
            tx,
        ),
        "RoyaltyRouter": build.RoyaltyRouter.deploy(
            at["TimelockController"],
            at["AssetRegistry"],
            at["LicenseManager"],
            at["RewardDistributor"],
            payment_token_address,
            config.treasury or at["TimelockController"],
            config.protocol_fee_bps,
            tx,
        ),
        "RewardDistributor": build.RewardDistributor.deploy(
            at["TimelockController"],
            config.guardian,
            config.oracle,
            payment_token_address,
            at["ProvenanceToken"],
            at["RoyaltyRouter"],
            config.root_delay,
            config.emission_rate,
            tx,
        ),
    }
    for name, contract in deployed.items():
        if contract.address != at[name]:
            raise RuntimeError(f"{name} landed at {contract.address}, expected {at[name]}: nonce moved")
    if payment_token is not None:
        deployed["MockUSDC"] = payment_token
    deployed["_deployment_block"] = deployment_block
    return deployed


def write_manifest(deployed: dict, config: DeployConfig, path: Path | None = None) -> Path:
    """Writes the deployment manifest read by the backend, workers, CLI and web app."""
    chain_id = chain.id
    path = path or Path(
        os.environ.get("PROVENANT_MANIFEST", PROJECT_ROOT / "deployments" / f"{chain_id}.json")
    )
    contracts = {name: c for name, c in deployed.items() if not name.startswith("_")}
    payment_token = config.payment_token or contracts["MockUSDC"].address
    manifest = {
        "chainId": chain_id,
        "network": network.show_active(),
        "deploymentBlock": deployed["_deployment_block"],
        "paymentToken": payment_token,
        "config": {k: v for k, v in asdict(config).items() if k != "extra"},
        "contracts": {name: {"address": c.address, "abi": c.abi} for name, c in sorted(contracts.items())},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return path


def main() -> None:
    if "PROVENANT_DEPLOYER_KEY" in os.environ:  # `provenant deploy --key`
        deployer = accounts.add(os.environ["PROVENANT_DEPLOYER_KEY"])
    elif network.show_active() == "development":
        deployer = accounts[0]
    else:
        deployer = accounts.load(os.environ["PROVENANT_DEPLOYER"])
    check_live_config(dict(os.environ), deployer.address, chain.id)
    config = DeployConfig.from_env(deployer.address)
    deployed = deploy(deployer, config)
    findings = audit(deployed, deployer.address, config)
    path = write_manifest(deployed, config)
    print(f"Deployed {len(DEPLOY_ORDER)} contracts on chain {chain.id}; manifest written to {path}")
    for finding in findings:
        print(f"  checked: {finding}")
