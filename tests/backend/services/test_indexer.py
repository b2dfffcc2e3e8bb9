"""The chain indexer against a real anvil node, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.contract import Contract

from backend.devchain import deploy_artifact
from backend.models.chain import ChainEvent, IndexerCursor
from backend.services.indexer import ChainIndexer, WatchedContract

LOG_CAP = 8


class CappedLogsProvider(Web3.HTTPProvider):
    """Refuses eth_getLogs over more than LOG_CAP blocks with the error hosted nodes give. anvil has no such
    cap, so it is emulated in front of the real node; every other call reaches anvil unchanged."""

    refusals = 0

    def make_request(self, method: Any, params: Any) -> Any:
        if method == "eth_getLogs":
            span = int(params[0]["toBlock"], 16) - int(params[0]["fromBlock"], 16) + 1
            if span > LOG_CAP:
                self.refusals += 1
                error = {"code": -32005, "message": "query returned more than 10000 results"}
                return {"jsonrpc": "2.0", "id": 1, "error": error}
        return super().make_request(method, params)


@pytest.fixture
def usdc(anvil: Web3) -> Contract:
    return deploy_artifact(anvil, "MockUSDC")


def _indexer(web3: Web3, token: Contract, **kwargs: Any) -> ChainIndexer:
    return ChainIndexer(
        web3=web3,
        contracts=[WatchedContract(name="MockUSDC", address=token.address, abi=token.abi)],
        start_block=web3.eth.block_number,  # the token's deployment block
        **kwargs,
    )


def _mint(web3: Web3, token: Contract, amounts: list[int]) -> None:
    for index, amount in enumerate(amounts):
        holder = web3.eth.accounts[1 + index % 5]
        web3.eth.wait_for_transaction_receipt(
            token.functions.faucet(holder, amount).transact({"from": holder})
        )


def _indexed(session: Session) -> list[tuple[str, int]]:
    rows = session.scalars(select(ChainEvent).order_by(ChainEvent.block_number, ChainEvent.log_index))
    return [(row.event, int(row.args["value"])) for row in rows]


def _canonical(web3: Web3, token: Contract, start: int) -> list[tuple[str, int]]:
    logs = token.events.Transfer().get_logs(from_block=start, to_block="latest")
    return [("Transfer", log["args"]["value"]) for log in logs]


def test_sync_newChain_indexesEveryEventOnce(
    anvil: Web3, usdc: Contract, session_factory: sessionmaker[Session]
) -> None:
    indexer = _indexer(anvil, usdc)
    _mint(anvil, usdc, [1, 2, 3, 4, 5])
    anvil.provider.make_request("anvil_mine", [hex(40)])

    with session_factory() as session:
        outcome = indexer.sync(session=session)
        assert (outcome.events, outcome.block_number) == (5, anvil.eth.block_number)
        assert _indexed(session) == [("Transfer", amount) for amount in (1, 2, 3, 4, 5)]
        event = session.scalars(select(ChainEvent)).first()
        assert event is not None
        assert event.contract == "MockUSDC"
        assert event.args["from"] == "0x0000000000000000000000000000000000000000"


def test_sync_again_resumesFromCursor(
    anvil: Web3, usdc: Contract, session_factory: sessionmaker[Session]
) -> None:
    indexer = _indexer(anvil, usdc)
    _mint(anvil, usdc, [10, 11])
    with session_factory() as session:
        indexer.sync(session=session)
    _mint(anvil, usdc, [12])

    with session_factory() as session:
        second = indexer.sync(session=session)
        assert second.events == 1
        assert _indexed(session) == [("Transfer", 10), ("Transfer", 11), ("Transfer", 12)]


def test_sync_afterReorg_convergesToCanonicalChain(
    anvil: Web3, usdc: Contract, session_factory: sessionmaker[Session]
) -> None:
    start = anvil.eth.block_number
    indexer = _indexer(anvil, usdc)
    _mint(anvil, usdc, [100])
    snapshot = anvil.provider.make_request("evm_snapshot", [])["result"]
    _mint(anvil, usdc, [200, 300])
    with session_factory() as session:
        indexer.sync(session=session)
        assert _indexed(session) == [("Transfer", 100), ("Transfer", 200), ("Transfer", 300)]

    anvil.provider.make_request("evm_revert", [snapshot])
    _mint(anvil, usdc, [201, 301, 401])  # a longer, different fork

    with session_factory() as session:
        outcome = indexer.sync(session=session)
        assert outcome.rolled_back == 2
        assert _indexed(session) == _canonical(anvil, usdc, start)
        assert _indexed(session) == [("Transfer", v) for v in (100, 201, 301, 401)]


def test_sync_nodeRefusesLargeRanges_halvesRangeAndIndexesAll(
    anvil: Web3, usdc: Contract, session_factory: sessionmaker[Session]
) -> None:
    provider = CappedLogsProvider(anvil.provider.endpoint_uri)
    indexer = _indexer(Web3(provider), usdc, max_range=64)
    _mint(anvil, usdc, [7, 8, 9])
    anvil.provider.make_request("anvil_mine", [hex(100)])

    with session_factory() as session:
        outcome = indexer.sync(session=session)
        assert outcome.block_number == anvil.eth.block_number
        assert _indexed(session) == [("Transfer", 7), ("Transfer", 8), ("Transfer", 9)]
    assert provider.refusals >= 3  # 64 -> 32 -> 16 -> 8 at least


def test_step_cursorLockedByAnotherIndexer_returnsBusy(
    anvil: Web3, usdc: Contract, postgres_session_factory: sessionmaker[Session]
) -> None:
    # PostgreSQL only: SQLite serialises writers itself and has no row locks.
    session_factory = postgres_session_factory
    indexer = _indexer(anvil, usdc)
    _mint(anvil, usdc, [1])
    with session_factory() as first:
        indexer.sync(session=first)
    _mint(anvil, usdc, [2])

    with session_factory() as holder, session_factory() as contender:
        holder.scalars(select(IndexerCursor).with_for_update()).one()
        assert indexer.step(session=contender, head=anvil.eth.block_number).busy
        holder.rollback()
        assert indexer.step(session=contender, head=anvil.eth.block_number).events == 1
