"""Fixtures for the chain tests: a client on the isolated chain and platform actions."""

from __future__ import annotations

import pytest

from backend.chain.client import ChainClient
from backend.devchain import DevChain
from tests.backend.chain_actions import Platform


@pytest.fixture
def client(isolated_chain: DevChain) -> ChainClient:
    return ChainClient(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)


@pytest.fixture
def platform(client: ChainClient, isolated_chain: DevChain) -> Platform:
    return Platform(client=client, chain=isolated_chain)
