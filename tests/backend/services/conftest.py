"""Fixtures for the service tests: a bare anvil node for those that follow a chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3 import Web3

from backend.devchain import running_anvil


@pytest.fixture(scope="module")
def anvil() -> Iterator[Web3]:
    with running_anvil() as web3:
        yield web3
