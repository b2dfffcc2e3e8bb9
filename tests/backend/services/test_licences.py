"""Licence validity and quota, as LicenseManager.isValid and settleUsage define them, and the validity cache
of the gateways' checks."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.models.licences import Licence
from backend.services.licences import LicenceValidityCache, Quota, ValidityFacts, quota, validity_status


@pytest.mark.parametrize(
    ("now", "in_credit", "status"),
    [
        (999.0, True, "valid"),
        (999.999, True, "valid"),
        (1_000.0, True, "expired"),  # valid strictly before expiry, as on chain
        (999.0, False, "suspended"),
        (1_000.0, False, "expired"),
    ],
)
def test_validityStatus_aroundExpiry(now: float, in_credit: bool, status: str) -> None:
    assert validity_status(expires_at=1_000, in_credit=in_credit, now=now) == status


@pytest.mark.parametrize(
    ("settled", "unsettled", "credit", "expected"),
    [
        (0, 0, 0, Quota(metered_calls=0, unsettled_calls=0, unsettled_fee=0, calls_left=100)),
        (0, 40, 0, Quota(metered_calls=40, unsettled_calls=40, unsettled_fee=0, calls_left=60)),
        # 30 beyond the 100 included cost 300 of the credit; 700 left pays 70 more.
        (0, 130, 1_000, Quota(metered_calls=130, unsettled_calls=130, unsettled_fee=300, calls_left=70)),
        # Already billed beyond the included calls at settlement: only the new calls cost.
        (120, 10, 800, Quota(metered_calls=130, unsettled_calls=10, unsettled_fee=100, calls_left=70)),
        # Owed more than the credit: nothing left.
        (0, 300, 1_000, Quota(metered_calls=300, unsettled_calls=300, unsettled_fee=2_000, calls_left=0)),
        # Part of the included calls settled, the rest of them and more metered since.
        (60, 90, 500, Quota(metered_calls=150, unsettled_calls=90, unsettled_fee=500, calls_left=0)),
    ],
)
def test_quota_includedThenPaidCalls(settled: int, unsettled: int, credit: int, expected: Quota) -> None:
    assert (
        quota(
            included_calls=100,
            fee_per_call=10,
            credit=credit,
            settled_calls=settled,
            unsettled_calls=unsettled,
        )
        == expected
    )


def test_quota_freeExtraCalls_noLimit() -> None:
    left = quota(
        included_calls=100, fee_per_call=0, credit=0, settled_calls=0, unsettled_calls=500
    ).calls_left

    assert left is None


def _licence(licence_id: int, credit: int) -> Licence:
    return Licence(
        id=licence_id,
        model_id=1,
        holder="0x" + "11" * 20,
        terms_version=1,
        expires_at=2_000_000_000,
        derivations=0,
        credit=credit,
        settled_calls=0,
        last_settled_epoch=0,
        suspended=credit < 0,
    )


def test_validityCache_refresh_reloadsAskedIdsAndDropsOthers(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        session.add_all([_licence(1, 0), _licence(2, 0)])
        session.commit()
    cache = LicenceValidityCache(session_factory=session_factory, ttl=3_600)  # no entry ages in this test
    assert cache.facts([1, 2, 99]) == {
        1: ValidityFacts(model_id=1, expires_at=2_000_000_000, in_credit=True),
        2: ValidityFacts(model_id=1, expires_at=2_000_000_000, in_credit=True),
        99: None,
    }
    with session_factory() as session:
        session.get_one(Licence, 1).credit = -5  # settlement put it in debt
        session.commit()
    assert cache.cached(1)[1].in_credit is True  # type: ignore[union-attr]  # until the next refresh

    cache.refresh()

    assert cache.cached(1) == (True, ValidityFacts(model_id=1, expires_at=2_000_000_000, in_credit=False))
    cache.refresh()  # only licence 1 was asked about since the last refresh
    assert cache.cached(2) == (False, None)
    assert cache.cached(1)[0] is True
