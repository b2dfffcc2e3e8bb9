"""The oracle's transaction sender on anvil and on both databases: nonces, fees, replacement, finality,
reverts, recovery."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from web3.exceptions import TransactionNotFound

from backend.chain.client import ChainClient, ContractReverted
from backend.chain.sender import (
    FeeCapExceeded,
    Fees,
    InsufficientFunds,
    TransactionRejected,
    TransactionReverted,
    TransactionSender,
    TransactionTimeout,
    TxStatus,
    market_fees,
    replacement_fees,
)
from backend.devchain import PROJECT_ROOT, DevChain
from backend.models import OracleNonce, OracleTx, OracleTxAttempt

GWEI = 10**9
WAIT = 120  # seconds; a bound on a broken run, never a measurement

SenderFactory = Callable[..., TransactionSender]


@pytest.fixture
def make_sender(client: ChainClient, engine: Engine, isolated_chain: DevChain) -> SenderFactory:
    def make(**overrides: Any) -> TransactionSender:
        settings: dict[str, Any] = {
            "private_key": isolated_chain.oracle_key,
            "priority_fee": 1 * GWEI,
            "max_fee_cap": 100 * GWEI,
            "replace_after": 3_600,
            "confirmations": 1,
            "poll_interval": 0.05,
        }
        return TransactionSender(client=client, engine=engine, **{**settings, **overrides})

    return make


def settle_call(
    client: ChainClient, epoch: int, licences: list[int] | None = None, calls: list[int] | None = None
) -> dict[str, Any]:
    """The oracle's own transaction: LicenseManager.settleUsage (an empty batch is a valid no-op)."""
    licenses = client.contract("LicenseManager")
    return {
        "to": licenses.address,
        "data": licenses.encode_abi("settleUsage", args=[epoch, licences or [], calls or []]),
    }


def chain_nonce(client: ChainClient, sender: TransactionSender) -> int:
    return client.w3.eth.get_transaction_count(sender.address, "latest")


def attempts(engine: Engine, tx_id: int) -> list[OracleTxAttempt]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(OracleTxAttempt).where(OracleTxAttempt.tx_id == tx_id).order_by(OracleTxAttempt.id)
            )
        )


def assert_contiguous_and_mined(
    client: ChainClient, engine: Engine, sender: TransactionSender, start: int, count: int
) -> None:
    with Session(engine) as session:
        rows = session.scalars(select(OracleTx).order_by(OracleTx.nonce)).all()
        counter = session.scalars(select(OracleNonce.next_nonce)).one()
    assert [row.nonce for row in rows] == list(range(start, start + count))  # no duplicate, no gap
    assert counter == start + count
    assert chain_nonce(client, sender) == start + count
    for row in rows:
        assert row.status == TxStatus.CONFIRMED
        assert row.mined_hash is not None
        assert client.w3.eth.get_transaction(row.mined_hash)["nonce"] == row.nonce


def mine_missed_ready(chain: DevChain) -> None:
    """Mines one block by hand after concurrent sends.

    anvil's auto-miner can leave a transaction that arrived out of nonce order in its ready pool without
    ever mining it (foundry-rs/foundry#10122); a real node would include it. An explicit block takes every
    ready transaction, and mines nothing that has a nonce gap in front of it, so the checks below still
    catch a gap.
    """
    chain.rpc("evm_mine")


def test_marketFees_twiceBaseFeePlusTipUnderCap() -> None:
    assert market_fees(base_fee=10 * GWEI, priority_fee=2 * GWEI, max_fee_cap=100 * GWEI) == Fees(
        22 * GWEI, 2 * GWEI
    )
    assert market_fees(base_fee=60 * GWEI, priority_fee=2 * GWEI, max_fee_cap=100 * GWEI) == Fees(
        100 * GWEI, 2 * GWEI
    )
    # Capped near the base fee: the tip is kept as set; the node pays it only out of the headroom left.
    assert market_fees(base_fee=99 * GWEI, priority_fee=2 * GWEI, max_fee_cap=100 * GWEI) == Fees(
        100 * GWEI, 2 * GWEI
    )
    assert market_fees(base_fee=0, priority_fee=5, max_fee_cap=3) == Fees(3, 3)


