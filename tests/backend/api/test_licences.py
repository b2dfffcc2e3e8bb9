"""``/v1/licences``: licences with validity, credit and quota, and the gateways' validity checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from backend.chain.client import ChainClient
from backend.devchain import DevChain
from backend.models.epochs import SettlementSetAside
from tests.backend.api.world import ClosedEpoch, World, meter, problem
from tests.backend.chain_actions import TYPE_MAX_TERMS, USDC, Platform

UINT256_MAX = 2**256 - 1


def test_listLicences_byHolder_validWithQuota(api: httpx.Client, client: ChainClient, world: World) -> None:
    response = api.get("/v1/licences", params={"holder": world.user.lower()})

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    (licence,) = page["data"]
    on_chain = client.licence(licence_id=world.student_licence)
    assert (licence["id"], licence["model_id"], licence["holder"]) == (
        world.student_licence,
        world.student,
        world.user,
    )
    assert (licence["valid"], licence["status"]) == (True, "valid")
    assert licence["expires_at"] == on_chain.expires_at.isoformat().replace("+00:00", "Z")
    assert licence["terms"]["price"] == str(50 * USDC)
    assert (licence["credit"], licence["included_calls"], licence["settled_calls"]) == ("0", "1000", "0")
    # No credit: only the included calls are left.
    assert (licence["unsettled_calls"], licence["unsettled_fee"], licence["calls_left"]) == ("0", "0", "1000")


def test_licenceEventsAtTheirTypesMaxima_indexedListedAndShownExactly_laterEventsToo(
    api: httpx.Client,
    platform: Platform,
    isolated_chain: DevChain,
    client: ChainClient,
    index: Callable[[], None],
) -> None:
    """Every amount and call count at its Solidity type's maximum, in logs at the licence manager's address
    (its bounds refuse such values, a log's ABI types do not): the indexer projects them, the API shows them
    as exact decimal strings, and the cursor goes on to the events after them."""
    model_id, licence_id, holder = 1_000, 1_000, isolated_chain.addresses[4]
    expires_at = client.w3.eth.get_block("latest")["timestamp"] + 86_400
    platform.emit_event("LicenseManager", "TermsPublished", model_id, 1, TYPE_MAX_TERMS)
    platform.emit_event(
        "LicenseManager", "LicensePurchased", licence_id, model_id, holder, 1, UINT256_MAX, expires_at
    )
    platform.emit_event("LicenseManager", "CreditDeposited", licence_id, holder, UINT256_MAX, 0)
    platform.emit_event(
        "LicenseManager", "UsageSettled", licence_id, 1, UINT256_MAX, UINT256_MAX, UINT256_MAX
    )
    platform.emit_event("LicenseManager", "UsageRefused", licence_id, 1, UINT256_MAX)
    platform.emit_event("LicenseManager", "MeteringLimitSet", licence_id, UINT256_MAX, 2)
    index()
    later = platform.register_model(isolated_chain.addresses[2])
    index()

    (listed,) = api.get("/v1/licences", params={"holder": holder}).json()["data"]
    assert listed == api.get(f"/v1/licences/{licence_id}").json()
    terms = listed["terms"]
    assert (terms["price"], terms["fee_per_call"], terms["included_calls"]) == (
        str(2**128 - 1),
        str(2**128 - 1),
        str(2**64 - 1),
    )
    assert (terms["duration"], terms["max_derivatives"], terms["contributors_bps"]) == (
        2**32 - 1,
        2**16 - 1,
        2**16 - 1,
    )
    assert (listed["included_calls"], listed["settled_calls"], listed["credit"]) == (
        str(2**64 - 1),
        str(UINT256_MAX),
        "0",  # the deposit less the fee
    )
    assert listed["metering_limits"] == [{"from_epoch": 2, "calls_per_epoch": str(UINT256_MAX)}]
    (epoch,) = api.get(f"/v1/licences/{licence_id}/usage").json()["data"]
    assert epoch["settlement"] == {
        "accepted_calls": str(UINT256_MAX),
        "refused_calls": str(UINT256_MAX),
        "fee": str(UINT256_MAX),
        "paid": str(UINT256_MAX),
    }
    assert later in [asset["id"] for asset in api.get("/v1/models").json()["data"]]


def test_listLicences_byModel_itsLicences(api: httpx.Client, world: World) -> None:
    page = api.get("/v1/licences", params={"model_id": world.teacher}).json()

    assert [(licence["id"], licence["holder"]) for licence in page["data"]] == [
        (world.teacher_licence, world.student_owner)
    ]


def test_getLicence_settledAndMeteredSince_creditAndCallsLeft(
    api: httpx.Client, closed_epoch: ClosedEpoch
) -> None:
    # Epoch 1 settled 1,500 calls (500 beyond the 1,000 included, at 1,000 units each); 200 more since.
    epoch_2 = closed_epoch.clock.end_of(1) + 10
    meter(
        closed_epoch.session_factory,
        closed_epoch.clock,
        licence=closed_epoch.licence,
        calls=200,
        at=epoch_2,
        event_id="call-2",
    )

    response = api.get(f"/v1/licences/{closed_epoch.licence}")

    assert response.status_code == 200
    licence = response.json()
    assert (licence["settled_calls"], licence["last_settled_epoch"], licence["credit"]) == (
        "1500",
        1,
        str(10 * USDC - 500_000),
    )
    assert (licence["unsettled_calls"], licence["unsettled_fee"]) == ("200", "200000")
    assert licence["calls_left"] == str((10 * USDC - 500_000 - 200_000) // 1_000)
    assert licence["valid"] is True


def test_getUsage_perEpochMeteredAndWhatSettlementTook(api: httpx.Client, closed_epoch: ClosedEpoch) -> None:
    meter(
        closed_epoch.session_factory,
        closed_epoch.clock,
        licence=closed_epoch.licence,
        calls=200,
        at=closed_epoch.clock.end_of(1) + 10,
        event_id="call-2",
    )

    page = api.get(f"/v1/licences/{closed_epoch.licence}/usage").json()

    assert page["count"] == 2
    assert page["data"] == [
        {
            "epoch": 2,
            "metered": [{"operator_key_id": None, "label": None, "units": "200"}],
            "settlement": None,
            "set_aside": None,
        },
        {
            "epoch": 1,
            "metered": [{"operator_key_id": None, "label": None, "units": "1500"}],
            # 500 calls beyond the 1,000 included at 1,000 units each, paid from the 10 USDC of credit.
            "settlement": {"accepted_calls": "1500", "refused_calls": "0", "fee": "500000", "paid": "500000"},
            "set_aside": None,
        },
    ]
    assert api.get("/v1/licences/999/usage").status_code == 404


def test_getUsage_settlementSetAside_reasonShownAndCounted(
    api: httpx.Client, closed_epoch: ClosedEpoch
) -> None:
    # As the epoch job records a licence whose settlement reverted alone (tests/backend/services/test_epochs.py).
    reason = f"reverted: LicenseManagerUnknownLicense(licenceId={closed_epoch.licence})"
    with closed_epoch.session_factory() as session:
        session.add(
            SettlementSetAside(
                epoch=2,
                licence_id=closed_epoch.licence,
                units=7,
                reason=reason,
                set_aside_at=datetime.now(UTC),
            )
        )
        session.commit()

    page = api.get(f"/v1/licences/{closed_epoch.licence}/usage").json()

    assert (page["count"], page["data"][0]["epoch"], page["data"][0]["settlement"]) == (2, 2, None)
    assert page["data"][0]["set_aside"] == {"units": "7", "reason": reason}
    assert "provenant_settlements_set_aside_total 1.0" in api.get("/metrics").text.splitlines()


def test_getValidity_knownLicence_validWithExpiry(
    api: httpx.Client, client: ChainClient, world: World
) -> None:
    response = api.get(f"/v1/licences/{world.student_licence}/validity")

    assert response.status_code == 200
    assert response.json() == {
        "licence_id": world.student_licence,
        "valid": True,
        "status": "valid",
        "model_id": world.student,
        "expires_at": int(client.licence(licence_id=world.student_licence).expires_at.timestamp()),
    }


@pytest.mark.parametrize("path", ["/v1/licences/999", "/v1/licences/999/validity"])
def test_getLicence_unknownId_404(api: httpx.Client, world: World, path: str) -> None:
    response = api.get(path)

    assert response.status_code == 404
    assert problem(response)["detail"] == "There is no licence with id 999."


def test_checkValidity_batch_answersInOrderUnknownIncluded(api: httpx.Client, world: World) -> None:
    ids = [world.student_licence, 999, world.teacher_licence, world.student_licence]

    response = api.post("/v1/licences/validity", json={"licence_ids": ids})

    assert response.status_code == 200
    answers = response.json()["data"]
    assert [(a["licence_id"], a["valid"], a["status"], a["model_id"]) for a in answers] == [
        (world.student_licence, True, "valid", world.student),
        (999, False, "unknown", None),
        (world.teacher_licence, True, "valid", world.teacher),
        (world.student_licence, True, "valid", world.student),
    ]


def test_checkValidity_thousandIds_answered(api: httpx.Client, world: World) -> None:
    response = api.post("/v1/licences/validity", json={"licence_ids": list(range(1, 1_001))})

    assert response.status_code == 200
    valid = {answer["licence_id"] for answer in response.json()["data"] if answer["valid"]}
    assert valid == {world.teacher_licence, world.student_licence}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/licences?holder=0x12", "query.holder"),
        ("/v1/licences?holder=0x" + "aB" * 20, "query.holder"),  # mixed case with a wrong checksum
        ("/v1/licences?model_id=0", "query.model_id"),
        ("/v1/licences/0", "path.licence_id"),
        ("/v1/licences/one/validity", "path.licence_id"),
        (f"/v1/licences/{2**63}/validity", "path.licence_id"),
    ],
)
def test_licences_malformedInput_422(api: httpx.Client, path: str, field: str) -> None:
    response = api.get(path)

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"licence_ids": []}, "body.licence_ids"),
        ({"licence_ids": list(range(1, 1_002))}, "body.licence_ids"),
        ({"licence_ids": [1, 0]}, "body.licence_ids.1"),
        ({"licence_ids": ["one"]}, "body.licence_ids.0"),
        ({}, "body.licence_ids"),
    ],
)
def test_checkValidity_malformedBody_422(api: httpx.Client, body: dict[str, object], field: str) -> None:
    response = api.post("/v1/licences/validity", json=body)

    assert response.status_code == 422
    assert [error["field"] for error in problem(response)["errors"]] == [field]
