"""Licences as holders and gateways see them: validity, expiry, credit and quota, from the licences read
model and the metered usage not yet settled on chain.

Validity follows ``LicenseManager.isValid``: a licence is valid while ``now < expires_at`` and its credit is
not negative (settlement drives it below zero when the fees of metered calls exceed it). Gateways ask for it
on every call they serve, so ``LicenceValidityCache`` answers from memory what it keeps from the database
(model, expiry, whether in credit), refreshed every ``ttl`` seconds; expiry is compared with the clock at each
answer, so a licence stops being valid at its expiry second, cached or not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.models.epochs import SettlementSetAside
from backend.models.licences import Licence, LicenceSettlement, MeteringLimit, TermsVersion
from backend.models.operator_key import OperatorKey
from backend.models.usage import UsageAggregate, UsageBatch, UsageEvent

ValidityStatus = Literal["valid", "expired", "suspended"]

VALIDITY_TTL = 2.0  # seconds between refreshes of the cached licences
VALIDITY_CACHE_SIZE = 100_000
_QUERY_CHUNK = 1_000  # ids per query


def validity_status(*, expires_at: int, in_credit: bool, now: float) -> ValidityStatus:
    if now >= expires_at:
        return "expired"
    return "valid" if in_credit else "suspended"


@dataclass(frozen=True, slots=True)
class Quota:
    metered_calls: int  # settled on chain plus metered since
    unsettled_calls: int  # metered, not yet settled on chain
    unsettled_fee: int  # what settling them will take from the credit
    calls_left: int | None  # included calls left plus those the credit pays for; None: extra calls are free


def quota(
    *, included_calls: int, fee_per_call: int, credit: int, settled_calls: int, unsettled_calls: int
) -> Quota:
    """What is left of a licence once the calls metered since its last settled epoch are settled, as
    ``LicenseManager.settleUsage`` would bill them: calls beyond ``included_calls`` cost ``fee_per_call``
    each (settlement may refuse some, under the holder's limit: then this overstates the fee)."""
    used = settled_calls + unsettled_calls
    billable_before = max(0, settled_calls - included_calls)
    billable_after = max(0, used - included_calls)
    fee = (billable_after - billable_before) * fee_per_call
    calls_left = None
    if fee_per_call:
        calls_left = max(0, included_calls - used) + max(0, credit - fee) // fee_per_call
    return Quota(
        metered_calls=used, unsettled_calls=unsettled_calls, unsettled_fee=fee, calls_left=calls_left
    )


@dataclass(frozen=True)
class LicenceRecord:
    licence: Licence
    terms: TermsVersion | None  # the terms it was bought under
    quota: Quota | None  # None without terms (the indexer has not seen them)
    metering_limits: list[tuple[int, int]]  # the holder's (from epoch, calls per epoch), oldest first


def _records(session: Session, rows: Sequence[tuple[Licence, TermsVersion | None]]) -> list[LicenceRecord]:
    ids = [licence.id for licence, _ in rows]
    unsettled = dict(
        session.execute(
            select(UsageAggregate.licence_id, func.sum(UsageAggregate.units))
            .join(Licence, Licence.id == UsageAggregate.licence_id)
            .where(UsageAggregate.licence_id.in_(ids), UsageAggregate.epoch > Licence.last_settled_epoch)
            .group_by(UsageAggregate.licence_id)
        ).all()
    )
    limits: dict[int, list[tuple[int, int]]] = {}
    limited = [licence.id for licence, _ in rows if licence.metering_limited]
    if limited:
        for row in session.execute(
            select(MeteringLimit.licence_id, MeteringLimit.from_epoch, MeteringLimit.calls_per_epoch)
            .where(MeteringLimit.licence_id.in_(limited))
            .order_by(MeteringLimit.from_epoch)
        ):
            limits.setdefault(row.licence_id, []).append((row.from_epoch, row.calls_per_epoch))
    return [
        LicenceRecord(
            licence=licence,
            metering_limits=limits.get(licence.id, []),
            terms=terms,
            quota=quota(
                included_calls=terms.included_calls,
                fee_per_call=terms.fee_per_call,
                credit=licence.credit,
                settled_calls=licence.settled_calls,
                unsettled_calls=int(unsettled.get(licence.id, 0)),
            )
            if terms is not None
            else None,
        )
        for licence, terms in rows
    ]


def _with_terms() -> Select[Licence, TermsVersion]:
    return select(Licence, TermsVersion).outerjoin(
        TermsVersion,
        (TermsVersion.model_id == Licence.model_id) & (TermsVersion.version == Licence.terms_version),
    )


def list_licences(
    *, session: Session, holder: str | None, model_id: int | None, offset: int, limit: int
) -> tuple[list[LicenceRecord], int]:
    """A page of licences (by id), of ``holder`` and for ``model_id`` when given, and how many match."""
    conditions = []
    if holder is not None:
        conditions.append(Licence.holder == holder)
    if model_id is not None:
        conditions.append(Licence.model_id == model_id)
    total = session.scalar(select(func.count()).select_from(Licence).where(*conditions)) or 0
    rows = session.execute(_with_terms().where(*conditions).order_by(Licence.id).offset(offset).limit(limit))
    return _records(session, [(licence, terms) for licence, terms in rows]), total


def get_licence(*, session: Session, licence_id: int) -> LicenceRecord | None:
    row = session.execute(_with_terms().where(Licence.id == licence_id)).first()
    if row is None:
        return None
    (record,) = _records(session, [(row[0], row[1])])
    return record


@dataclass(frozen=True, slots=True)
class ValidityFacts:
    """What validity depends on, as the licences read model holds it."""

    model_id: int
    expires_at: int  # unix seconds
    in_credit: bool


@dataclass(slots=True)
class _Entry:
    loaded_at: float  # time.monotonic()
    facts: ValidityFacts | None  # None: no such licence
    asked: bool  # since the last refresh


class LicenceValidityCache:
    """Validity facts of the licences gateways ask about, in memory.

    Once per ``ttl`` seconds, ``refresh`` reloads in one query the ids asked about since the previous
    refresh and forgets the others; callers run it in the background, so the licences a gateway keeps
    asking about are answered from memory, about ``ttl`` seconds fresh. An id seen for the first time, or
    whose entry is ``2 * ttl`` old (refreshes lagging), is loaded before it is answered. Unknown ids are
    kept too: asking about a bad id again and again costs nothing. Bounded: when ``max_entries`` ids were
    asked about within one ``ttl``, it starts again from empty.
    """

    def __init__(
        self,
        *,
        session_factory: Callable[[], Session],
        ttl: float = VALIDITY_TTL,
        max_entries: int = VALIDITY_CACHE_SIZE,
    ) -> None:
        self._session_factory = session_factory
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: dict[int, _Entry] = {}
        self._refreshed_at = time.monotonic()
        self._refreshing = False

    def cached(self, licence_id: int) -> tuple[bool, ValidityFacts | None]:
        """``(hit, facts)`` from memory alone; ``facts`` is None for an unknown licence."""
        entry = self._entries.get(licence_id)
        if entry is None or time.monotonic() - entry.loaded_at >= 2 * self._ttl:
            return False, None
        entry.asked = True
        return True, entry.facts

    def facts(self, licence_ids: Iterable[int]) -> dict[int, ValidityFacts | None]:
        """The facts of each licence (None: unknown), from memory or else in one query."""
        found: dict[int, ValidityFacts | None] = {}
        missing = []
        for licence_id in licence_ids:
            hit, facts = self.cached(licence_id)
            if hit:
                found[licence_id] = facts
            else:
                missing.append(licence_id)
        if missing:
            loaded = self._load(missing)
            if len(self._entries) + len(loaded) > self._max_entries:
                self._entries.clear()
            self._entries.update(loaded)
            found.update((licence_id, entry.facts) for licence_id, entry in loaded.items())
        return found

    def refresh_due(self) -> bool:
        """True at most once per ``ttl``, and then the caller must run ``refresh``."""
        if self._refreshing or time.monotonic() - self._refreshed_at < self._ttl:
            return False
        self._refreshing = True
        return True

    def refresh(self) -> None:
        """Reloads the entries asked about since the last refresh and drops the others."""
        try:
            asked = [licence_id for licence_id, entry in list(self._entries.items()) if entry.asked]
            # Entries added meanwhile by facts() are lost with the old dict; they are loaded again if asked.
            self._entries = self._load(asked, asked=False)
        finally:
            self._refreshed_at = time.monotonic()
            self._refreshing = False

    def _load(self, licence_ids: Sequence[int], *, asked: bool = True) -> dict[int, _Entry]:
        loaded_at = time.monotonic()
        entries = {licence_id: _Entry(loaded_at, None, asked) for licence_id in licence_ids}
        with self._session_factory() as session:
            for start in range(0, len(licence_ids), _QUERY_CHUNK):
                rows = session.execute(
                    select(Licence.id, Licence.model_id, Licence.expires_at, Licence.credit).where(
                        Licence.id.in_(licence_ids[start : start + _QUERY_CHUNK])
                    )
                )
                for licence_id, model_id, expires_at, credit in rows:
                    entries[licence_id].facts = ValidityFacts(
                        model_id=model_id, expires_at=expires_at, in_credit=credit >= 0
                    )
        return entries


@dataclass(frozen=True, slots=True)
class EpochUsage:
    """A licence's usage in one epoch: what each operator key metered, and what settlement did with it."""

    epoch: int
    metered: list[tuple[int | None, str | None, int]]  # (operator key id, its label, units)
    settlement: LicenceSettlement | None  # None until the epoch is settled
    set_aside: SettlementSetAside | None  # the epoch close could not settle it, and why


def usage_statement(
    *, session: Session, licence_id: int, offset: int, limit: int
) -> tuple[list[EpochUsage], int]:
    """A page of a licence's epochs with usage metered or settled, newest first, and how many there are."""
    metered: dict[int, list[tuple[int | None, str | None, int]]] = {}
    for epoch, key_id, label, units in session.execute(
        select(UsageEvent.epoch, UsageBatch.operator_key_id, OperatorKey.label, func.sum(UsageEvent.units))
        .join(UsageBatch, UsageBatch.id == UsageEvent.batch_id)
        .outerjoin(OperatorKey, OperatorKey.id == UsageBatch.operator_key_id)
        .where(UsageEvent.licence_id == licence_id)
        .group_by(UsageEvent.epoch, UsageBatch.operator_key_id, OperatorKey.label)
        .order_by(UsageBatch.operator_key_id)
    ):
        metered.setdefault(epoch, []).append((key_id, label, int(units)))
    settled = {
        row.epoch: row
        for row in session.scalars(
            select(LicenceSettlement).where(LicenceSettlement.licence_id == licence_id)
        )
    }
    set_aside = {
        row.epoch: row
        for row in session.scalars(
            select(SettlementSetAside).where(SettlementSetAside.licence_id == licence_id)
        )
    }
    epochs = sorted(metered.keys() | settled.keys() | set_aside.keys(), reverse=True)
    return [
        EpochUsage(
            epoch=epoch,
            metered=metered.get(epoch, []),
            settlement=settled.get(epoch),
            set_aside=set_aside.get(epoch),
        )
        for epoch in epochs[offset : offset + limit]
    ], len(epochs)
