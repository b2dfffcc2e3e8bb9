"""Chain indexer: follows the platform contracts' events into the database.

Each step indexes one block range: it checks that the block after the cursor still descends from the block
the cursor stored (a parent-hash mismatch means a reorg: roll back to the newest stored block that is still
canonical and index again from there), fetches the range's logs in one ``eth_getLogs`` call, halves the
range when the node answers "too many results" and grows it slowly after successes, and commits the events
with the cursor and the read models built from them (services/projections.py) in one transaction. The cursor row is locked for the step, so one indexer runs at a time;
a second one finds it busy and returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ABIEvent
from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from web3 import Web3
from web3._utils.events import get_event_data
from web3.exceptions import Web3RPCError

from backend.chain.manifest import Manifest
from backend.models.chain import ChainEvent, IndexedBlock, IndexerCursor
from backend.services import projections

CURSOR_NAME = "main"
DEFAULT_MAX_RANGE = 10_000
# JSON numbers are exact only up to 2**53 in most readers (JavaScript, PostgreSQL's jsonb is fine but not all).
_JSON_SAFE_INT = 2**53

# How nodes say a log query is too large (geth, erigon, alchemy, infura, anvil-style wording).
_TOO_MANY_RESULTS = ("too many", "limit exceeded", "more than", "response size", "range is too large")


@dataclass(frozen=True, slots=True)
class WatchedContract:
    name: str
    address: str
    abi: Sequence[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step did: ``indexed`` blocks up to ``block_number``; ``rolled_back`` blocks after a reorg;
    ``busy`` when another indexer held the cursor."""

    block_number: int
    indexed: int = 0
    events: int = 0
    rolled_back: int = 0
    busy: bool = False


class IndexerBusyError(RuntimeError):
    """Another indexer holds the cursor."""


