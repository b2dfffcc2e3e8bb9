"""Usage ingestion: operators' batches are stored as received, then bulk-loaded with deduplication on the
event id, and per-(licence, epoch) totals grow only by the rows that were new.

Replaying a batch, redelivering its task or sending the same events in another batch changes nothing: the
event id is the primary key of ``usage_events`` and the totals are computed from the rows the insert
returned, inside the same transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, any_, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.domain.epochs import EpochClock
from backend.models.licences import Licence, MeteringLimit
from backend.models.usage import UsageAggregate, UsageBatch

MAX_BATCH_EVENTS = 1_000

# (event_id, licence_id, units, timestamp)
EventRow = tuple[str, int, int, int]


class UnknownBatchError(LookupError):
    """No usage batch has this id."""


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    batch_id: int
    inserted: int
    duplicates: int


# Clocks of operators' gateways may run a little ahead of ours.
MAX_CLOCK_SKEW = 300


def screen_events(
    *, session: Session, events: Sequence[EventRow], model_id: int, clock: EpochClock, now: int
) -> tuple[list[EventRow], list[dict[str, str]]]:
    """Splits events into those that count and those refused, each with the reason the operator sees:
    a licence unknown, of another model, expired or suspended at the event, a time out of range, or calls
    beyond the holder's metering limit for the epoch."""
    licence_ids = {licence_id for _, licence_id, _, _ in events}
    # Plain rows, not ORM objects: this runs for every batch an operator reports.
    query = select(
        Licence.id, Licence.model_id, Licence.expires_at, Licence.suspended, Licence.metering_limited
    )
    if session.get_bind().dialect.name == "postgresql":
        # The ids as one text the server splits: the statement is the same for every batch, where an IN list
        # has a parameter per id that SQLAlchemy renders and psycopg parses each time (and a list parameter
        # is dumped element by element in Python).
        ids = cast(func.string_to_array(",".join(map(str, licence_ids)), ","), ARRAY(BigInteger))
        query = query.where(Licence.id == any_(ids))
    else:
        query = query.where(Licence.id.in_(licence_ids))
    licences = {row.id: row for row in session.execute(query)}
    # Fast path: the events of a licence that may count are accepted when their time is in range.
    usable_until = {
        row.id: row.expires_at for row in licences.values() if row.model_id == model_id and not row.suspended
    }
    earliest, latest = clock.genesis, now + MAX_CLOCK_SKEW
    accepted: list[EventRow] = []
    rejected: list[dict[str, str]] = []
    for event in events:
        event_id, licence_id, _, timestamp = event
        until = usable_until.get(licence_id)
        if until is not None and earliest <= timestamp < until and timestamp <= latest:
            accepted.append(event)
            continue
        licence = licences.get(licence_id)
        if licence is None:
            reason = f"licence {licence_id} is unknown (not sold, or not indexed yet)"
        elif licence.model_id != model_id:
            reason = f"licence {licence_id} is for model {licence.model_id}, not this key's model {model_id}"
        elif timestamp >= licence.expires_at:
            reason = f"licence {licence_id} expired at {licence.expires_at}, before this event ({timestamp})"
        elif licence.suspended:
            reason = f"licence {licence_id} is suspended until its unpaid usage fees are paid"
        elif timestamp < clock.genesis:
            reason = f"timestamp {timestamp} is before the first epoch ({clock.genesis})"
        else:  # the one case left once the fast path has taken the events that count
            reason = f"timestamp {timestamp} is in the future (now {now})"
        rejected.append({"event_id": event_id, "reason": reason})
    limited = {row.id for row in licences.values() if row.metering_limited and row.id in usable_until}
    if limited:
        accepted, refused = _within_limits(session, accepted, limited, clock)
        rejected += refused
    return accepted, rejected


def _within_limits(
    session: Session, accepted: list[EventRow], limited: set[int], clock: EpochClock
) -> tuple[list[EventRow], list[dict[str, str]]]:
    """Of the accepted events, refuses those that would take a ``limited`` licence beyond its holder's limit
    of calls per epoch, counting what the platform already metered in that epoch. Settlement refuses any
    excess as well: this tells the operator now, per event, instead of at the epoch's close."""
    limits: dict[int, list[tuple[int, int]]] = {}
    for row in session.execute(
        select(MeteringLimit.licence_id, MeteringLimit.from_epoch, MeteringLimit.calls_per_epoch)
        .where(MeteringLimit.licence_id.in_(limited))
        .order_by(MeteringLimit.from_epoch)
    ):
        limits.setdefault(row.licence_id, []).append((row.from_epoch, row.calls_per_epoch))
    # By position, not event id: a batch may repeat an id (ingestion drops the repeat later).
    epochs = [
        clock.epoch_of(timestamp) if licence_id in limits else None
        for _, licence_id, _, timestamp in accepted
    ]
    used = Counter(
        {
            (row.licence_id, row.epoch): row.units
            for row in session.execute(
                select(UsageAggregate.licence_id, UsageAggregate.epoch, UsageAggregate.units).where(
                    UsageAggregate.licence_id.in_(limits), UsageAggregate.epoch.in_(set(epochs) - {None})
                )
            )
        }
    )
    kept: list[EventRow] = []
    refused: list[dict[str, str]] = []
    for event, epoch in zip(accepted, epochs, strict=True):
        event_id, licence_id, units, _ = event
        if epoch is not None:
            limit = next((calls for start, calls in reversed(limits[licence_id]) if start <= epoch), 0)
            if limit and used[(licence_id, epoch)] + units > limit:
                refused.append(
                    {
                        "event_id": event_id,
                        "reason": f"licence {licence_id}'s holder limits it to {limit} calls in epoch {epoch}, "
                        f"{used[(licence_id, epoch)]} of which are metered already",
                    }
                )
                continue
            used[(licence_id, epoch)] += units
        kept.append(event)
    return kept, refused


