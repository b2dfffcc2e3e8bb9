"""The DAO member's journey in the browser: delegate, propose a licence-terms change for the teacher model in
the form, vote For with a reason, wait out the vote, queue, pass the timelock delay, execute; the new terms
apply to new sales while the licence bought before keeps its own.

The teacher's terms change (its price and duration) but keep DISTILLATION, so the other journeys, which buy
licences on the student, are not affected.
"""

from __future__ import annotations

from decimal import Decimal

from eth_abi.abi import decode
from playwright.sync_api import Locator, expect

from backend.devplatform import RunningPlatform
from backend.devworld import DemoWorld, Role
from tests.e2e.conftest import TIMEOUT_MS, OpenApp, api_get, rpc, wait_until

# Blocks mined to end the vote: the voting period (20 in the dev config) plus any late-quorum extension (10).
BLOCKS_TO_END_VOTE = 40
DECIMALS_SELECTOR = "0x313ce567"  # decimals()
SYMBOL_SELECTOR = "0x95d89b41"  # symbol()
MIN_DELAY_SELECTOR = "0xf27a0c92"  # TimelockController.getMinDelay()


def _call_uint(platform: RunningPlatform, address: str, selector: str) -> int:
    return int(rpc(platform, "eth_call", {"to": address, "data": selector}, "latest"), 16)


def _symbol(platform: RunningPlatform, address: str) -> str:
    (symbol,) = decode(
        ["string"],
        bytes.fromhex(rpc(platform, "eth_call", {"to": address, "data": SYMBOL_SELECTOR}, "latest")[2:]),
    )
    return str(symbol)


def _units(value: int | str, decimals: int) -> str:
    """An amount in token units as the page writes it (viem's formatUnits): 100.5, not 100.500000."""
    text = f"{Decimal(value).scaleb(-decimals):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shown(value: int | str, decimals: int) -> str:
    """An amount as the page shows it (format.ts formatAmount): with thousands separators."""
    return f"{Decimal(_units(value, decimals)):,f}"


def _tx_confirmed(scope: Locator, label: str) -> None:
    expect(scope.get_by_role("status").filter(has_text=label)).to_have_attribute(
        "data-tx-status", "confirmed", timeout=TIMEOUT_MS
    )