class ChainIndexer:
    def __init__(
        self,
        *,
        web3: Web3,
        contracts: Iterable[WatchedContract],
        start_block: int,
        max_range: int = DEFAULT_MAX_RANGE,
    ) -> None:
        self._web3 = web3
        self._start_block = start_block
        self._max_range = max_range
        self._addresses = []
        self._events: dict[tuple[str, bytes], tuple[str, dict[str, Any]]] = {}
        for contract in contracts:
            address = to_checksum_address(contract.address)
            self._addresses.append(address)
            for item in contract.abi:
                if item.get("type") == "event" and not item.get("anonymous"):
                    self._events[(address, event_abi_to_log_topic(cast(ABIEvent, item)))] = (
                        contract.name,
                        item,
                    )

    def sync(self, *, session: Session, head: int | None = None) -> StepOutcome:
        """Steps until the cursor reaches ``head`` (default: the node's latest block)."""
        target = self._web3.eth.block_number if head is None else head
        total = StepOutcome(block_number=self._start_block - 1)
        while True:
            outcome = self.step(session=session, head=target)
            total = StepOutcome(
                block_number=outcome.block_number,
                indexed=total.indexed + outcome.indexed,
                events=total.events + outcome.events,
                rolled_back=total.rolled_back + outcome.rolled_back,
                busy=outcome.busy,
            )
            if outcome.busy or outcome.block_number >= target:
                return total

    def step(self, *, session: Session, head: int) -> StepOutcome:
        """Indexes one range up to at most ``head``, or rolls back after a reorg; commits."""
        try:
            cursor = self._lock_cursor(session)
        except IndexerBusyError:
            session.rollback()
            return StepOutcome(block_number=-1, busy=True)
        first = cursor.block_number + 1
        if first > head:
            session.rollback()
            return StepOutcome(block_number=cursor.block_number)

        first_block = self._web3.eth.get_block(first)
        if cursor.block_hash is not None and _hex(first_block["parentHash"]) != cursor.block_hash:
            rolled_back = self._roll_back(session, cursor)
            session.commit()
            return StepOutcome(block_number=cursor.block_number, rolled_back=rolled_back)

        last = min(head, first + cursor.range_size - 1)
        try:
            logs = self._web3.eth.get_logs({"address": self._addresses, "fromBlock": first, "toBlock": last})
        except Web3RPCError as error:
            if not _is_too_many_results(error) or cursor.range_size == 1:
                raise
            cursor.range_size = max(1, cursor.range_size // 2)
            session.commit()
            return StepOutcome(block_number=cursor.block_number)
        last_block = self._web3.eth.get_block(last)

        events = [self._decode(log) for log in logs]
        blocks = {event.block_number: event.block_hash for event in events}
        blocks[last] = _hex(last_block["hash"])
        if any(event.block_number == last and event.block_hash != blocks[last] for event in events):
            # The logs and the range's last block come from different forks: a reorg during the step.
            session.rollback()
            return StepOutcome(block_number=cursor.block_number)
        session.add_all(events)
        projections.apply(session, events)
        session.add_all(IndexedBlock(number=number, hash=block_hash) for number, block_hash in blocks.items())
        cursor.block_number, cursor.block_hash = last, blocks[last]
        # Grow by a quarter: a node with a result cap refuses only now and then, not every other call.
        cursor.range_size = min(self._max_range, cursor.range_size + cursor.range_size // 4 + 1)
        session.commit()
        return StepOutcome(block_number=last, indexed=last - first + 1, events=len(events))

    def _lock_cursor(self, session: Session) -> IndexerCursor:
        query = select(IndexerCursor).where(IndexerCursor.name == CURSOR_NAME)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(nowait=True)
        try:
            cursor = session.scalars(query).one_or_none()
        except OperationalError as error:  # PostgreSQL: "could not obtain lock"
            raise IndexerBusyError("another indexer holds the cursor") from error
        if cursor is None:
            cursor = IndexerCursor(
                name=CURSOR_NAME,
                block_number=self._start_block - 1,
                block_hash=None,
                range_size=self._max_range,
            )
            session.add(cursor)
            session.flush()
        return cursor

    def _roll_back(self, session: Session, cursor: IndexerCursor) -> int:
        """Moves the cursor to the newest stored block still on the canonical chain and deletes everything
        above it; returns how many blocks were dropped."""
        stored = session.execute(
            select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc())
        )
        ancestor, ancestor_hash = self._start_block - 1, None
        for number, block_hash in stored:
            if _hex(self._web3.eth.get_block(number)["hash"]) == block_hash:
                ancestor, ancestor_hash = number, block_hash
                break
        session.execute(delete(ChainEvent).where(ChainEvent.block_number > ancestor))
        session.execute(delete(IndexedBlock).where(IndexedBlock.number > ancestor))
        projections.rebuild(session)
        dropped = cursor.block_number - ancestor
        cursor.block_number, cursor.block_hash = ancestor, ancestor_hash
        return dropped

    def _decode(self, log: Any) -> ChainEvent:
        address = to_checksum_address(log["address"])
        contract, abi = self._events[(address, bytes(log["topics"][0]))]
        decoded = get_event_data(self._web3.codec, abi, log)  # type: ignore[arg-type]
        return ChainEvent(
            block_number=log["blockNumber"],
            log_index=log["logIndex"],
            block_hash=_hex(log["blockHash"]),
            transaction_hash=_hex(log["transactionHash"]),
            contract=contract,
            event=decoded["event"],
            args={name: _json_value(value) for name, value in decoded["args"].items()},
        )


def indexer_for(*, web3: Web3, manifest: Manifest, max_range: int = DEFAULT_MAX_RANGE) -> ChainIndexer:
    """The indexer of every contract in the deployment manifest, from its deployment block."""
    return ChainIndexer(
        web3=web3,
        contracts=[
            WatchedContract(name=name, address=contract.address, abi=contract.abi)
            for name, contract in manifest.contracts.items()
        ],
        start_block=manifest.deployment_block,
        max_range=max_range,
    )


def _is_too_many_results(error: Web3RPCError) -> bool:
    message = str(error).lower()
    return any(marker in message for marker in _TOO_MANY_RESULTS)


def _hex(value: bytes | str) -> str:
    return HexBytes(value).to_0x_hex()


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return _hex(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -_JSON_SAFE_INT < value < _JSON_SAFE_INT else str(value)
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value
