"""The model user's journey in the browser: find a model, read its lineage and terms, buy a licence at the
price shown, see its quota follow the usage its gateway reports, top up its credit; and a purchase refused
because the terms changed after the page was loaded.

The journey buys the student (the operator key reports usage for the student's gateway); the price-change
test changes the teacher's price only, through its timelock, and reads every price from the API rather than
assuming the seeded one, since other browser tests in the same run may change terms too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
import uuid
from decimal import Decimal
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from backend.chain.client import ChainClient
from backend.devplatform import RunningPlatform
from backend.devworld import DemoWorld, Role
from tests.backend.chain_actions import MAX_TERMS, make_terms
from tests.e2e.conftest import TIMEOUT_MS, OpenApp, api_get, rpc, wait_until

USDC_DECIMALS = 6
INDEXING_TIMEOUT = 60.0  # seconds for the worker to index a transaction; a bound, not a measurement


def usdc(units: int) -> str:
    """An amount as the page writes it (formatAmount: en-US grouping, no trailing zeros)."""
    text = f"{Decimal(units) / 10**USDC_DECIMALS:,f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + " USDC"


def licence_ids(platform: RunningPlatform, holder: str, model_id: int) -> set[int]:
    page = api_get(platform, f"/v1/licences?holder={holder}&model_id={model_id}&limit=100")
    return {licence["id"] for licence in page["data"]}


def licence_card(page: Page, licence_id: int) -> Any:
    return page.get_by_test_id(f"licence-{licence_id}")


@pytest.fixture
def chain(platform: RunningPlatform) -> ChainClient:
    return ChainClient(rpc_url=platform.rpc_url, manifest_path=platform.manifest_path)


def send_as(platform: RunningPlatform, chain: ChainClient, sender: str, to: str, data: str) -> None:
    """Sends a transaction from ``sender`` (a development account or an impersonated one) and waits for it."""
    tx_hash = rpc(platform, "eth_sendTransaction", {"from": sender, "to": to, "data": data})
    receipt = chain.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=INDEXING_TIMEOUT)
    assert receipt["status"] == 1, receipt


def test_modelUser_findsTheStudentBuysALicenceAndSeesUsageInTheQuota(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    student, teacher = world.student_model_id, world.teacher_model_id
    user = world.account(Role.MODEL_USER).address
    terms = api_get(platform, f"/v1/models/{student}")["terms"]
    price, included, fee = int(terms["price"]), int(terms["included_calls"]), int(terms["fee_per_call"])
    owned_before = licence_ids(platform, user, student)
    app = open_app(Role.MODEL_USER, "models")
    app.connect()
    page = app.page

    # Find the student by its owner's address, as pasted from an explorer (lower case).
    page.get_by_role("searchbox", name="Search models").fill(world.account(Role.LICENSEE).address.lower())
    expect(page.get_by_test_id(f"model-row-{teacher}")).to_have_count(0)
    row = page.get_by_test_id(f"model-row-{student}")
    expect(row).to_contain_text(usdc(price))
    row.get_by_role("link", name=f"Model #{student}").click()

    # Its lineage: the teacher above it as a DISTILL parent, linking to the teacher's page.
    expect(page.get_by_role("heading", name=f"Model #{student}", exact=True)).to_be_visible()
    expect(page.get_by_test_id(f"lineage-edge-{teacher}-{student}")).to_contain_text("DISTILL")
    expect(page.get_by_test_id(f"lineage-node-{teacher}")).to_have_attribute("href", f"#/models/{teacher}")
    sentence = page.get_by_test_id("terms-sentence")
    expect(sentence).to_contain_text(f"{usdc(price)} for 30 days, {included:,} calls included")
    expect(sentence).to_contain_text("allows commercial use")
    expect(sentence).to_contain_text("requires attribution")
    expect(sentence).to_contain_text("one licence may derive one model")

    buy = page.get_by_test_id("buy-licence")
    buy.get_by_role("button", name=f"Buy for {usdc(price)}").click()
    expect(buy.get_by_role("status")).to_have_text(
        re.compile(r"^Buy the licence: confirmed\."), timeout=TIMEOUT_MS
    )
    expect(page.get_by_test_id("bought")).to_be_visible()
    (licence_id,) = wait_until(
        "the purchase to be indexed", lambda: (licence_ids(platform, user, student) - owned_before) or None
    )

    app.go("licences")
    card = licence_card(page, licence_id)
    expect(card.get_by_test_id("licence-status")).to_contain_text("Valid until")
    expect(card.get_by_test_id("included-calls-left")).to_have_text(f"{included:,} of {included:,}")

    # The student's gateway reports 25 calls; once the worker has metered them the quota shows fewer left.
    reported = requests.post(
        f"{platform.api_url}/v1/usage",
        headers={"X-API-Key": world.operator_key},
        json={
            "events": [
                {
                    "event_id": f"e2e-{uuid.uuid4()}",
                    "licence_id": licence_id,
                    "units": 25,
                    "timestamp": int(time.time()),
                }
            ]
        },
        timeout=30,
    )
    assert reported.status_code == 202, reported.text
    assert reported.json()["accepted"] == 1, reported.json()
    expect(card.get_by_test_id("included-calls-left")).to_have_text(
        f"{included - 25:,} of {included:,}", timeout=TIMEOUT_MS
    )
    expect(card.get_by_test_id("calls-used")).to_contain_text("25 (")
    # The usage statement names the gateway's key that reported them.
    expect(card.get_by_test_id("usage-statement")).to_contain_text(
        "25 by student gateway", timeout=TIMEOUT_MS
    )

    # Topping up 2 USDC of credit pays for 2 USDC / fee more calls beyond the included ones.
    card.get_by_role("textbox", name=f"Top-up amount for licence {licence_id}").fill("2")
    card.get_by_role("button", name="Top up").click()
    expect(card.get_by_role("status")).to_have_text(re.compile(r"^Top up: confirmed\."), timeout=TIMEOUT_MS)
    expect(card.get_by_test_id("credit")).to_have_text(re.compile(r"^2 USDC"), timeout=TIMEOUT_MS)
    expect(card.get_by_test_id("calls-left")).to_contain_text(
        f"{included - 25 + 2 * 10**USDC_DECIMALS // fee:,} (", timeout=TIMEOUT_MS
    )

    # The holder caps what a meter can charge per epoch; the cap shows once indexed.
    expect(card.get_by_test_id("metering-limit")).to_contain_text("No limit on the calls charged per epoch")
    card.get_by_role("textbox", name=f"Metering limit for licence {licence_id}").fill("1000")
    card.get_by_role("button", name="Set the limit").click()
    expect(card.locator("form.metering-limit").get_by_role("status")).to_have_text(
        re.compile(r"^Set the limit: confirmed\."), timeout=TIMEOUT_MS
    )
    expect(card.get_by_test_id("metering-limit")).to_contain_text(
        "At most 1,000 calls charged per epoch", timeout=TIMEOUT_MS
    )


def test_buyLicence_termsChangedSinceThePageLoaded_saysSoAndBuysNothing(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld, chain: ChainClient
) -> None:
    teacher = world.teacher_model_id
    buyer = world.account(Role.GUARDIAN).address  # holds no licence and plays no part in the other journeys
    licenses, token = chain.contract("LicenseManager"), chain.contract("MockUSDC")
    shown_version = chain.terms_version(model_id=teacher)  # other journeys may have changed them before
    shown = chain.terms(model_id=teacher, version=shown_version)
    send_as(platform, chain, buyer, token.address, token.encode_abi("faucet", args=[buyer, shown.price]))
    paid_before = token.functions.balanceOf(buyer).call()

    app = open_app(Role.GUARDIAN, "models", teacher)
    app.connect()
    page = app.page
    buy = page.get_by_test_id("buy-licence")
    button = buy.get_by_role("button", name=f"Buy for {usdc(shown.price)}")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)

    # Meanwhile the DAO's timelock (the only account that may change terms) raises the price.
    raised = dataclasses.replace(shown, price=shown.price + 50 * 10**USDC_DECIMALS)
    timelock = platform.manifest["contracts"]["TimelockController"]["address"]
    rpc(platform, "anvil_impersonateAccount", timelock)
    try:
        rpc(platform, "anvil_setBalance", timelock, hex(10**18))
        new_terms = [
            *dataclasses.astuple(raised)[:4],
            int(raised.permissions),
            raised.max_derivatives,
            raised.fee_per_call,
            raised.included_calls,
        ]
        send_as(
            platform,
            chain,
            timelock,
            licenses.address,
            licenses.encode_abi("setTerms", args=[teacher, new_terms]),
        )
    finally:
        rpc(platform, "anvil_stopImpersonatingAccount", timelock)

    button.click()
    expect(buy.get_by_role("status")).to_have_text(
        f"Buy the licence failed. The licence terms changed to version {shown_version + 1} since you loaded the "
        f"page (you were shown version {shown_version}); reload to see the new terms. No licence was bought and "
        "nothing was paid.",
        timeout=TIMEOUT_MS,
    )
    assert licenses.functions.balanceOf(buyer).call() == 0
    assert token.functions.balanceOf(buyer).call() == paid_before

    # Once the change is indexed, the page shows the new terms, which this buyer cannot afford.
    wait_until(
        "the new terms to be indexed",
        lambda: api_get(platform, f"/v1/models/{teacher}")["terms"]["price"] == str(raised.price) or None,
    )
    buy.get_by_role("button", name="Load the new terms").click()
    expect(page.get_by_test_id("price")).to_contain_text(usdc(raised.price))
    expect(buy).to_contain_text(f"You hold {usdc(paid_before)}; this licence costs {usdc(raised.price)}.")
    expect(buy.get_by_role("button", name=f"Buy for {usdc(raised.price)}")).to_be_disabled()


def _register(
    platform: RunningPlatform, chain: ChainClient, owner: str, cid: str, terms: tuple[int, ...]
) -> int:
    """Registers a model with ``terms`` and waits until the API lists it; returns its id."""
    registry = chain.contract("AssetRegistry")
    registration = (cid, hashlib.sha256(cid.encode()).digest(), [], [])
    send_as(
        platform, chain, owner, registry.address, registry.encode_abi("registerModel", [registration, terms])
    )
    (model,) = wait_until(
        f"{cid} to be indexed", lambda: api_get(platform, f"/v1/models?q={cid}")["data"] or None
    )
    return int(model["id"])


def test_modelPage_termsAtTheContractsBounds_showsEveryDigit(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld, chain: ChainClient
) -> None:
    """A registrant may choose the largest terms the licence manager takes (its bounds lie below the fields'
    types, whose maxima only a forged log holds: tests/backend/api/test_licences.py). The web app shows them
    digit for digit, where a JavaScript Number rounds from 2**53 on, and a model registered after them is
    indexed too."""
    owner = world.account(Role.TEACHER_OWNER).address
    largest = _register(platform, chain, owner, "QmBoundsLargest", MAX_TERMS)
    nines = make_terms(  # one unit below each large bound: every digit a Number would lose
        price=10**30 - 1,
        duration=3_650 * 86_400,
        contributors_bps=10_000,
        derivative_rev_share_bps=5_000,
        permissions=31,
        max_derivatives=1_000,
        fee_per_call=10**18 - 1,
        included_calls=10**18 - 1,
    )
    later = _register(platform, chain, owner, "QmBoundsNines", nines)
    app = open_app(Role.MODEL_USER, "models")
    page = app.page

    page.get_by_role("searchbox", name="Search models").fill("QmBounds")
    expect(page.get_by_test_id(f"model-row-{largest}")).to_contain_text(
        "1,000,000,000,000,000,000,000,000 USDC for 3650 days"
    )
    expect(page.get_by_test_id(f"model-row-{later}")).to_contain_text(
        "999,999,999,999,999,999,999,999.999999 USDC for 3650 days"
    )
    app.go("models", largest)
    expect(page.get_by_test_id("terms-sentence")).to_have_text(
        "1,000,000,000,000,000,000,000,000 USDC for 3650 days, 1,000,000,000,000,000,000 calls included, then "
        "1,000,000,000,000 USDC per call; allows commercial use, derived models (fine-tunes, merges…), "
        "distillation and training on its outputs; requires attribution; one licence may derive 1,000 models; "
        "models derived from it pay it 50 % of every payment; 100 % of its revenue goes to its data contributors."
    )
    app.go("models", later)
    expect(page.get_by_test_id("terms-sentence")).to_contain_text(
        "999,999,999,999,999,999,999,999.999999 USDC for 3650 days, 999,999,999,999,999,999 calls included, "
        "then 999,999,999,999.999999 USDC per call;"
    )
    expect(page.get_by_test_id("buy-licence")).to_contain_text(
        "Price: 999,999,999,999,999,999,999,999.999999 USDC for the terms above"
    )
