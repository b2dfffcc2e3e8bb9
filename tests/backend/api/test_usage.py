"""Usage reporting over HTTP: screening against the licences read model, the batch stored and queued, its
status once a worker (here the ingestion service, called as the worker's task does) has processed it.

The licences are rows of the read model, written as the indexer writes them from LicensePurchased events
(the projection itself is tested against real transactions in tests/backend/services/test_projections.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from eth_account import Account
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backend.domain.epochs import EpochClock
from backend.models.assets import ModelOperator
from backend.models.licences import Licence, MeteringLimit
from backend.models.usage import UsageAggregate, UsageBatch
from backend.services.usage import ingest_batch

MODEL, OTHER_MODEL = 7, 8
NOW = int(time.time())


@pytest.fixture
def operator(
    api: httpx.Client, sign_in_owner: Callable[..., dict[str, str]], app_engine: Engine
) -> dict[str, str]:
    """An operator key for MODEL, and licences 1 (valid), 2 (expired), 3 (suspended), 4 (of OTHER_MODEL)."""
    key = api.post("/v1/operator-keys", json={"model_id": MODEL}, headers=sign_in_owner(api, MODEL)).json()[
        "key"
    ]
    with Session(app_engine) as session:
        for licence_id, model, expires, suspended in (
            (1, MODEL, NOW + 86_400, False),
            (2, MODEL, NOW - 10, False),
            (3, MODEL, NOW + 86_400, True),
            (4, OTHER_MODEL, NOW + 86_400, False),
        ):
            session.add(
                Licence(
                    id=licence_id,
                    model_id=model,
                    holder="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    terms_version=1,
                    expires_at=expires,
                    credit=0,
                    settled_calls=0,
                    last_settled_epoch=0,
                    suspended=suspended,
                )
            )
        session.commit()
    return {"X-API-Key": key}


def _event(event_id: str, licence_id: int = 1, *, units: int = 3, timestamp: int = NOW - 5) -> dict:
    return {"event_id": event_id, "licence_id": licence_id, "units": units, "timestamp": timestamp}


def test_reportUsage_mixedBatch_acceptsValidAndNamesEachRefusal(
    api: httpx.Client, operator, app_engine
) -> None:
    events = [
        _event("ok-1"),
        _event("ok-2", units=5),
        _event("expired", 2),
        _event("suspended", 3),
        _event("other-model", 4),
        _event("unknown", 99),
        _event("future", timestamp=NOW + 3_600),
    ]
    response = api.post("/v1/usage", json={"events": events}, headers=operator)

    assert response.status_code == 202
    receipt = response.json()
    assert receipt["accepted"] == 2
    reasons = {r["event_id"]: r["reason"] for r in receipt["rejected"]}
    assert set(reasons) == {"expired", "suspended", "other-model", "unknown", "future"}
    assert reasons["expired"].startswith("licence 2 expired at")
    assert reasons["suspended"] == "licence 3 is suspended until its unpaid usage fees are paid"
    assert reasons["other-model"] == "licence 4 is for model 8, not this key's model 7"
    assert reasons["unknown"] == "licence 99 is unknown (not sold, or not indexed yet)"
    assert "in the future" in reasons["future"]

    status = api.get(f"/v1/usage/batches/{receipt['batch_id']}", headers=operator).json()
    assert (status["processed_at"], status["accepted"], len(status["rejected"])) == (None, 2, 5)


def test_batchStatus_afterIngestion_reportsInsertedAndDuplicates(
    api: httpx.Client, operator, app_engine
) -> None:
    first = api.post("/v1/usage", json={"events": [_event("a"), _event("b")]}, headers=operator).json()
    second = api.post("/v1/usage", json={"events": [_event("b"), _event("c")]}, headers=operator).json()
    clock = EpochClock(genesis=1_767_225_600, length=3_600)  # the settings' defaults
    with Session(app_engine) as session:
        for batch in (first, second):
            ingest_batch(session=session, batch_id=batch["batch_id"], clock=clock)

    status = api.get(f"/v1/usage/batches/{second['batch_id']}", headers=operator).json()
    assert (status["inserted"], status["duplicates"]) == (1, 1)
    assert status["processed_at"] is not None


def test_reportUsage_beyondTheHoldersLimit_refusedPerEventCountingWhatIsMetered(
    api: httpx.Client, operator, app_engine
) -> None:
    clock = EpochClock(genesis=1_767_225_600, length=3_600)  # the settings' defaults
    epoch = clock.epoch_of(NOW - 5)
    with Session(app_engine) as session:
        session.get_one(Licence, 1).metering_limited = True
        session.add_all(
            [
                MeteringLimit(licence_id=1, from_epoch=1, calls_per_epoch=1_000),  # an older, looser limit
                MeteringLimit(licence_id=1, from_epoch=epoch, calls_per_epoch=10),
                UsageAggregate(licence_id=1, epoch=epoch, units=4),  # metered earlier in the epoch
            ]
        )
        session.commit()
    events = [_event("fits", units=6), _event("beyond", units=1), _event("huge", units=10**9)]

    receipt = api.post("/v1/usage", json={"events": events}, headers=operator).json()

    assert receipt["accepted"] == 1
    reasons = {r["event_id"]: r["reason"] for r in receipt["rejected"]}
    assert reasons == {
        "beyond": f"licence 1's holder limits it to 10 calls in epoch {epoch}, 10 of which are metered already",
        "huge": f"licence 1's holder limits it to 10 calls in epoch {epoch}, 10 of which are metered already",
    }


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([], "events"),
        ([_event("x", units=0)], "units"),
        ([_event("has space")], "event_id"),
        ([_event("x", licence_id=0)], "licence_id"),
        ([{"event_id": "x", "licence_id": 1, "units": 1}], "timestamp"),
        ([_event(str(i)) for i in range(1_001)], "events"),
    ],
)
def test_reportUsage_malformedBatch_422NamesTheEvent(
    api: httpx.Client, operator, app_engine, events, field
) -> None:
    response = api.post("/v1/usage", json={"events": events}, headers=operator)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(field in error["field"] for error in response.json()["errors"])
    with Session(app_engine) as session:
        assert session.query(UsageBatch).count() == 0


def test_reportUsage_withoutKey_401(api: httpx.Client) -> None:
    response = api.post("/v1/usage", json={"events": [_event("x")]})
    assert response.status_code == 401


def test_batchStatus_otherKeysBatch_404(api: httpx.Client, operator, sign_in, app_engine) -> None:
    batch = api.post("/v1/usage", json={"events": [_event("x")]}, headers=operator).json()["batch_id"]
    colleague = Account.create()  # another operator of the same model, with a key of its own
    with Session(app_engine) as session:
        session.add(ModelOperator(model_id=MODEL, operator=colleague.address))
        session.commit()
    other = api.post("/v1/operator-keys", json={"model_id": MODEL}, headers=sign_in(api, colleague)).json()[
        "key"
    ]

    response = api.get(f"/v1/usage/batches/{batch}", headers={"X-API-Key": other})
    assert response.status_code == 404
