"""The app's frame in the browser: it starts from the deployment, connects a wallet, and catches a wallet on
the wrong network before anything is sent."""

from __future__ import annotations

from playwright.sync_api import expect

from backend.devworld import Role
from tests.e2e.conftest import OpenApp


def test_app_startsFromDeploymentAndConnectsTheWallet(open_app: OpenApp) -> None:
    app = open_app(Role.MODEL_USER, "models")

    app.connect()

    address = app.wallet.address
    expect(app.page.get_by_test_id("account")).to_have_text(f"{address[:6]}…{address[-4:]}")
    expect(app.page.get_by_test_id("wrong-network")).to_have_count(0)


def test_wrongNetwork_bannerShownUntilTheWalletSwitches(open_app: OpenApp) -> None:
    app = open_app(Role.MODEL_USER, "models", wallet_chain_id=1)
    app.connect()

    banner = app.page.get_by_test_id("wrong-network")
    expect(banner).to_contain_text("your wallet is on chain 1")
    banner.get_by_role("button", name="Switch network").click()

    expect(banner).to_have_count(0)
    assert app.wallet.chain_id == app.wallet.real_chain_id
