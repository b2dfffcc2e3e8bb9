"""The oracle hot wallet's transaction sender: database-allocated nonces, EIP-1559 fees, replacement, finality.

Nonces come from one database row per (chain id, address), locked while a nonce is taken (``SELECT … FOR
UPDATE`` on PostgreSQL, a ``BEGIN IMMEDIATE`` single-writer transaction on SQLite), so any number of threads
and processes share a wallet without reusing or skipping a nonce. Every transaction is signed and recorded
before it is broadcast; a crash at any point leaves rows that ``recover()`` finishes from what the chain says.

Fees: ``maxFeePerGas = 2 * latest base fee + priority fee`` (capped), ``maxPriorityFeePerGas`` from the
settings. A transaction not mined ``replace_after`` seconds after its last broadcast is replaced with the
same nonce and both fee fields raised by at least 12.5 %, what nodes demand of a replacement. A transaction
is final ``confirmations`` blocks deep; a revert is reported with the contract's decoded custom error.

A nonce the node refuses outright (e.g. a gas limit above the block's) is given to a zero-value transfer to
self, so no later transaction waits behind a nonce that will never be mined.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from eth_account import Account
from hexbytes import HexBytes
from requests.exceptions import RequestException
from sqlalchemy import Engine, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload, sessionmaker
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import TxReceipt

from backend.chain.client import ChainClient, ChainError, ContractReverted, NotFoundError, revert_data
from backend.chain.manifest import checksum_address
from backend.models.oracle_tx import OracleNonce, OracleTx, OracleTxAttempt

log = logging.getLogger(__name__)

CANCEL_GAS = 21_000
# How long a sender waits for the nonce lock (or SQLite's write lock) before giving up with an error.
LOCK_TIMEOUT_MS = 60_000
# Gas estimated on the current state; leave room for state that changes before inclusion.
GAS_MARGIN_PERCENT = 20
# Messages a node answers when it already has the transaction or its nonce is used: nothing to redo.
_ALREADY_SENT = ("already known", "already imported", "nonce too low", "known transaction")


class TxStatus(StrEnum):
    PENDING = "pending"  # nonce allocated, broadcast, not in a block
    MINED = "mined"  # in a block, fewer than `confirmations` deep
    CONFIRMED = "confirmed"  # succeeded, `confirmations` deep
    REVERTED = "reverted"  # reverted, `confirmations` deep
    FAILED = "failed"  # the nonce went to a cancellation or to a transaction made elsewhere


FINAL_STATUSES = frozenset({TxStatus.CONFIRMED, TxStatus.REVERTED, TxStatus.FAILED})


class SenderError(ChainError):
    """A transaction could not be sent or did not succeed."""


class FeeCapExceeded(SenderError):
    """The fees needed are above the configured cap."""


class InsufficientFunds(SenderError):
    """The hot wallet cannot pay for the transaction's gas."""


class TransactionRejected(SenderError):
    """The node refused the transaction; its nonce was given to a cancellation."""


class TransactionFailed(SenderError):
    """The transaction was never mined: its nonce went to a cancellation or to another transaction."""


class TransactionReverted(SenderError):
    """The transaction was mined and reverted; ``result.error`` is the decoded custom error."""

    def __init__(self, result: TxResult) -> None:
        super().__init__(
            f"oracle tx {result.tx_id} (nonce {result.nonce}, {result.tx_hash}) reverted in block "
            f"{result.block_number}: {result.error}"
        )
        self.result = result


class TransactionTimeout(SenderError, TimeoutError):
    """The transaction was not final within the time waited."""


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    max_priority_fee_per_gas: int


def market_fees(*, base_fee: int, priority_fee: int, max_fee_cap: int) -> Fees:
    """Fees for a new transaction: twice the base fee (room for six full blocks of rises) plus the tip."""
    if base_fee > max_fee_cap:
        raise FeeCapExceeded(f"the base fee ({base_fee} wei) is above the fee cap ({max_fee_cap} wei)")
    max_fee = min(2 * base_fee + priority_fee, max_fee_cap)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=min(priority_fee, max_fee))


