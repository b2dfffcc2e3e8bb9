"""The tasks in real Celery worker processes on Redis and PostgreSQL.

Ingestion: 100,000 usage events reported three times over, while worker processes are killed in the middle
of batches (a pool child with SIGKILL, which the worker sees and requeues the task for; and the whole worker,
whose unacknowledged tasks Redis hands out again after the visibility timeout). The totals must equal those of
a single clean run: no event counted twice, none lost.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import redis
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.core.db import Base
from backend.core.queue import INGEST_USAGE, create_celery
from backend.core.settings import Settings
from backend.domain.epochs import EpochClock
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent
from backend.services.usage import record_batch

BATCHES, BATCH_SIZE, REPLAYS = 100, 1_000, 3
GENESIS, EPOCH_LENGTH = 1_767_225_600, 3_600
WAIT = 600  # seconds; a bound on a broken run, never a measurement
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_env(
    new_database: Callable[[str], str], redis_url: str, tmp_path: Path
) -> Iterator[dict[str, str]]:
    database_url = new_database("postgresql")
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
    broker = redis_url.rsplit("/", 1)[0] + "/7"  # a Redis database of this test's own
    redis.Redis.from_url(broker).flushdb()
    yield {
        **os.environ,
        "PROVENANT_DATABASE_URL": database_url,
        "PROVENANT_BROKER_URL": broker,
        "PROVENANT_DATA_DIR": str(tmp_path),
        "PROVENANT_EPOCH_GENESIS": str(GENESIS),
        "PROVENANT_EPOCH_LENGTH": str(EPOCH_LENGTH),
        "PROVENANT_TASK_VISIBILITY_TIMEOUT": "5",
    }
    redis.Redis.from_url(broker).flushdb()


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "--concurrency", "2"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "info"]
    log = (Path(env["PROVENANT_DATA_DIR"]) / "worker.log").open("ab")
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _events(seed: int) -> list[list[tuple[str, int, int, int]]]:
    rng = random.Random(seed)
    return [
        [
            (
                f"e{b}-{i}",
                rng.randrange(1, 51),
                rng.randrange(1, 20),
                GENESIS + rng.randrange(3 * EPOCH_LENGTH),
            )
            for i in range(BATCH_SIZE)
        ]
        for b in range(BATCHES)
    ]


def test_ingestUsage_replayedWhileWorkersAreKilled_totalsEqualOneCleanRun(worker_env: dict[str, str]) -> None:
    batches = _events(seed=2026)
    clock = EpochClock(genesis=GENESIS, length=EPOCH_LENGTH)
    expected: Counter[tuple[int, int]] = Counter()
    for batch in batches:
        for _, licence, units, timestamp in batch:
            expected[(licence, clock.epoch_of(timestamp))] += units

    engine = create_engine(worker_env["PROVENANT_DATABASE_URL"])
    settings = Settings(
        database_url=worker_env["PROVENANT_DATABASE_URL"], broker_url=worker_env["PROVENANT_BROKER_URL"]
    )
    queue = create_celery(settings)
    with Session(engine) as session:
        batch_ids = [
            record_batch(session=session, events=events, operator_key_id=None)
            for _ in range(REPLAYS)
            for events in batches
        ]
    for batch_id in batch_ids:
        queue.send_task(INGEST_USAGE, args=[batch_id])

    rng = random.Random(7)
    worker = _start_worker(worker_env)
    kills = {"child": 0, "worker": 0}
    deadline = time.monotonic() + WAIT
    processed_at_last_kill = 0
    try:
        while True:
            with Session(engine) as session:
                processed = session.scalar(
                    select(func.count()).select_from(UsageBatch).where(UsageBatch.processed_at.is_not(None))
                )
            if processed == len(batch_ids):
                break
            assert time.monotonic() < deadline, f"{len(batch_ids) - processed} batches still unprocessed"
            if worker.poll() is not None:  # a worker may die of a kill during its own start-up: start another
                worker = _start_worker(worker_env)
            time.sleep(rng.uniform(0.1, 0.4))
            # Kill only while batches are flowing, so each kill lands in the middle of work.
            if processed == processed_at_last_kill or processed < 10:
                continue
            busy = [c for c in psutil.Process(worker.pid).children() if time.time() - c.create_time() > 1]
            if kills["child"] < 4 and busy:
                rng.choice(busy).send_signal(signal.SIGKILL)
                kills["child"] += 1
            elif kills["worker"] < 2:
                for process in [*psutil.Process(worker.pid).children(), psutil.Process(worker.pid)]:
                    process.send_signal(signal.SIGKILL)
                worker.wait()
                kills["worker"] += 1
                worker = _start_worker(worker_env)
            processed_at_last_kill = processed
    finally:
        if worker.poll() is None:
            for process in [*psutil.Process(worker.pid).children(), psutil.Process(worker.pid)]:
                process.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)

    # How many kills land depends on the machine's speed; the outcome must not.
    assert kills["child"] + kills["worker"] >= 1, f"every batch was processed before a kill landed: {kills}"
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(UsageEvent)) == BATCHES * BATCH_SIZE
        totals = {(row.licence_id, row.epoch): row.units for row in session.scalars(select(UsageAggregate))}
        inserted = session.scalar(select(func.sum(UsageBatch.inserted)))
    assert totals == dict(expected)
    assert inserted == BATCHES * BATCH_SIZE
    engine.dispose()