def test_marketFees_baseFeeAboveCapRefused() -> None:
    with pytest.raises(FeeCapExceeded, match="the base fee \\(101 wei\\) is above the fee cap \\(100 wei\\)"):
        market_fees(base_fee=101, priority_fee=1, max_fee_cap=100)


@pytest.mark.parametrize(
    "previous",
    [
        Fees(3 * GWEI, 1 * GWEI),
        Fees(21_000, 0),
        Fees(1, 1),
        Fees(8, 7),
        Fees(9, 9),
        Fees(10**12 + 1, 10**9 + 3),
    ],
)
def test_replacementFees_bothFieldsUpAtLeast12Point5Percent(previous: Fees) -> None:
    market = Fees(0, 0)

    bumped = replacement_fees(previous=previous, market=market, max_fee_cap=10**18)

    assert bumped.max_fee_per_gas * 8 >= previous.max_fee_per_gas * 9
    assert bumped.max_priority_fee_per_gas * 8 >= previous.max_priority_fee_per_gas * 9
    assert bumped.max_fee_per_gas > previous.max_fee_per_gas
    assert bumped.max_priority_fee_per_gas > previous.max_priority_fee_per_gas
    assert bumped.max_priority_fee_per_gas <= bumped.max_fee_per_gas


def test_replacementFees_marketAboveBumpWins() -> None:
    bumped = replacement_fees(previous=Fees(10, 2), market=Fees(50, 5), max_fee_cap=100)

    assert bumped == Fees(50, 5)


def test_replacementFees_bumpAboveCapRefused() -> None:
    with pytest.raises(
        FeeCapExceeded, match="a replacement needs maxFeePerGas 113 wei, above the fee cap \\(112 wei\\)"
    ):
        replacement_fees(previous=Fees(100, 10), market=Fees(0, 0), max_fee_cap=112)