def replacement_fees(*, previous: Fees, market: Fees, max_fee_cap: int) -> Fees:
    """Fees for a replacement: both fields at least 12.5 % above ``previous`` and no lower than the market."""
    priority = max(_bump(previous.max_priority_fee_per_gas), market.max_priority_fee_per_gas)
    max_fee = max(_bump(previous.max_fee_per_gas), market.max_fee_per_gas, priority)
    if max_fee > max_fee_cap:
        raise FeeCapExceeded(
            f"a replacement needs maxFeePerGas {max_fee} wei, above the fee cap ({max_fee_cap} wei)"
        )
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=priority)


def _bump(value: int) -> int:
    # value + ceil(value / 8) is >= 1.125 * value; a zero tip still has to grow.
    return value + max(1, -(-value // 8))


@dataclass(frozen=True)
class TxResult:
    tx_id: int
    nonce: int
    status: TxStatus
    tx_hash: str  # the mined transaction's hash once mined, else the latest broadcast's
    hashes: tuple[str, ...]  # every transaction signed for this nonce, oldest first
    block_number: int | None
    gas_used: int | None
    effective_gas_price: int | None
    error: str | None  # decoded revert, or why the nonce was not mined
    error_name: str | None  # the custom error's name alone, for code that handles one error


class TransactionSender:
    """Sends the oracle's transactions from the key ``private_key`` through ``client``, recorded in ``engine``.

    ``priority_fee`` and ``max_fee_cap`` are in wei. Threads may share one sender; processes each build their
    own on the same database. Call ``recover()`` once at start.
    """

    def __init__(
        self,
        *,
        client: ChainClient,
        engine: Engine,
        private_key: str,
        priority_fee: int,
        max_fee_cap: int,
        replace_after: float,
        confirmations: int,
        poll_interval: float = 1.0,
    ) -> None:
        if engine.dialect.name not in ("postgresql", "sqlite"):
            raise ValueError(f"nonce allocation supports PostgreSQL and SQLite, not {engine.dialect.name}")
        if not 0 <= priority_fee <= max_fee_cap:
            raise ValueError(f"need 0 <= priority_fee ({priority_fee}) <= max_fee_cap ({max_fee_cap})")
        if confirmations < 1:
            raise ValueError(f"confirmations must be at least 1, got {confirmations}")
        if replace_after < 0 or poll_interval <= 0:
            raise ValueError("replace_after must be >= 0 seconds and poll_interval > 0 seconds")
        try:
            self._account = Account.from_key(private_key)
        except (ValueError, TypeError) as error:
            raise ValueError(f"the oracle private key is not a valid secp256k1 key: {error}") from None
        self._client = client
        self._w3 = client.w3
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.priority_fee = priority_fee
        self.max_fee_cap = max_fee_cap
        self.replace_after = replace_after
        self.confirmations = confirmations
        self.poll_interval = poll_interval
        self._nonce_row_ready = False
        self._nonce_row_lock = threading.Lock()

    @property
    def address(self) -> str:
        return str(self._account.address)

    def send(self, *, to: str, data: bytes | str, gas: int | None = None) -> TxResult:
        """Signs, records and broadcasts a call to ``to``; returns at once (``wait`` follows it).

        Without ``gas`` the call is estimated first, so a call that would revert raises ContractReverted
        before a nonce is taken.
        """
        to = checksum_address(to, what="'to'")
        try:
            payload = bytes(HexBytes(data))
        except (ValueError, TypeError):
            raise ValueError(f"'data' must be bytes or a 0x-prefixed hex string, got {data!r}") from None
        if gas is not None and (isinstance(gas, bool) or not isinstance(gas, int) or gas < CANCEL_GAS):
            raise ValueError(f"gas must be an integer of at least {CANCEL_GAS}, got {gas!r}")

        fees = self._market_fees()
        if gas is None:
            gas = self.estimate_gas(to=to, data=payload)
        balance = self._w3.eth.get_balance(self._account.address)
        if balance < gas * fees.max_fee_per_gas:
            raise InsufficientFunds(
                f"{self.address} holds {balance} wei; the transaction may cost up to "
                f"{gas * fees.max_fee_per_gas} wei ({gas} gas at {fees.max_fee_per_gas} wei)"
            )

        tx_id, nonce = self._allocate(to=to, data=payload, gas=gas)
        refusal = self._send_first(tx_id=tx_id, fees=fees)
        if refusal is not None:
            raise TransactionRejected(
                f"the node refused oracle tx {tx_id} (nonce {nonce}): {refusal}; the nonce went to a cancellation"
            )
        return self._result(tx_id)

    def check(self, *, tx_id: int) -> TxResult:
        """Brings one transaction's record up to date with the chain, replacing it if it is stuck."""
        with self._sessions() as session:
            tx = self._load(session, tx_id)
            if tx.status in FINAL_STATUSES:
                return _result(tx)
            attempts = list(tx.attempts)

        # The nonce first: if it is used and none of our hashes has a receipt after that, it went elsewhere.
        chain_nonce = self._w3.eth.get_transaction_count(self._account.address, "latest")
        found = self._find_receipt(attempts)
        if found is not None:
            self._record_receipt(tx, *found)
        elif chain_nonce > tx.nonce:
            self._update(
                tx_id,
                status=TxStatus.FAILED,
                error=f"nonce {tx.nonce} was used by a transaction this sender did not make",
                error_name="NonceUsedElsewhere",
            )
        elif not attempts:
            # Allocated, then the sender stopped before signing: send it now.
            self._send_first(tx_id=tx_id, fees=self._market_fees())
        else:
            if tx.status == TxStatus.MINED:
                log.warning("oracle tx %s (nonce %s) left the chain in a reorg", tx_id, tx.nonce)
                self._update(tx_id, status=TxStatus.PENDING, mined_hash=None, block_number=None)
            last = attempts[-1]
            if (_now() - _aware(last.sent_at)).total_seconds() >= self.replace_after:
                self._replace(tx_id=tx_id, last=last)
        return self._result(tx_id)

    def wait(self, *, tx_id: int, timeout: float) -> TxResult:
        """Follows a transaction until it is final; raises unless it succeeded."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.check(tx_id=tx_id)
            if result.status == TxStatus.CONFIRMED:
                return result
            if result.status == TxStatus.REVERTED:
                raise TransactionReverted(result)
            if result.status == TxStatus.FAILED:
                raise TransactionFailed(f"oracle tx {tx_id} (nonce {result.nonce}) failed: {result.error}")
            if time.monotonic() >= deadline:
                raise TransactionTimeout(
                    f"oracle tx {tx_id} (nonce {result.nonce}) is still {result.status} after {timeout} s "
                    f"(sent as {', '.join(result.hashes)})"
                )
            time.sleep(self.poll_interval)

    def transact(self, *, to: str, data: bytes | str, gas: int | None = None, timeout: float) -> TxResult:
        """``send`` then ``wait``."""
        return self.wait(tx_id=self.send(to=to, data=data, gas=gas).tx_id, timeout=timeout)

    def recover(self) -> list[TxResult]:
        """Re-checks every unfinished transaction of this wallet against the chain: call once on start.

        Rebroadcasts what the node may have lost, and moves the nonce counter past nonces the chain shows
        as used by transactions sent outside this sender.
        """
        self._ensure_nonce_row()
        chain_nonce = self._w3.eth.get_transaction_count(self._account.address, "latest")
        with self._locked() as session:
            session.execute(
                update(OracleNonce)
                .where(*self._nonce_key(), OracleNonce.next_nonce < chain_nonce)
                .values(next_nonce=chain_nonce)
            )
        with self._sessions() as session:
            tx_ids = session.scalars(
                select(OracleTx.id)
                .where(
                    OracleTx.chain_id == self._client.chain_id,
                    OracleTx.address == self.address,
                    OracleTx.status.not_in([status.value for status in FINAL_STATUSES]),
                )
                .order_by(OracleTx.nonce)
            ).all()
        results = []
        for tx_id in tx_ids:
            result = self.check(tx_id=tx_id)
            if result.status == TxStatus.PENDING:
                with self._sessions() as session:
                    attempts = self._load(session, tx_id).attempts
                    last = attempts[-1] if attempts else None
                if last is not None:
                    self._broadcast(last)
            results.append(result)
        return results

    # Nonces

    def _nonce_key(self) -> tuple[Any, ...]:
        return (OracleNonce.chain_id == self._client.chain_id, OracleNonce.address == self.address)

    def _ensure_nonce_row(self) -> None:
        """Creates the wallet's nonce row from the chain's count the first time the wallet is used."""
        with self._nonce_row_lock:
            if self._nonce_row_ready:
                return
            start = self._w3.eth.get_transaction_count(self._account.address, "pending")
            dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
            with self._sessions.begin() as session:
                session.execute(
                    dialect.insert(OracleNonce)
                    .values(chain_id=self._client.chain_id, address=self.address, next_nonce=start)
                    .on_conflict_do_nothing()
                )
            self._nonce_row_ready = True

    def _allocate(self, *, to: str, data: bytes, gas: int) -> tuple[int, int]:
        self._ensure_nonce_row()
        now = _now()
        with self._locked() as session:
            counter = session.execute(
                select(OracleNonce).where(*self._nonce_key()).with_for_update()
            ).scalar_one()
            nonce = counter.next_nonce
            counter.next_nonce = nonce + 1
            tx = OracleTx(
                chain_id=self._client.chain_id,
                address=self.address,
                nonce=nonce,
                to_address=to,
                data=data,
                gas_limit=gas,
                status=TxStatus.PENDING.value,
                created_at=now,
                updated_at=now,
            )
            session.add(tx)
            session.flush()
            return tx.id, nonce

    @contextmanager
    def _locked(self) -> Iterator[Session]:
        """A transaction that holds the write lock from its first statement.

        PostgreSQL locks the rows selected FOR UPDATE. SQLite has no row locks; a deferred transaction that
        reads then writes can fail to upgrade under contention, so it takes the database's single write lock
        up front (BEGIN IMMEDIATE) and waits for it instead.
        """
        with self._sessions.begin() as session:
            # Waiting for the lock is normal (every sender takes it); waiting forever is not.
            if self._engine.dialect.name == "sqlite":
                session.execute(text(f"PRAGMA busy_timeout = {LOCK_TIMEOUT_MS}"))
                session.execute(text("BEGIN IMMEDIATE"))
            else:
                session.execute(text(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}"))
            yield session

    # Signing and broadcasting

    def _market_fees(self) -> Fees:
        base_fee = self._w3.eth.get_block("latest").get("baseFeePerGas", 0)
        return market_fees(base_fee=base_fee, priority_fee=self.priority_fee, max_fee_cap=self.max_fee_cap)

    def estimate_gas(self, *, to: str, data: bytes) -> int:
        """The gas the oracle's call would take now, with a margin; ContractReverted if it would revert."""
        try:
            estimate = self._w3.eth.estimate_gas({"from": self._account.address, "to": to, "data": data})
        except (ContractLogicError, Web3RPCError) as error:
            raw = revert_data(error)
            if raw is None:
                raise
            raise ContractReverted(f"oracle call to {to}", self._client.decode_revert(data=raw)) from None
        return estimate + estimate * GAS_MARGIN_PERCENT // 100

    def _sign_and_record(
        self, *, tx_id: int, kind: str, fees: Fees, after: OracleTxAttempt | None
    ) -> OracleTxAttempt | None:
        """Signs a transaction for the nonce of ``tx_id`` and records it before anything is broadcast.

        ``after`` is the attempt this one follows (None for the first); if another sender (thread or
        process) has signed since, returns None and leaves the nonce to that one.
        """
        with self._locked() as session:
            tx = self._load(session, tx_id, lock=True)
            last = tx.attempts[-1].id if tx.attempts else None
            if last != (after.id if after is not None else None):
                return None
            to, data, gas = (
                (tx.to_address, tx.data, tx.gas_limit) if kind == "call" else (self.address, b"", CANCEL_GAS)
            )
            signed = self._account.sign_transaction(
                {
                    "type": 2,
                    "chainId": self._client.chain_id,
                    "nonce": tx.nonce,
                    "to": to,
                    "value": 0,
                    "data": data,
                    "gas": gas,
                    "maxFeePerGas": fees.max_fee_per_gas,
                    "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
                }
            )
            attempt = OracleTxAttempt(
                tx_hash=signed.hash.to_0x_hex(),
                kind=kind,
                max_fee_per_gas=fees.max_fee_per_gas,
                max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                raw_tx=bytes(signed.raw_transaction),
                sent_at=_now(),
            )
            tx.attempts.append(attempt)
            tx.updated_at = _now()
        return attempt

    def _broadcast(self, attempt: OracleTxAttempt) -> str | None:
        """Sends a recorded transaction; returns the node's refusal, None when it has the transaction.

        An unreachable node is not a refusal: the record stays and ``check``/``recover`` send it later.
        """
        try:
            self._w3.eth.send_raw_transaction(attempt.raw_tx)
        except Web3RPCError as error:
            message = str(error.rpc_response.get("error", {}).get("message") if error.rpc_response else error)
            if any(known in message.lower() for known in _ALREADY_SENT):
                return None
            with self._sessions.begin() as session:
                session.execute(
                    update(OracleTxAttempt)
                    .where(OracleTxAttempt.id == attempt.id)
                    .values(broadcast_error=message)
                )
            log.warning("node refused %s: %s", attempt.tx_hash, message)
            return message
        except RequestException as error:
            log.warning("could not reach the node to send %s (will retry): %s", attempt.tx_hash, error)
        return None

    def _send_first(self, *, tx_id: int, fees: Fees) -> str | None:
        """Signs and broadcasts the first transaction for a nonce; returns the node's refusal, if any.

        A refused nonce goes to a cancellation. Another sender (a recovering process) may have signed it
        first: then there is nothing to do here.
        """
        attempt = self._sign_and_record(tx_id=tx_id, kind="call", fees=fees, after=None)
        if attempt is None:
            return None
        refusal = self._broadcast(attempt)
        if refusal is not None:
            self._cancel(tx_id=tx_id, rejected=attempt, reason=refusal)
        return refusal

    def _replace(self, *, tx_id: int, last: OracleTxAttempt) -> None:
        """Signs the same nonce again with fees raised by >= 12.5 % and broadcasts it."""
        previous = Fees(last.max_fee_per_gas, last.max_priority_fee_per_gas)
        try:
            fees = replacement_fees(
                previous=previous, market=self._market_fees(), max_fee_cap=self.max_fee_cap
            )
        except FeeCapExceeded as error:
            # Nothing better can be offered: keep waiting with the last transaction, and say why.
            self._update(tx_id, error=f"stuck: {error}", error_name="FeeCapExceeded")
            self._broadcast(last)
            return
        attempt = self._sign_and_record(tx_id=tx_id, kind=last.kind, fees=fees, after=last)
        if attempt is None:
            return
        log.info("replacing %s with %s (fees %s -> %s)", last.tx_hash, attempt.tx_hash, previous, fees)
        self._broadcast(attempt)

    def _cancel(self, *, tx_id: int, rejected: OracleTxAttempt, reason: str) -> None:
        """Gives the nonce of a refused transaction to a zero-value transfer to self."""
        self._update(tx_id, error=f"refused by the node: {reason}", error_name="Rejected")
        attempt = self._sign_and_record(tx_id=tx_id, kind="cancel", fees=self._market_fees(), after=rejected)
        if attempt is not None and self._broadcast(attempt) is not None:
            log.error("the cancellation %s was refused too; recover() retries it", attempt.tx_hash)

    # Receipts

    def _find_receipt(self, attempts: list[OracleTxAttempt]) -> tuple[OracleTxAttempt, TxReceipt] | None:
        for attempt in reversed(attempts):
            try:
                return attempt, self._w3.eth.get_transaction_receipt(HexBytes(attempt.tx_hash))
            except TransactionNotFound:
                continue
        return None

    def _record_receipt(self, tx: OracleTx, attempt: OracleTxAttempt, receipt: TxReceipt) -> None:
        depth = self._w3.eth.block_number - receipt["blockNumber"] + 1
        final = depth >= self.confirmations
        fields: dict[str, Any] = {
            "mined_hash": attempt.tx_hash,
            "block_number": receipt["blockNumber"],
            "gas_used": receipt["gasUsed"],
            "effective_gas_price": receipt["effectiveGasPrice"],
        }
        if attempt.kind == "cancel":
            fields["status"] = TxStatus.FAILED if final else TxStatus.MINED
        elif receipt["status"] == 1:
            fields.update(status=TxStatus.CONFIRMED if final else TxStatus.MINED, error=None, error_name=None)
        else:
            fields["status"] = TxStatus.REVERTED if final else TxStatus.MINED
            if tx.mined_hash != attempt.tx_hash or tx.block_number != receipt["blockNumber"]:
                fields["error_name"], fields["error"] = self._revert_reason(tx, receipt)
        self._update(tx.id, **fields)

    def _revert_reason(self, tx: OracleTx, receipt: TxReceipt) -> tuple[str, str]:
        """Replays a reverted transaction on the state of its block to read the error it raised.

        The block's state includes the transactions before it in that block, which a revert may depend on.
        """
        try:
            self._w3.eth.call(
                {"from": self._account.address, "to": tx.to_address, "data": tx.data, "gas": tx.gas_limit},
                block_identifier=receipt["blockNumber"],
            )
        except (ContractLogicError, Web3RPCError) as error:
            raw = revert_data(error)
            if raw is None:
                raise
            decoded = self._client.decode_revert(data=raw)
            return decoded.name, str(decoded)
        if receipt["gasUsed"] >= tx.gas_limit:
            return "OutOfGas", f"out of gas (used all {tx.gas_limit})"
        return "Unknown", f"reverted, but a replay on block {receipt['blockNumber']} succeeds"

    # Records

    def _load(self, session: Session, tx_id: int, *, lock: bool = False) -> OracleTx:
        query = select(OracleTx).where(OracleTx.id == tx_id).options(selectinload(OracleTx.attempts))
        tx = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if tx is None or tx.chain_id != self._client.chain_id or tx.address != self.address:
            raise NotFoundError(f"no oracle tx {tx_id} of {self.address} on chain {self._client.chain_id}")
        return tx

    def _update(self, tx_id: int, **fields: Any) -> None:
        with self._sessions.begin() as session:
            session.execute(update(OracleTx).where(OracleTx.id == tx_id).values(updated_at=_now(), **fields))

    def _result(self, tx_id: int) -> TxResult:
        with self._sessions() as session:
            return _result(self._load(session, tx_id))


def _result(tx: OracleTx) -> TxResult:
    hashes = tuple(attempt.tx_hash for attempt in tx.attempts)
    return TxResult(
        tx_id=tx.id,
        nonce=tx.nonce,
        status=TxStatus(tx.status),
        tx_hash=tx.mined_hash or (hashes[-1] if hashes else ""),
        hashes=hashes,
        block_number=tx.block_number,
        gas_used=tx.gas_used,
        effective_gas_price=tx.effective_gas_price,
        error=tx.error,
        error_name=tx.error_name,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without their zone; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