def record_batch(
    *,
    session: Session,
    events: Sequence[EventRow],
    operator_key_id: int | None,
    rejected: Sequence[dict[str, str]] = (),
) -> int:
    """Stores a screened batch (and what was refused) and returns its id; the caller enqueues its ingestion."""
    if not 0 < len(events) + len(rejected) <= MAX_BATCH_EVENTS:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH_EVENTS} events, got {len(events) + len(rejected)}")
    batch = UsageBatch(
        operator_key_id=operator_key_id, events=[list(event) for event in events], rejected=list(rejected)
    )
    session.add(batch)
    session.commit()
    return batch.id


def ingest_batch(*, session: Session, batch_id: int, clock: EpochClock) -> IngestOutcome:
    """Loads a stored batch into ``usage_events`` and the totals, once; later calls return the outcome."""
    batch = session.scalars(
        select(UsageBatch).where(UsageBatch.id == batch_id).with_for_update()
    ).one_or_none()
    if batch is None:
        raise UnknownBatchError(f"no usage batch {batch_id}")
    if batch.processed_at is not None:
        session.rollback()
        return IngestOutcome(batch_id, batch.inserted or 0, batch.duplicates or 0)

    # Each row keeps its position: of two events with one id in a batch, the first counts.
    rows = [
        (str(event_id), int(licence_id), int(units), int(timestamp), clock.epoch_of(int(timestamp)), position)
        for position, (event_id, licence_id, units, timestamp) in enumerate(batch.events)
    ]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        inserted = _load_postgresql(connection, batch_id, rows)
    else:
        inserted = _load_sqlite(connection, batch_id, rows)

    batch.inserted = inserted
    batch.duplicates = len(rows) - inserted
    batch.processed_at = datetime.now(UTC)
    session.commit()
    return IngestOutcome(batch_id, batch.inserted, batch.duplicates)


_NEW_EVENTS = (
    "INSERT INTO usage_events (event_id, licence_id, units, occurred_at, epoch, batch_id) "
    "SELECT event_id, licence_id, units, occurred_at, epoch, {batch} FROM usage_staging WHERE true "
    "ORDER BY event_id, position ON CONFLICT (event_id) DO NOTHING RETURNING licence_id, epoch, units"
)
_ADD_TO_TOTALS = (
    "INSERT INTO usage_aggregates (licence_id, epoch, units) {rows} "
    "ON CONFLICT (licence_id, epoch) DO UPDATE SET units = usage_aggregates.units + excluded.units"
)


def _load_postgresql(connection: Connection, batch_id: int, rows: list[tuple[Any, ...]]) -> int:
    """COPY into a session-local staging table; then one statement inserts what is new and adds exactly
    those rows to the totals. Returns how many events were new."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS usage_staging (event_id text, licence_id bigint, units bigint, "
            "occurred_at bigint, epoch integer, position integer) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(  # type: ignore[attr-defined]
            "COPY usage_staging (event_id, licence_id, units, occurred_at, epoch, position) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        # Rows are locked in one global order (events by id, totals by key), so concurrent batches that
        # share events or totals wait for each other instead of deadlocking.
        totals = "SELECT licence_id, epoch, sum(units) FROM new GROUP BY licence_id, epoch ORDER BY 1, 2"
        cursor.execute(
            f"WITH new AS ({_NEW_EVENTS.format(batch='%s')}), "
            f"totals AS ({_ADD_TO_TOTALS.format(rows=totals)} RETURNING 1) "
            "SELECT count(*) FROM new",
            (batch_id,),
        )
        (inserted,) = cursor.fetchone() or (0,)
        return int(inserted)
    finally:
        cursor.close()


def _load_sqlite(connection: Connection, batch_id: int, rows: list[tuple[Any, ...]]) -> int:
    """SQLite has neither COPY nor inserts in WITH: a temporary staging table, the new rows returned,
    their totals added. (`WHERE true` resolves SQLite's ambiguity between a join and an upsert clause.)"""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS usage_staging (event_id TEXT, licence_id INTEGER, units INTEGER, "
            "occurred_at INTEGER, epoch INTEGER, position INTEGER)"
        )
        cursor.execute("DELETE FROM usage_staging")
        cursor.executemany("INSERT INTO usage_staging VALUES (?, ?, ?, ?, ?, ?)", rows)
        cursor.execute(_NEW_EVENTS.format(batch="?"), (batch_id,))
        new_rows = cursor.fetchall()
        totals: Counter[tuple[int, int]] = Counter()
        for licence_id, epoch, units in new_rows:
            totals[(licence_id, epoch)] += units
        cursor.executemany(
            _ADD_TO_TOTALS.format(rows="VALUES (?, ?, ?)"),
            [(licence, epoch, units) for (licence, epoch), units in sorted(totals.items())],
        )
        return len(new_rows)
    finally:
        cursor.close()


def units_by_licence(*, session: Session, epoch: int) -> dict[int, int]:
    """Total units of each licence in ``epoch``."""
    rows = session.execute(
        select(UsageAggregate.licence_id, UsageAggregate.units).where(UsageAggregate.epoch == epoch)
    )
    return {licence_id: units for licence_id, units in rows}
