"""The data contributor's journey in the browser: sign in with Ethereum, upload a file, see it accepted with its
CID, an epoch closes, make its rewards claimable and claim them; the teacher's contributors earn from the
student's sales; an empty upload is refused with a clear message.

Epochs end by the wall clock, but one closes only once a block 2 deep is past its end (block time), and a
reward root waits out the distributor's delay in block time. So the tests wait for epochs to close by
themselves and time-travel the chain only past a root's delay, once the epoch it pays for has closed. The
bad-input tests come first: they need no epoch to close.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from eth_utils import keccak
from playwright.sync_api import FilePayload, Locator, Page, expect

from backend.chain.client import ChainClient
from backend.cli.wallet import Wallet
from backend.devplatform import RunningPlatform
from backend.devworld import DemoWorld, Role
from tests.e2e.conftest import AppPage, OpenApp, api_get, rpc, wait_until

# Bounds on a broken run, never measurements: an epoch is 30 s, plus the confirmation depth, the beat's
# interval and any clock skew earlier time travel left between the chain and the wall clock.
EPOCH_WAIT_S = 240
EPOCH_WAIT_MS = EPOCH_WAIT_S * 1_000
BACKGROUND_WAIT_MS = 60_000
TX_WAIT_MS = 30_000  # a transaction mined (a block a second) and the page told  # the worker reviews an upload in the background
# A buyer of the student's licence that no other test file uses: its key derives from this name.
BUYER_KEY = "0x" + keccak(text="provenant e2e: student licence buyer for the contributor tests").hex()


def _rewards(platform: RunningPlatform, account: str, token: str) -> dict[str, Any]:
    """The account's rewards: latest tree, status, and this token's entry (zeros when it has none)."""
    rewards = api_get(platform, f"/v1/rewards/{account}")
    entry = next(
        (t for t in rewards["tokens"] if t["token"].lower() == token.lower()),
        {"cumulative_amount": "0", "claimed": "0", "claimable": "0", "claim": None},
    )
    return {**rewards, "token": entry}


def _total_above(
    platform: RunningPlatform, account: str, token: str, before: dict[str, Any]
) -> Callable[[], int | None]:
    """A probe for the latest rewards tree granting ``account`` more of ``token`` than ``before`` did."""

    def probe() -> int | None:
        total = int(_rewards(platform, account, token)["token"]["cumulative_amount"])
        return total if total > int(before["cumulative_amount"]) else None

    return probe


def _usdc_text(amount: int) -> str:
    """A 6-decimal amount as the page writes it (en-US grouping, no trailing zeros)."""
    return f"{Decimal(amount) / 10**6:,f}".rstrip("0").rstrip(".") + " USDC"


def _sign_in(app: AppPage) -> None:
    app.connect()
    app.page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(app.page.get_by_test_id("signed-in-as")).to_have_text(app.wallet.address)


def _upload(page: Page, dataset_id: int, name: str, mime_type: str, content: bytes) -> None:
    page.get_by_label("Dataset").select_option(str(dataset_id))
    page.get_by_test_id("contribution-file").set_input_files(
        files=FilePayload(name=name, mimeType=mime_type, buffer=content)
    )
    page.get_by_role("button", name="Upload").click()


def _make_claimable(platform: RunningPlatform, app: AppPage) -> None:
    """Lets the pending root's delay pass on chain (time travel), then accepts it from the page."""
    notice = app.page.get_by_test_id("latest-root")
    expect(notice).to_contain_text("become claimable at", timeout=EPOCH_WAIT_MS)
    rewards = api_get(platform, f"/v1/rewards/{app.wallet.address}")
    acceptable_at = rewards["history"][-1]["acceptable_at"]
    now = int(rpc(platform, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    rpc(platform, "evm_increaseTime", max(acceptable_at - now + 1, 0))
    rpc(platform, "anvil_mine", "0x1")
    notice.get_by_role("button", name="Make claimable").click()
    expect(notice.get_by_role("status")).to_have_attribute("data-tx-status", "confirmed", timeout=TX_WAIT_MS)


def _token_row(page: Page, symbol: str) -> Locator:
    return page.get_by_test_id(f"reward-{symbol}")


def test_emptyUpload_refusedWithAClearMessageAndNothingListed(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    account = world.account(Role.CONTRIBUTOR).address
    listed_before = api_get(platform, f"/v1/contributions?contributor={account}")
    app = open_app(Role.CONTRIBUTOR, "contribute")
    page = app.page
    _sign_in(app)
    expect(page.get_by_test_id("contributions")).to_be_visible()

    _upload(page, world.dataset_ids[0], "empty.csv", "text/csv", b"")

    expect(page.get_by_test_id("upload-error")).to_have_text("The file is not accepted: empty.csv is empty.")
    expect(page.get_by_test_id("upload-done")).to_have_count(0)
    expect(page.get_by_test_id("contributions")).not_to_contain_text("empty.csv")
    assert api_get(platform, f"/v1/contributions?contributor={account}") == listed_before


def test_unsupportedUpload_showsTheApisReason(open_app: OpenApp, world: DemoWorld) -> None:
    app = open_app(Role.CONTRIBUTOR, "contribute")
    _sign_in(app)

    _upload(app.page, world.dataset_ids[0], "notes.pdf", "application/pdf", b"%PDF-1.7 not a dataset file\n")

    expect(app.page.get_by_test_id("upload-error")).to_contain_text(
        "The file is not accepted: unsupported media type 'application/pdf'"
    )
    expect(app.page.get_by_test_id("contributions")).not_to_contain_text("notes.pdf")


def test_invalidCsv_rejectedAtReviewWithItsReason(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    account = world.account(Role.CONTRIBUTOR).address
    app = open_app(Role.CONTRIBUTOR, "contribute")
    _sign_in(app)
    name = f"header-only-{uuid.uuid4().hex[:8]}.csv"

    _upload(app.page, world.dataset_ids[0], name, "text/csv", b"question,answer\n")

    expect(app.page.get_by_test_id("upload-done")).to_contain_text(name)
    (contribution,) = [
        c for c in api_get(platform, f"/v1/contributions?contributor={account}") if c["filename"] == name
    ]
    status = app.page.get_by_test_id(f"contribution-{contribution['id']}").get_by_test_id("status")
    expect(status).to_have_text(
        "Rejected: a CSV contribution needs a header and at least one row", timeout=BACKGROUND_WAIT_MS
    )


def test_contributor_uploadsSeesItAcceptedThenClaimsTheEpochsReward(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    prov = platform.manifest["contracts"]["ProvenanceToken"]["address"]
    account = world.account(Role.CONTRIBUTOR).address
    before = _rewards(platform, account, prov)["token"]
    app = open_app(Role.CONTRIBUTOR, "contribute")
    page = app.page
    _sign_in(app)
    name = f"qa-epochs-{uuid.uuid4().hex[:8]}.csv"
    content = f"question,answer\nWhat is an epoch?,A period after which rewards are shared ({name}).\n"

    _upload(page, world.dataset_ids[0], name, "text/csv", content.encode())

    expect(page.get_by_test_id("upload-done")).to_contain_text(name)
    (contribution,) = [
        c for c in api_get(platform, f"/v1/contributions?contributor={account}") if c["filename"] == name
    ]
    row = page.get_by_test_id(f"contribution-{contribution['id']}")
    expect(row.get_by_test_id("status")).to_have_attribute(
        "data-status", "accepted", timeout=BACKGROUND_WAIT_MS
    )
    expect(row.get_by_test_id("status")).to_have_text("Accepted: 1 new record")
    expect(row.get_by_test_id("cid")).to_have_text(contribution["cid"])
    expect(row.get_by_test_id("cid-v1")).to_have_text(contribution["cid_v1"])
    assert contribution["cid"].startswith("Qm") and contribution["cid_v1"].startswith("b")

    # The epoch holding the review closes by itself: its PROV goes to the weight accepted in it.
    wait_until(
        "an epoch close rewarding the upload with PROV",
        _total_above(platform, account, prov, before),
        timeout_s=EPOCH_WAIT_S,
    )
    app.go("rewards")
    expect(page.get_by_test_id("chart-PROV").get_by_test_id("epoch-bar").first).to_be_attached()
    _make_claimable(platform, app)
    prov_row = _token_row(page, "PROV")
    expect(prov_row.get_by_role("button", name="Claim")).to_be_enabled(timeout=BACKGROUND_WAIT_MS)
    claim = _rewards(platform, account, prov)["token"]
    assert int(claim["claimable"]) > 0
    client = ChainClient(rpc_url=platform.rpc_url, manifest_path=platform.manifest_path)
    balance_before = client.contract("ProvenanceToken").functions.balanceOf(account).call()
    balance_text = prov_row.get_by_test_id("balance").inner_text()

    prov_row.get_by_role("button", name="Claim").click()

    expect(prov_row.get_by_role("status")).to_have_attribute(
        "data-tx-status", "confirmed", timeout=TX_WAIT_MS
    )
    expect(prov_row.get_by_test_id("claimable")).to_have_text("0 PROV")
    expect(prov_row.get_by_test_id("balance")).not_to_have_text(balance_text)
    balance_after = client.contract("ProvenanceToken").functions.balanceOf(account).call()
    assert balance_after - balance_before == int(claim["claimable"])


def test_studentSale_paysTheTeachersDatasetContributors(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    client = ChainClient(rpc_url=platform.rpc_url, manifest_path=platform.manifest_path)
    usdc = client.manifest.payment_token
    contributor = world.account(Role.SECOND_CONTRIBUTOR).address  # contributed to both teacher datasets
    before = _rewards(platform, contributor, usdc)["token"]
    buyer = Wallet(client=client, private_key=BUYER_KEY)
    rpc(platform, "anvil_setBalance", buyer.address, hex(10**19))
    version = client.terms_version(model_id=world.student_model_id)
    price = client.terms(model_id=world.student_model_id, version=version).price
    licenses = client.contract("LicenseManager")
    buyer.send(client.contract("MockUSDC").functions.faucet(buyer.address, price))
    buyer.send(client.contract("MockUSDC").functions.approve(licenses.address, price))

    buyer.send(licenses.functions.purchase(world.student_model_id, buyer.address, price, version))

    # The teacher's share of the sale feeds its datasets' pools; the next epoch close shares them out.
    total = wait_until(
        "an epoch close sharing the student's sale with the teacher's contributors",
        _total_above(platform, contributor, usdc, before),
        timeout_s=EPOCH_WAIT_S,
    )
    app = open_app(Role.SECOND_CONTRIBUTOR, "rewards")
    app.connect()
    _make_claimable(platform, app)

    def claimable_with_the_sale() -> int | None:
        entry = _rewards(platform, contributor, usdc)["token"]
        granted = int(entry["claimed"]) + int(entry["claimable"])  # by the accepted root
        return int(entry["claimable"]) if granted >= total else None

    claimable = wait_until(
        "the accepted root granting the sale's share", claimable_with_the_sale, timeout_s=EPOCH_WAIT_S
    )
    assert claimable > int(before["claimable"])
    usdc_row = _token_row(app.page, "USDC")
    expect(usdc_row.get_by_test_id("claimable")).to_have_text(_usdc_text(claimable))
    expect(usdc_row.get_by_role("button", name="Claim")).to_be_enabled()

    # USDC and PROV (the seed files' epoch-1 emission) in one claimMany transaction.
    prov = platform.manifest["contracts"]["ProvenanceToken"]["address"]
    both = {token: _rewards(platform, contributor, token)["token"] for token in (usdc, prov)}
    assert all(int(entry["claimable"]) > 0 for entry in both.values())
    claim_all = app.page.get_by_test_id("claim-all")

    claim_all.get_by_role("button", name="Claim all in one transaction").click()

    expect(claim_all.get_by_role("status")).to_have_attribute(
        "data-tx-status", "confirmed", timeout=TX_WAIT_MS
    )
    expect(usdc_row.get_by_test_id("claimable")).to_have_text("0 USDC")
    expect(_token_row(app.page, "PROV").get_by_test_id("claimable")).to_have_text("0 PROV")
    distributor = ChainClient(rpc_url=platform.rpc_url, manifest_path=platform.manifest_path).contract(
        "RewardDistributor"
    )
    for token, entry in both.items():
        assert distributor.functions.claimed(contributor, token).call() == int(
            entry["claim"]["cumulative_amount"]
        )
