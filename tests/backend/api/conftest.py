"""Fixtures of the read API tests (tests/backend/api/world.py builds the worlds they read)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from backend.devchain import DevChain
from backend.storage import LocalContentStore
from tests.backend.api.world import ClosedEpoch, World, build_world, close_first_epoch
from tests.backend.chain_actions import Platform


@pytest.fixture
def chain_api(make_api: Callable[..., httpx.Client], isolated_chain: DevChain) -> httpx.Client:
    """The API on the test database, connected to the test chain (its content store: tmp_path/ipfs)."""
    return make_api(rpc_url=isolated_chain.rpc_url, manifest_path=isolated_chain.manifest_path)


@pytest.fixture
def world(platform: Platform, isolated_chain: DevChain, index: Callable[[], None]) -> World:
    made = build_world(platform, isolated_chain)
    index()
    return made


@pytest.fixture
def closed_epoch(
    platform: Platform,
    isolated_chain: DevChain,
    app_engine: Engine,
    tmp_path: Path,
    index: Callable[[], None],
) -> ClosedEpoch:
    # The app's settings put its data dir at tmp_path: the epoch job stores where the API reads.
    store = LocalContentStore(root=tmp_path / "ipfs")
    return close_first_epoch(platform, isolated_chain, app_engine, store, index)
