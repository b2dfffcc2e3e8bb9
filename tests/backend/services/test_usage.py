"""Usage ingestion on SQLite and PostgreSQL: deduplication on the event id, totals from new rows only."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.epochs import EpochClock
from backend.models.usage import UsageEvent
from backend.services.usage import (
    MAX_BATCH_EVENTS,
    UnknownBatchError,
    ingest_batch,
    record_batch,
    units_by_licence,
)

CLOCK = EpochClock(genesis=1_700_000_000, length=3_600)


def _events(count: int, *, seed: int, prefix: str = "e", licences: int = 5, epochs: int = 3) -> list[tuple]:
    rng = random.Random(seed)
    return [
        (
            f"{prefix}{i}",
            rng.randrange(1, licences + 1),
            rng.randrange(1, 10),
            CLOCK.genesis + rng.randrange(epochs * CLOCK.length),
        )
        for i in range(count)
    ]


def _expected_totals(events: list[tuple]) -> dict[tuple[int, int], int]:
    totals: dict[tuple[int, int], int] = {}
    seen = set()
    for event_id, licence, units, timestamp in events:
        if event_id in seen:
            continue
        seen.add(event_id)
        key = (licence, CLOCK.epoch_of(timestamp))
        totals[key] = totals.get(key, 0) + units
    return totals


def _totals(session: Session) -> dict[tuple[int, int], int]:
    return {
        (licence, epoch): units
        for epoch in range(1, 5)
        for licence, units in units_by_licence(session=session, epoch=epoch).items()
    }


def _ingest(factory: sessionmaker[Session], events: list[tuple]) -> tuple[int, int]:
    with factory() as session:
        batch_id = record_batch(session=session, events=events, operator_key_id=None)
    with factory() as session:
        outcome = ingest_batch(session=session, batch_id=batch_id, clock=CLOCK)
    return outcome.inserted, outcome.duplicates


def test_ingestBatch_newEvents_storesEventsAndTotals(session_factory: sessionmaker[Session]) -> None:
    events = _events(500, seed=1)

    assert _ingest(session_factory, events) == (500, 0)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(UsageEvent)) == 500
        assert _totals(session) == _expected_totals(events)


def test_ingestBatch_sameEventsInNewBatch_changesNothing(session_factory: sessionmaker[Session]) -> None:
    events = _events(300, seed=2)
    _ingest(session_factory, events)

    assert _ingest(session_factory, events) == (0, 300)
    with session_factory() as session:
        assert _totals(session) == _expected_totals(events)


def test_ingestBatch_partlyOverlapping_addsOnlyNewRows(session_factory: sessionmaker[Session]) -> None:
    first, second = _events(200, seed=3), _events(200, seed=3)[100:] + _events(100, seed=4, prefix="f")
    _ingest(session_factory, first)

    assert _ingest(session_factory, second) == (100, 100)
    with session_factory() as session:
        assert _totals(session) == _expected_totals(first + second)


def test_ingestBatch_duplicateIdsInsideBatch_countedOnce(session_factory: sessionmaker[Session]) -> None:
    events = _events(10, seed=5)
    doubled = events + [(event_id, licence, units + 1, ts) for event_id, licence, units, ts in events[:4]]

    assert _ingest(session_factory, doubled) == (10, 4)
    with session_factory() as session:
        assert _totals(session) == _expected_totals(doubled)


def test_ingestBatch_redelivered_returnsFirstOutcome(session_factory: sessionmaker[Session]) -> None:
    events = _events(50, seed=6)
    with session_factory() as session:
        batch_id = record_batch(session=session, events=events, operator_key_id=7)
    outcomes = []
    for _ in range(3):
        with session_factory() as session:
            outcomes.append(ingest_batch(session=session, batch_id=batch_id, clock=CLOCK))

    assert {(o.inserted, o.duplicates) for o in outcomes} == {(50, 0)}
    with session_factory() as session:
        assert _totals(session) == _expected_totals(events)


def test_ingestBatch_concurrentRedeliveries_countEachEventOnce(
    session_factory: sessionmaker[Session],
) -> None:
    events = _events(1_000, seed=7)
    with session_factory() as session:
        batch_ids = [record_batch(session=session, events=events, operator_key_id=None) for _ in range(4)]

    def ingest(batch_id: int) -> tuple[int, int]:
        with session_factory() as session:
            outcome = ingest_batch(session=session, batch_id=batch_id, clock=CLOCK)
        return outcome.batch_id, outcome.inserted

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = set(pool.map(ingest, batch_ids * 2))

    # Each batch reports one outcome however often it is delivered, and only one batch inserted anything.
    assert len(outcomes) == len(batch_ids)
    assert sorted(inserted for _, inserted in outcomes) == [0, 0, 0, 1_000]
    with session_factory() as session:
        assert _totals(session) == _expected_totals(events)


def test_ingestBatch_unknownBatch_raises(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session, pytest.raises(UnknownBatchError, match="no usage batch 999"):
        ingest_batch(session=session, batch_id=999, clock=CLOCK)


@pytest.mark.parametrize("count", [0, MAX_BATCH_EVENTS + 1])
def test_recordBatch_wrongSize_raises(session_factory: sessionmaker[Session], count: int) -> None:
    with session_factory() as session, pytest.raises(ValueError, match="1 to 1000 events"):
        record_batch(session=session, events=_events(count, seed=8), operator_key_id=None)
