"""Usage ingestion through the HTTP API into PostgreSQL, deduplicated, end to end.

One uvicorn worker takes batches of 1,000 events (POST /v1/usage with an operator key), a Celery worker on
Redis bulk-loads them (COPY, insert-or-ignore on the event id, totals from new rows); the clock runs from the
first request until the last batch is processed. A fifth of the batches are replays, so deduplication does
real work. Beside the rates it reports the CPU time each part used per batch over the same interval (from
/proc: the API, the worker, the bench database's PostgreSQL backends, the load generator), which says where
the two cores go whatever else the machine is running. Writes bench/results/ingestion.md. Run with `uv run python -m bench.ingestion` (PostgreSQL and
Redis on this machine).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import httpx
import redis
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from backend.core.db import upgrade_database
from backend.devchain import free_port
from backend.models.assets import Asset
from backend.models.licences import Licence
from backend.models.usage import UsageBatch
from backend.services.operator_keys import create_operator_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT_ROOT / "bench" / "results" / "ingestion.md"
WORKER_LOG = PROJECT_ROOT / ".data" / "bench-ingestion-worker.log"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BROKER = "redis://127.0.0.1:6379/8"
UNIQUE_BATCHES, BATCH_SIZE, REPLAYED = 200, 1_000, 50
LICENCES, MODEL = 1_000, 1
CONCURRENCY = 8
WARM_UP = 2 * CONCURRENCY  # batches


def _cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU time of these processes so far (those gone are left out)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _process_tree(root: int) -> list[int]:
    """``root`` and its descendants (uvicorn and Celery run their work in child processes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        children.setdefault(int(rest.rsplit(")", 1)[1].split()[1]), []).append(int(pid))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _wait_until_processed(engine: Engine, worker: subprocess.Popen[bytes]) -> int:
    """Waits until every batch reported is processed; returns how many events were new."""
    while True:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker exited: see {WORKER_LOG}")
        with Session(engine) as session:
            pending = session.scalar(
                select(func.count()).select_from(UsageBatch).where(UsageBatch.processed_at.is_(None))
            )
            inserted = session.scalar(select(func.sum(UsageBatch.inserted)))
        if pending == 0:
            return int(inserted or 0)
        time.sleep(0.05)


def _bodies(now: int, licence: int | None = None) -> list[bytes]:
    """The batches to send; with ``licence``, every event names that licence instead of a random one."""
    rng = random.Random(1)
    batches = [
        [
            {
                "event_id": f"b{b}-{i}",
                "licence_id": licence or rng.randrange(1, LICENCES + 1),
                "units": rng.randrange(1, 10),
                "timestamp": now - rng.randrange(3_000),
            }
            for i in range(BATCH_SIZE)
        ]
        for b in range(UNIQUE_BATCHES)
    ]
    batches += rng.sample(batches, REPLAYED)
    return [json.dumps({"events": batch}).encode() for batch in batches]


async def _post_all(base_url: str, key: str, bodies: list[bytes]) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client:

        async def sender() -> None:
            while not queue.empty():
                response = await client.post("/v1/usage", content=queue.get_nowait())
                response.raise_for_status()

        await asyncio.gather(*(sender() for _ in range(CONCURRENCY)))


def main() -> None:
    WORKER_LOG.parent.mkdir(exist_ok=True)
    name = f"provenant_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    redis.Redis.from_url(BROKER).flushdb()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        engine = create_engine(database_url)
        upgrade_database(engine)
        now = int(time.time())
        with Session(engine) as session:
            session.add_all(
                Licence(
                    id=i,
                    model_id=MODEL,
                    holder="0x" + "11" * 20,
                    terms_version=1,
                    expires_at=now + 86_400,
                    credit=0,
                    settled_calls=0,
                    last_settled_epoch=0,
                    suspended=False,
                )
                for i in range(1, LICENCES + 1)
            )
            operator = "0x" + "22" * 20  # the model's owner, as the indexer would have projected it
            session.add(Asset(id=MODEL, kind="model", owner=operator, manifest_cid="Qm", registered_block=1))
            key, _ = create_operator_key(session=session, owner=operator, model_id=MODEL, label="bench")
            session.commit()
        port = free_port()
        env = {
            **os.environ,
            "PROVENANT_DATABASE_URL": database_url,
            "PROVENANT_BROKER_URL": BROKER,
            "PROVENANT_RATE_LIMIT_API_KEY": "1000000/minute",
            "PROVENANT_EPOCH_GENESIS": str(now - 86_400),
        }
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "backend.main:create_app",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=PROJECT_ROOT,
                env=env,
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "workers.celery_app",
                    "worker",
                    "--concurrency",
                    "2",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel",
                    "warning",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=WORKER_LOG.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base_url}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        bodies = _bodies(now)
        # Warm-up, off the clock: each process imports and connects on its first request or task. These
        # batches name an unknown licence, so they are refused and count nowhere.
        asyncio.run(_post_all(base_url, key, _bodies(now, licence=LICENCES + 1)[:WARM_UP]))
        _wait_until_processed(engine, processes[1])

        def backends() -> list[int]:
            with admin.connect() as connection:
                query = text("SELECT pid FROM pg_stat_activity WHERE datname = :name")
                return list(connection.scalars(query, {"name": name}))

        parts = {
            "API": lambda: _process_tree(processes[0].pid),
            "Celery worker": lambda: _process_tree(processes[1].pid),
            "PostgreSQL": backends,
            "load generator (this process)": lambda: [os.getpid()],
        }
        cpu_before = {part: _cpu_seconds(pids()) for part, pids in parts.items()}
        began = time.perf_counter()
        asyncio.run(_post_all(base_url, key, bodies))
        accepted_s = time.perf_counter() - began
        inserted = _wait_until_processed(engine, processes[1])
        total_s = time.perf_counter() - began
        cpu = {part: _cpu_seconds(pids()) - cpu_before[part] for part, pids in parts.items()}
        load = os.getloadavg()[0]
        engine.dispose()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    events = len(bodies) * BATCH_SIZE
    assert inserted == UNIQUE_BATCHES * BATCH_SIZE, inserted
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Usage ingestion through the API\n\n"
        f"Produced by `uv run python -m bench.ingestion` on {datetime.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores shared by the API (1 uvicorn worker), the Celery worker (2 processes), "
        f"PostgreSQL, Redis and the load generator ({CONCURRENCY} concurrent HTTP clients). "
        f"{len(bodies)} batches of {BATCH_SIZE:,} events, {REPLAYED} of them replays, after {WARM_UP} warm-up "
        "batches off the clock. "
        "Target: ≥ 50,000 events/s deduplicated into PostgreSQL.\n\n"
        "| measure | value |\n|---|---:|\n"
        f"| events sent | {events:,} |\n"
        f"| distinct events stored | {inserted:,} |\n"
        f"| API acceptance (all 202s received) | {events / accepted_s:,.0f} events/s |\n"
        f"| end to end, deduplicated in PostgreSQL | {events / total_s:,.0f} events/s ({total_s:.1f} s) |\n"
        + "".join(
            f"| CPU per batch: {part} | {seconds / len(bodies) * 1000:.1f} ms |\n"
            for part, seconds in cpu.items()
        )
        + f"| CPU per batch: all four | {sum(cpu.values()) / len(bodies) * 1000:.1f} ms |\n"
        f"| machine load average (1 min) at the end | {load:.1f} |\n"
    )
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