def test_send_concurrentThreadsTakeContiguousNonces(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    sender = make_sender()
    start = chain_nonce(client, sender)

    with ThreadPoolExecutor(max_workers=50) as pool:
        sent = list(pool.map(lambda epoch: sender.send(**settle_call(client, epoch)), range(1, 51)))
    mine_missed_ready(isolated_chain)
    with ThreadPoolExecutor(max_workers=10) as pool:
        final = list(pool.map(lambda result: sender.wait(tx_id=result.tx_id, timeout=WAIT), sent))

    assert sorted(result.nonce for result in sent) == list(range(start, start + 50))
    assert all(result.status is TxStatus.CONFIRMED for result in final)
    assert_contiguous_and_mined(client, engine, sender, start, 50)


WORKER = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
from sqlalchemy import create_engine
from backend.chain.client import ChainClient
from backend.chain.sender import TransactionSender

rpc_url, manifest, database, key, first_epoch, count = sys.argv[1:]
client = ChainClient(rpc_url=rpc_url, manifest_path=manifest)
sender = TransactionSender(
    client=client, engine=create_engine(database), private_key=key,
    priority_fee=10**9, max_fee_cap=100 * 10**9, replace_after=3600, confirmations=1,
)
licenses = client.contract("LicenseManager")
def send(epoch):
    return sender.send(to=licenses.address, data=licenses.encode_abi("settleUsage", args=[epoch, [], []])).tx_id
with ThreadPoolExecutor(max_workers=10) as pool:
    print(json.dumps(list(pool.map(send, range(int(first_epoch), int(first_epoch) + int(count))))))
"""


def test_send_concurrentProcessesTakeContiguousNonces(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    sender = make_sender()
    start = chain_nonce(client, sender)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                isolated_chain.rpc_url,
                str(isolated_chain.manifest_path),
                engine.url.render_as_string(hide_password=False),
                isolated_chain.oracle_key,
                str(first_epoch),
                "25",
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for first_epoch in (1, 101)
    ]
    tx_ids = []
    for worker in workers:
        out, err = worker.communicate(timeout=WAIT)
        assert worker.returncode == 0, err
        tx_ids += json.loads(out)
    mine_missed_ready(isolated_chain)

    for tx_id in tx_ids:
        assert sender.wait(tx_id=tx_id, timeout=WAIT).status is TxStatus.CONFIRMED
    assert len(set(tx_ids)) == 50
    assert_contiguous_and_mined(client, engine, sender, start, 50)


def test_check_stuckTxReplacedWithBumpAndOnlyReplacementMined(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    isolated_chain.rpc("anvil_setNextBlockBaseFeePerGas", hex(1 * GWEI))
    isolated_chain.rpc("evm_mine")
    isolated_chain.rpc("evm_setAutomine", False)
    sender = make_sender(replace_after=0)
    start = chain_nonce(client, sender)
    sent = sender.send(**settle_call(client, 1))

    replaced = sender.check(tx_id=sent.tx_id)

    assert replaced.status is TxStatus.PENDING
    first, second = attempts(engine, sent.tx_id)
    assert replaced.hashes == (first.tx_hash, second.tx_hash)
    assert (first.max_fee_per_gas, first.max_priority_fee_per_gas) == (3 * GWEI, 1 * GWEI)
    assert second.max_fee_per_gas * 8 >= first.max_fee_per_gas * 9
    assert second.max_priority_fee_per_gas * 8 >= first.max_priority_fee_per_gas * 9
    # The node holds the replacement in place of the original.
    pooled = client.w3.eth.get_transaction(second.tx_hash)
    assert (pooled["nonce"], pooled["maxFeePerGas"], pooled["maxPriorityFeePerGas"]) == (
        start,
        second.max_fee_per_gas,
        second.max_priority_fee_per_gas,
    )
    with pytest.raises(TransactionNotFound):
        client.w3.eth.get_transaction(first.tx_hash)

    isolated_chain.rpc("evm_mine")
    mined = sender.wait(tx_id=sent.tx_id, timeout=WAIT)

    assert mined.status is TxStatus.CONFIRMED
    assert mined.tx_hash == second.tx_hash
    with pytest.raises(TransactionNotFound):
        client.w3.eth.get_transaction_receipt(first.tx_hash)
    assert chain_nonce(client, sender) == start + 1


def test_check_replacementAboveCapKeepsWaiting(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    isolated_chain.rpc("evm_setAutomine", False)
    # Base fee 0: the first transaction offers maxFeePerGas = tip = the cap, so no bump fits under it.
    sender = make_sender(replace_after=0, priority_fee=1 * GWEI, max_fee_cap=1 * GWEI)
    sent = sender.send(**settle_call(client, 1))

    stuck = sender.check(tx_id=sent.tx_id)

    assert stuck.status is TxStatus.PENDING
    assert stuck.hashes == sent.hashes
    assert stuck.error_name == "FeeCapExceeded"
    assert stuck.error is not None and "above the fee cap" in stuck.error
    isolated_chain.rpc("evm_mine")
    assert sender.wait(tx_id=sent.tx_id, timeout=WAIT).error is None


def test_check_followsReceiptToConfirmationDepth(
    client: ChainClient, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    sender = make_sender(confirmations=3)
    sent = sender.send(**settle_call(client, 1))

    mined = sender.check(tx_id=sent.tx_id)
    isolated_chain.rpc("anvil_mine", 1)
    two_deep = sender.check(tx_id=sent.tx_id)
    isolated_chain.rpc("anvil_mine", 1)
    three_deep = sender.check(tx_id=sent.tx_id)

    receipt = client.w3.eth.get_transaction_receipt(sent.tx_hash)
    assert (mined.status, two_deep.status, three_deep.status) == (
        TxStatus.MINED,
        TxStatus.MINED,
        TxStatus.CONFIRMED,
    )
    assert three_deep.block_number == receipt["blockNumber"]
    assert three_deep.gas_used == receipt["gasUsed"]
    assert three_deep.effective_gas_price == receipt["effectiveGasPrice"]


def test_wait_revertedTxReportsDecodedCustomError(client: ChainClient, make_sender: SenderFactory) -> None:
    sender = make_sender()
    # An explicit gas limit skips the estimate, so the revert happens on chain.
    sent = sender.send(**settle_call(client, 1, licences=[1, 2], calls=[5]), gas=200_000)

    with pytest.raises(TransactionReverted) as raised:
        sender.wait(tx_id=sent.tx_id, timeout=WAIT)

    result = raised.value.result
    assert result.status is TxStatus.REVERTED
    assert result.error == "LicenseManagerInvalidBatch(licenceCount=2, callCount=1)"
    assert result.error_name == "LicenseManagerInvalidBatch"
    assert client.w3.eth.get_transaction_receipt(result.tx_hash)["status"] == 0
    assert (
        f"reverted in block {result.block_number}: LicenseManagerInvalidBatch(licenceCount=2, callCount=1)"
        in str(raised.value)
    )


def test_send_revertingCallRaisesBeforeTakingNonce(
    client: ChainClient, engine: Engine, make_sender: SenderFactory
) -> None:
    sender = make_sender()
    start = chain_nonce(client, sender)

    with pytest.raises(
        ContractReverted, match="reverted: LicenseManagerInvalidBatch\\(licenceCount=1, callCount=0\\)"
    ):
        sender.send(**settle_call(client, 1, licences=[1]))

    assert sender.send(**settle_call(client, 1)).nonce == start
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OracleTx)) == 1


def test_send_refusedTxNonceGoesToCancellation(
    client: ChainClient, engine: Engine, make_sender: SenderFactory
) -> None:
    sender = make_sender()
    start = chain_nonce(client, sender)

    # More gas than a block holds: the node refuses it outright.
    with pytest.raises(TransactionRejected, match=f"refused oracle tx \\d+ \\(nonce {start}\\)"):
        sender.send(**settle_call(client, 1), gas=40_000_000)
    with Session(engine) as session:
        refused = session.scalars(select(OracleTx)).one()
    cancelled = sender.check(tx_id=refused.id)
    after = sender.transact(**settle_call(client, 2), timeout=WAIT)

    assert cancelled.status is TxStatus.FAILED
    assert cancelled.error_name == "Rejected"
    cancel_tx = client.w3.eth.get_transaction(cancelled.tx_hash)
    assert (cancel_tx["nonce"], cancel_tx["to"], cancel_tx["value"]) == (start, sender.address, 0)
    assert after.nonce == start + 1
    assert chain_nonce(client, sender) == start + 2


def test_recover_sendsWhatCrashedSenderLeft(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    crashed = make_sender()
    start = chain_nonce(client, crashed)
    # A sender that stopped after taking a nonce, before signing (its internals, to stop at that point) ...
    call = settle_call(client, 1)
    unsigned_id, _ = crashed._allocate(to=call["to"], data=bytes.fromhex(call["data"][2:]), gas=100_000)
    # ... and one whose broadcast the node lost.
    isolated_chain.rpc("evm_setAutomine", False)
    lost = crashed.send(**settle_call(client, 2))
    isolated_chain.rpc("anvil_dropAllTransactions")
    isolated_chain.rpc("evm_setAutomine", True)

    recovered = make_sender().recover()

    assert [(result.tx_id, result.status) for result in recovered] == [
        (unsigned_id, TxStatus.PENDING),
        (lost.tx_id, TxStatus.PENDING),
    ]
    restarted = make_sender()
    assert restarted.wait(tx_id=unsigned_id, timeout=WAIT).nonce == start
    assert restarted.wait(tx_id=lost.tx_id, timeout=WAIT).tx_hash == lost.tx_hash
    assert_contiguous_and_mined(client, engine, restarted, start, 2)


def test_recover_nonceUsedElsewhereFailsAndCounterMovesOn(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    sender = make_sender()
    isolated_chain.rpc("evm_setAutomine", False)
    taken = sender.send(**settle_call(client, 1))
    isolated_chain.rpc("anvil_dropAllTransactions")
    isolated_chain.rpc("evm_setAutomine", True)
    # Someone uses the oracle key outside the sender: that nonce and the next one.
    oracle = Account.from_key(isolated_chain.oracle_key)
    for nonce in (taken.nonce, taken.nonce + 1):
        signed = oracle.sign_transaction(
            {
                "to": oracle.address,
                "value": 0,
                "gas": 21_000,
                "nonce": nonce,
                "chainId": client.chain_id,
                "maxFeePerGas": 2 * GWEI,
                "maxPriorityFeePerGas": 1 * GWEI,
            }
        )
        client.w3.eth.wait_for_transaction_receipt(client.w3.eth.send_raw_transaction(signed.raw_transaction))

    (failed,) = sender.recover()
    after = sender.transact(**settle_call(client, 2), timeout=WAIT)

    assert failed.status is TxStatus.FAILED
    assert failed.error_name == "NonceUsedElsewhere"
    assert after.nonce == taken.nonce + 2


def test_wait_notFinalInTimeRaises(
    client: ChainClient, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    isolated_chain.rpc("evm_setAutomine", False)
    sender = make_sender()
    sent = sender.send(**settle_call(client, 1))

    with pytest.raises(
        TransactionTimeout,
        match=f"oracle tx {sent.tx_id} \\(nonce {sent.nonce}\\) is still pending after 0 s",
    ):
        sender.wait(tx_id=sent.tx_id, timeout=0)


def test_send_baseFeeAboveCapRefusedBeforeTakingNonce(
    client: ChainClient, engine: Engine, make_sender: SenderFactory, isolated_chain: DevChain
) -> None:
    isolated_chain.rpc("anvil_setNextBlockBaseFeePerGas", hex(200 * GWEI))
    isolated_chain.rpc("evm_mine")

    with pytest.raises(FeeCapExceeded, match="above the fee cap"):
        make_sender().send(**settle_call(client, 1))
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OracleTx)) == 0


def test_send_unfundedWalletRefused(client: ChainClient, make_sender: SenderFactory) -> None:
    sender = make_sender(private_key=Account.create().key.to_0x_hex())

    with pytest.raises(InsufficientFunds, match=f"{sender.address} holds 0 wei"):
        sender.send(**settle_call(client, 1), gas=100_000)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"to": "0x1234", "data": "0x"}, "'to' must be a 0x-prefixed 20-byte address"),
        ({"to": "0x5fbdb2315678afecb367f032d93F642f64180aa3", "data": "0x"}, "wrong EIP-55 checksum"),
        ({"to": "0x" + "11" * 20, "data": "0xzz"}, "'data' must be bytes or a 0x-prefixed hex string"),
        ({"to": "0x" + "11" * 20, "data": "0x", "gas": 20_999}, "gas must be an integer of at least 21000"),
    ],
)
def test_send_badInputRefused(make_sender: SenderFactory, call: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_sender().send(**call)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"private_key": "0x1234"}, "the oracle private key is not a valid secp256k1 key"),
        ({"confirmations": 0}, "confirmations must be at least 1"),
        ({"priority_fee": 2, "max_fee_cap": 1}, "need 0 <= priority_fee \\(2\\) <= max_fee_cap \\(1\\)"),
        ({"replace_after": -1}, "replace_after must be >= 0 seconds"),
    ],
)
def test_transactionSender_badSettingsRefused(
    make_sender: SenderFactory, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_sender(**overrides)