def test_daoMember_delegatesProposesTermsChangeVotesQueuesExecutes_newTermsForNewSalesOnly(
    open_app: OpenApp, platform: RunningPlatform, world: DemoWorld
) -> None:
    teacher_id = world.teacher_model_id
    old_terms = api_get(platform, f"/v1/models/{teacher_id}")["terms"]
    decimals = _call_uint(platform, platform.manifest["paymentToken"], DECIMALS_SELECTOR)
    new_price = int(old_terms["price"]) + 25 * 10**decimals
    new_price_shown = (
        f"{_shown(new_price, decimals)} {_symbol(platform, platform.manifest['paymentToken'])} for 60 days"
    )
    title = f"Teacher {teacher_id}: {_units(new_price, decimals)} for 60 days"

    app = open_app(Role.DAO_MEMBER, "dao")
    app.connect()
    page = app.page

    power = page.get_by_test_id("voting-power")
    expect(power.get_by_test_id("delegate-prompt")).to_contain_text("undelegated tokens do not vote")
    power.get_by_role("button", name="Delegate to myself").click()
    _tx_confirmed(power, "Delegate to yourself")
    expect(power.get_by_test_id("delegatee")).to_have_text("yourself", timeout=TIMEOUT_MS)
    expect(power.get_by_test_id("delegate-prompt")).to_have_count(0)

    form = page.get_by_test_id("terms-proposal")
    form.get_by_role("combobox", name="Model", exact=True).select_option(str(teacher_id))
    expect(form.get_by_label("Price")).to_have_value(_units(old_terms["price"], decimals))
    expect(form.get_by_role("checkbox", name="Distillation")).to_be_checked()
    form.get_by_label("Price").fill(_units(new_price, decimals))
    form.get_by_label("Duration in days").fill("60")
    form.get_by_label("Description").fill(
        f"{title}\nA higher price for a longer licence; distillation stays allowed."
    )
    expect(form.get_by_test_id("calldata")).to_contain_text("0x")
    form.get_by_role("button", name="Propose").click()
    _tx_confirmed(form, "Propose the terms change")

    proposal = page.get_by_test_id("proposal").filter(has_text=title)
    state = proposal.get_by_test_id("proposal-state")
    expect(proposal.get_by_test_id("proposal-action")).to_contain_text(
        f"LicenseManager.setTerms(modelId={teacher_id}", timeout=TIMEOUT_MS
    )
    expect(proposal.get_by_test_id("terms-in-words")).to_contain_text(new_price_shown)
    expect(state).to_have_attribute("data-state", "active", timeout=TIMEOUT_MS)
    proposal.get_by_label("Reason").fill("Fair price for 60 days of access")
    proposal.get_by_role("button", name="Vote For").click()
    _tx_confirmed(proposal, "Vote For")
    expect(proposal.get_by_test_id("votes-cast")).to_contain_text(
        "Fair price for 60 days of access", timeout=TIMEOUT_MS
    )
    expect(proposal.get_by_test_id("tally-for")).not_to_have_text("0 PROV", timeout=TIMEOUT_MS)

    rpc(platform, "anvil_mine", hex(BLOCKS_TO_END_VOTE))
    expect(state).to_have_attribute("data-state", "succeeded", timeout=TIMEOUT_MS)
    proposal.get_by_role("button", name="Queue").click()
    _tx_confirmed(proposal, "Queue the proposal")
    expect(state).to_have_attribute("data-state", "queued", timeout=TIMEOUT_MS)
    expect(proposal.get_by_role("button", name="Execute")).to_be_disabled()

    delay = _call_uint(
        platform, platform.manifest["contracts"]["TimelockController"]["address"], MIN_DELAY_SELECTOR
    )
    rpc(platform, "evm_increaseTime", delay + 1)
    rpc(platform, "anvil_mine", hex(1))
    expect(proposal.get_by_role("button", name="Execute")).to_be_enabled(timeout=TIMEOUT_MS)
    proposal.get_by_role("button", name="Execute").click()
    _tx_confirmed(proposal, "Execute the proposal")
    expect(state).to_have_attribute("data-state", "executed", timeout=TIMEOUT_MS)

    new_terms = wait_until(
        "the new terms indexed",
        lambda: (
            terms
            if (terms := api_get(platform, f"/v1/models/{teacher_id}")["terms"])["version"]
            == old_terms["version"] + 1
            else None
        ),
    )
    assert int(new_terms["price"]) == new_price
    assert new_terms["duration"] == 60 * 86_400
    assert "DISTILLATION" in new_terms["permissions"]
    app.go("models", teacher_id)
    expect(page.get_by_test_id("terms")).to_contain_text(new_price_shown)
    licence = api_get(platform, f"/v1/licences/{world.distillation_licence_id}")
    assert licence["terms"]["version"] == old_terms["version"]
    assert licence["terms"]["price"] == old_terms["price"]


def test_termsProposalForm_badInput_saysWhichFieldAndProposesNothing(
    open_app: OpenApp, world: DemoWorld
) -> None:
    app = open_app(Role.DAO_MEMBER, "dao")
    app.connect()
    form = app.page.get_by_test_id("terms-proposal")
    form.get_by_role("combobox", name="Model", exact=True).select_option(str(world.student_model_id))

    form.get_by_label("Contributors' share").fill("150")
    expect(form.get_by_test_id("terms-error")).to_have_text("Contributors' share: at most 100 %.")
    expect(form.get_by_role("button", name="Propose")).to_be_disabled()

    form.get_by_label("Contributors' share").fill("0")
    form.get_by_label("Duration in days").fill("0")
    expect(form.get_by_test_id("terms-error")).to_contain_text("Duration: type a number of days above zero")
    form.get_by_label("Duration in days").fill("30")
    expect(form.get_by_test_id("terms-error")).to_have_count(0)
    assert app.wallet.sent == []
