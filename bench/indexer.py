"""Indexer catch-up on a local anvil with sparse events, beside the raw eth_getLogs rate of the same node.

Run with `uv run python -m bench.indexer` (after `make install`; compiles nothing itself: it deploys
MockUSDC from Brownie's build/, so run the tests or `brownie compile` once). Writes
bench/results/indexer.md.
"""

from __future__ import annotations

import datetime
import platform
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import backend.models  # noqa: F401  (registers every table)
from backend.core.db import Base
from backend.devchain import deploy_artifact, running_anvil
from backend.services.indexer import ChainIndexer, WatchedContract

# anvil's block production slows as its chain grows (5,000 empty blocks take about a minute here), which
# bounds the size of this run; the indexer's rate is set by its per-range cost, so ranges are kept small.
BLOCKS = 5_000
EVENT_EVERY = 100  # one Transfer per hundred blocks: sparse, as a platform's contracts are
LOG_RANGE = 1_000
RESULTS = Path(__file__).resolve().parent / "results" / "indexer.md"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def main() -> None:
    with running_anvil() as web3:
        token = deploy_artifact(web3, "MockUSDC")
        start = web3.eth.block_number
        holder = web3.eth.accounts[1]
        for _ in range(BLOCKS // EVENT_EVERY):
            web3.eth.wait_for_transaction_receipt(
                token.functions.faucet(holder, 1).transact({"from": holder})
            )
            web3.provider.make_request("anvil_mine", [hex(EVENT_EVERY - 1)])  # type: ignore[arg-type]
        head = web3.eth.block_number
        blocks = head - start + 1

        began = time.perf_counter()
        raw_logs = 0
        for first in range(start, head + 1, LOG_RANGE):
            raw_logs += len(
                web3.eth.get_logs(
                    {
                        "address": token.address,
                        "fromBlock": first,
                        "toBlock": min(head, first + LOG_RANGE - 1),
                    }
                )
            )
        raw_rate = blocks / (time.perf_counter() - began)

        rows = [(f"raw eth_getLogs, {LOG_RANGE:,}-block ranges", raw_rate, raw_logs)]
        with tempfile.TemporaryDirectory() as scratch:
            for label, url in (
                ("indexer, SQLite", f"sqlite:///{scratch}/bench.db"),
                ("indexer, PostgreSQL", POSTGRES_URL),
            ):
                engine = create_engine(url)
                Base.metadata.drop_all(engine)
                Base.metadata.create_all(engine)
                indexer = ChainIndexer(
                    web3=web3,
                    contracts=[WatchedContract(name="MockUSDC", address=token.address, abi=token.abi)],
                    start_block=start,
                    max_range=LOG_RANGE,
                )
                with Session(engine) as session:
                    began = time.perf_counter()
                    outcome = indexer.sync(session=session, head=head)
                    rows.append((label, blocks / (time.perf_counter() - began), outcome.events))
                Base.metadata.drop_all(engine)
                engine.dispose()

    lines = [
        "# Indexer catch-up",
        "",
        f"Produced by `uv run python -m bench.indexer` on {datetime.date.today()}, {platform.machine()}, "
        f"{blocks:,} anvil blocks with one event every {EVENT_EVERY:,} blocks, ranges of {LOG_RANGE:,} blocks. "
        "Target: ≥ 2,000 blocks/s.",
        "",
        "| reader | blocks/s | events | ratio to raw eth_getLogs |",
        "|---|---:|---:|---:|",
    ]
    for label, rate, events in rows:
        lines.append(f"| {label} | {rate:,.0f} | {events} | {rate / raw_rate:.2f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
