"""Fixtures for the contract tests: the whole system deployed by scripts/deploy.py on Brownie's anvil."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from brownie import accounts as brownie_accounts
from brownie import history, web3
from hypothesis import Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from scripts.deploy import DeployConfig, deploy

BPS = 10_000
USDC = 10**6

COMMERCIAL, DERIVATIVES, DISTILLATION, TRAIN_ON_OUTPUTS, ATTRIBUTION = 1, 2, 4, 8, 16
FINE_TUNE, DISTILL, TRAIN_ON_OUTPUTS_EDGE, MERGE, QUANTIZE = range(5)
ALL_PERMISSIONS = COMMERCIAL | DERIVATIVES | DISTILLATION | TRAIN_ON_OUTPUTS | ATTRIBUTION

TERMS_FIELDS = (
    "price",
    "duration",
    "contributorsBps",
    "derivativeRevShareBps",
    "permissions",
    "maxDerivatives",
    "feePerCall",
    "includedCalls",
)


def make_terms(
    *,
    price: int = 100 * USDC,
    duration: int = 30 * 86_400,
    contributors_bps: int = 2_000,
    derivative_rev_share_bps: int = 1_000,
    permissions: int = COMMERCIAL | DERIVATIVES,
    max_derivatives: int = 1,
    fee_per_call: int = 1_000,
    included_calls: int = 1_000,
) -> tuple:
    """A Terms struct as the ABI wants it (field order of ILicenseTypes.Terms)."""
    return (
        price,
        duration,
        contributors_bps,
        derivative_rev_share_bps,
        permissions,
        max_derivatives,
        fee_per_call,
        included_calls,
    )


def custom_error(name: str, *args) -> str:
    """The revert message Brownie gives for custom error `name` raised with `args`."""

    def show(arg) -> str:
        arg = getattr(arg, "address", arg)
        if isinstance(arg, bytes):
            return repr(bytes(arg))
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
            return arg.lower()
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 66:
            return repr(bytes.fromhex(arg[2:]))
        return str(arg)

    return f"{name}: {', '.join(show(arg) for arg in args)}"


def plain(value):
    """A call's return value (or an expected one) as nested plain tuples: Brownie's own types neither
    slice nor compare equal to lists."""
    if isinstance(value, (list, tuple)):
        return tuple(plain(item) for item in value)
    return getattr(value, "address", value)


def cid(n: int) -> str:
    """A syntactically plausible CIDv0 for test number `n`."""
    return f"Qm{n:044d}"


def received(token, tx, recipient) -> int:
    """What `tx` transferred of `token` to `recipient`, from its Transfer events."""
    token, recipient = str(token), str(recipient)
    return sum(
        event["value"]
        for event in tx.events
        if event.address == token and event.name == "Transfer" and event["to"] == recipient
    )


def pick(collection, index: int):
    """Item `index` (modulo the size) of a collection: how a state machine draws from one that grows."""
    items = list(collection)
    return items[index % len(items)]


def anvil_rpc(method: str, *params):
    """Calls the node's RPC directly: Brownie's chain.snapshot/revert/sleep/mine inspect the whole call stack
    on every call, which takes ~0.3 s under Hypothesis."""
    response = web3.provider.make_request(method, list(params))
    if "error" in response:
        raise RuntimeError(f"{method}: {response['error']}")
    return response["result"]


# How hard the state machines explore: `ci` in `make test` (at least 100 examples of 30 steps each, sized so
# the whole suite stays within 45 minutes on 2 cores), `deep` in `make fuzz`. PROVENANT_FUZZ_PROFILE picks.
FUZZ_PROFILES = {"ci": (100, 30), "deep": (1_000, 60)}


def fuzz_settings() -> settings:
    """The state machines' settings for the profile in PROVENANT_FUZZ_PROFILE (default `ci`).

    Hypothesis keeps its first ten valid examples short whatever `max_examples` says, so only the examples
    beyond those run the full `stateful_step_count`. The target phase is skipped: it replays stored examples
    to grow a Pareto front, minutes of chain time for nothing a stateful test asserts.
    """
    profile = os.environ.get("PROVENANT_FUZZ_PROFILE", "ci")
    if profile not in FUZZ_PROFILES:
        raise ValueError(f"PROVENANT_FUZZ_PROFILE={profile!r}: use one of {', '.join(FUZZ_PROFILES)}")
    max_examples, stateful_step_count = FUZZ_PROFILES[profile]
    return settings(
        max_examples=max_examples,
        stateful_step_count=stateful_step_count,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    )


def run_on_chain(machine: type[RuleBasedStateMachine]) -> None:
    """Runs a Hypothesis state machine against the chain (fuzz_settings), every example from the state the
    test began in.
    """
    snapshot = anvil_rpc("evm_snapshot")

    def fresh_machine() -> RuleBasedStateMachine:
        nonlocal snapshot
        anvil_rpc("evm_revert", snapshot)  # consumes the snapshot
        snapshot = anvil_rpc("evm_snapshot")
        history.clear()  # Brownie takes a sender's next nonce from its history: forget the reverted ones
        return machine()

    run_state_machine_as_test(fresh_machine, settings=fuzz_settings())


@dataclass
class System:
    registry: object
    licenses: object
    router: object
    rewards: object
    prov: object
    governor: object
    timelock: object
    usdc: object
    deployer: object
    oracle: object
    guardian: object
    timelock_account: object

    def register_dataset(self, curator, root: bytes | str = "0x" + "11" * 32, *, n: int = 1) -> int:
        """A dataset with one committed version; returns its id."""
        dataset_id = self.registry.registerDataset(cid(n), {"from": curator}).return_value
        self.registry.commitDatasetVersion(dataset_id, root, cid(n + 1), {"from": curator})
        return dataset_id

    def register_model(self, owner, *, terms=None, parents=(), datasets=(), n: int = 1) -> int:
        registration = (cid(n), "0x" + f"{n:064x}", list(parents), list(datasets))
        tx = self.registry.registerModel(registration, terms or make_terms(), {"from": owner})
        return tx.return_value

    def fund(self, account, amount: int) -> None:
        """Gives `account` USDC and lets the licence manager spend it."""
        while amount > 0:
            chunk = min(amount, 1_000_000 * USDC)
            self.usdc.faucet(account, chunk, {"from": account})
            amount -= chunk
        self.usdc.approve(self.licenses, 2**256 - 1, {"from": account})

    def buy(self, buyer, model_id: int, *, holder=None) -> int:
        version = self.licenses.currentTermsVersion(model_id)
        price = self.licenses.termsOf(model_id, version)[0]
        self.fund(buyer, price)
        return self.licenses.purchase(model_id, holder or buyer, price, version, {"from": buyer}).return_value


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    """Every test starts from the module's deployment snapshot."""


@pytest.fixture(scope="module")
def system(accounts) -> System:
    deployer, guardian, oracle = accounts[0], accounts[8], accounts[9]
    deployed = deploy(deployer, DeployConfig(oracle=oracle.address, guardian=guardian.address))
    timelock = deployed["TimelockController"]
    return System(
        registry=deployed["AssetRegistry"],
        licenses=deployed["LicenseManager"],
        router=deployed["RoyaltyRouter"],
        rewards=deployed["RewardDistributor"],
        prov=deployed["ProvenanceToken"],
        governor=deployed["ProvenantGovernor"],
        timelock=timelock,
        usdc=deployed["MockUSDC"],
        deployer=deployer,
        oracle=oracle,
        guardian=guardian,
        # The DAO's timelock impersonated on anvil, for unit tests of timelock-only functions (the
        # governance tests go through real proposals).
        timelock_account=brownie_accounts.at(timelock.address, force=True),
    )
