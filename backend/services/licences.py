"""Licences as holders and gateways see them: validity, expiry, credit and quota, from the licences read
model and the metered usage not yet settled on chain.

Validity follows ``LicenseManager.isValid``: a licence is valid while ``now < expires_at`` and its credit is
not negative (settlement drives it below zero when the fees of metered calls exceed it). Gateways ask for it
on every call they serve, so ``LicenceValidityCache`` answers from memory: what it keeps from the database
(model, expiry, whether in credit) is at most ``ttl`` seconds old, and expiry is compared with the clock at
each answer, so a licence stops being valid at its expiry second, cached or not.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from backend.models.licences import Licence, TermsVersion
from backend.models.usage import UsageAggregate

ValidityStatus = Literal["valid", "expired", "suspended"]

VALIDITY_TTL = 2.0  # seconds a cached licence may lag behind the indexer
VALIDITY_CACHE_SIZE = 100_000


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
    *, included_calls: int, fee_per_call: int, credit: int, settled_calls: int, metered_calls: int
) -> Quota:
    """What is left of a licence once the metered calls are settled, as ``LicenseManager.settleUsage``
    would bill them: calls beyond ``included_calls`` cost ``fee_per_call`` each."""
    used = max(settled_calls, metered_calls)
    billable_before = max(0, settled_calls - included_calls)
    billable_after = max(0, used - included_calls)
    fee = (billable_after - billable_before) * fee_per_call
    calls_left = None
    if fee_per_call:
        calls_left = max(0, included_calls - used) + max(0, credit - fee) // fee_per_call
    return Quota(
        metered_calls=used, unsettled_calls=used - settled_calls, unsettled_fee=fee, calls_left=calls_left
    )


@dataclass(frozen=True)
class LicenceRecord:
    licence: Licence
    terms: TermsVersion | None  # the terms it was bought under
    quota: Quota | None  # None without terms (the indexer has not seen them)


def _records(session: Session, rows: Sequence[tuple[Licence, TermsVersion | None]]) -> list[LicenceRecord]:
    ids = [licence.id for licence, _ in rows]
    metered = dict(
        session.execute(
            select(UsageAggregate.licence_id, func.sum(UsageAggregate.units))
            .where(UsageAggregate.licence_id.in_(ids))
            .group_by(UsageAggregate.licence_id)
        ).all()
    )
    return [
        LicenceRecord(
            licence=licence,
            terms=terms,
            quota=quota(
                included_calls=terms.included_calls,
                fee_per_call=terms.fee_per_call,
                credit=licence.credit,
                settled_calls=licence.settled_calls,
                metered_calls=int(metered.get(licence.id, 0)),
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


class LicenceValidityCache:
    """Validity facts by licence id, each kept ``ttl`` seconds (unknown ids too: a gateway asking again and
    again about a bad id costs nothing). Bounded: emptied when it reaches ``max_entries``."""

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
        self._entries: dict[int, tuple[float, ValidityFacts | None]] = {}

    def cached(self, licence_id: int) -> tuple[bool, ValidityFacts | None]:
        """``(hit, facts)`` from memory alone; ``facts`` is None for an unknown licence."""
        entry = self._entries.get(licence_id)
        if entry is None or time.monotonic() - entry[0] >= self._ttl:
            return False, None
        return True, entry[1]

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
            loaded_at = time.monotonic()
            with self._session_factory() as session:
                rows = session.execute(
                    select(Licence.id, Licence.model_id, Licence.expires_at, Licence.credit).where(
                        Licence.id.in_(missing)
                    )
                )
                loaded = {
                    licence_id: ValidityFacts(model_id=model_id, expires_at=expires_at, in_credit=credit >= 0)
                    for licence_id, model_id, expires_at, credit in rows
                }
            if len(self._entries) + len(missing) > self._max_entries:
                self._entries.clear()
            for licence_id in missing:
                facts = loaded.get(licence_id)
                self._entries[licence_id] = (loaded_at, facts)
                found[licence_id] = facts
        return found
