"""Fixtures shared by the backend tests: a real anvil chain with every contract deployed by scripts/deploy.py.

``dev_chain`` (session) starts anvil on a free port and deploys once; ``isolated_chain`` (per test) hands the
same chain over and reverts it to the deployment afterwards, so tests can change state freely.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backend.dev_chain import PROJECT_ROOT, DevChain, running_dev_chain


def pytest_collection_finish(session: pytest.Session) -> bool | None:
    """Keeps Brownie's pytest plugin off the network when only backend tests run.

    The plugin connects to Brownie's default development network (anvil on 8545, shared with other work on
    this machine) after collection unless a collection-finish hook returns a result; backend tests bring
    their own chain, and only the contract tests need Brownie connected.
    """
    backend = PROJECT_ROOT / "tests" / "backend"
    if session.items and all(backend in Path(item.path).parents for item in session.items):
        return True
    return None


@pytest.fixture(scope="session")
def dev_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevChain]:
    with running_dev_chain(tmp_path_factory.mktemp("dev-chain")) as chain:
        yield chain


@pytest.fixture
def isolated_chain(dev_chain: DevChain) -> Iterator[DevChain]:
    """The session chain, put back as deployed after the test (blocks, balances, nonces, mining mode)."""
    snapshot = dev_chain.rpc("evm_snapshot")
    yield dev_chain
    dev_chain.rpc("evm_setAutomine", True)
    dev_chain.rpc("anvil_dropAllTransactions")
    dev_chain.rpc("evm_revert", snapshot)
