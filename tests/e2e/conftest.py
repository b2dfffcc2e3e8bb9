"""Fixtures of the browser tests: the whole platform as `make demo` runs it, and Chromium with a wallet.

``platform`` (session) is ``backend.devplatform.running_platform`` on a temporary data dir and free ports:
anvil, the contracts, the API serving the built web app, a Celery worker and beat on the embedded defaults,
and the seeded demo world (``platform.world``). ``open_app(role)`` opens the web app in a fresh browser
context whose injected wallet (wallet.py) holds that role's development key. Each page's final state is
kept as a screenshot in reports/e2e/ (not committed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from backend.devchain import PROJECT_ROOT, free_port
from backend.devplatform import RunningPlatform, running_platform
from backend.devworld import DemoWorld, Role
from tests.e2e.wallet import TestWallet

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "reports" / "e2e"
WALLET_JS = (Path(__file__).parent / "wallet.js").read_text()
# Short epochs, so a test sees one close; the chain mines a block a second as in the demo.
EPOCH_LENGTH = 30
TIMEOUT_MS = 60_000  # a bound on a broken run, never a measurement


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    with running_platform(
        data_dir=tmp_path_factory.mktemp("platform"),
        chain_port=free_port(),
        api_port=free_port(),
        epoch_length=EPOCH_LENGTH,
    ) as running:
        yield running


@pytest.fixture(scope="session")
def world(platform: RunningPlatform) -> DemoWorld:
    assert platform.world is not None
    return platform.world


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


def rpc(platform: RunningPlatform, method: str, *params: Any) -> Any:
    """A JSON-RPC call to the platform's anvil (time travel: evm_increaseTime, anvil_mine)."""
    answer = requests.post(
        platform.rpc_url,
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
        timeout=30,
    ).json()
    assert "error" not in answer, answer
    return answer["result"]


def api_get(platform: RunningPlatform, path: str) -> Any:
    """A GET of the platform's API, e.g. ``api_get(platform, "/v1/models/4")``; a 4xx or 5xx fails the test."""
    response = requests.get(f"{platform.api_url}{path}", timeout=30)
    response.raise_for_status()
    return response.json()


T = TypeVar("T")


def wait_until(what: str, probe: Callable[[], T | None], *, timeout_s: float = TIMEOUT_MS / 1000) -> T:
    """Polls ``probe`` until it returns something: the worker indexes, reviews and closes epochs in the
    background. ``timeout_s`` bounds a broken run; it is never a measurement."""
    deadline = time.monotonic() + timeout_s
    while (found := probe()) is None:
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout_s:.0f} s"
        time.sleep(0.5)
    return found


@dataclass
class AppPage:
    page: Page
    wallet: TestWallet

    def go(self, *route: str | int) -> None:
        """Opens a page of the app by its route, e.g. ``go("models", 2)``."""
        self.page.goto(f"{self.page.url.split('#')[0]}#/{'/'.join(str(part) for part in route)}")

    def connect(self) -> None:
        """Connects the wallet as a user clicking "Connect wallet" would."""
        self.page.get_by_role("button", name="Connect wallet").click()
        self.page.get_by_test_id("account").wait_for()


OpenApp = Callable[..., AppPage]


@pytest.fixture
def open_app(
    browser: Browser, platform: RunningPlatform, request: pytest.FixtureRequest
) -> Iterator[OpenApp]:
    opened: list[AppPage] = []
    chain_id = int(platform.manifest["chainId"])

    def open_as(role: Role, *route: str | int, wallet_chain_id: int | None = None) -> AppPage:
        assert platform.world is not None
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        wallet = TestWallet(
            private_key=platform.world.account(role).private_key,
            rpc_url=platform.rpc_url,
            chain_id=wallet_chain_id or chain_id,
            real_chain_id=chain_id,
        )
        context.expose_binding("__provenantWallet", wallet.handle)
        context.add_init_script(WALLET_JS)
        page = context.new_page()
        page.goto(f"{platform.api_url}/#/{'/'.join(str(part) for part in route)}")
        app = AppPage(page=page, wallet=wallet)
        opened.append(app)
        return app

    yield open_as

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for index, app in enumerate(opened):
        app.page.screenshot(path=SCREENSHOTS / f"{name}-{index}.png", full_page=True)
        app.page.context.close()
