import brownie
import pytest


@pytest.fixture(scope="module")
def usdc(MockUSDC, accounts):
    return MockUSDC.deploy({"from": accounts[0]})


def test_decimals_isSix(usdc):
    assert usdc.decimals() == 6


def test_faucet_mintsToRecipient(usdc, accounts):
    tx = usdc.faucet(accounts[1], 5_000_000, {"from": accounts[2]})
    assert usdc.balanceOf(accounts[1]) == 5_000_000
    assert tx.events["Transfer"]["to"] == accounts[1]


def test_faucet_revertsAboveLimit(usdc, accounts):
    limit = usdc.FAUCET_LIMIT()
    with brownie.reverts(f"MockUSDCFaucetLimitExceeded: {limit + 1}, {limit}"):
        usdc.faucet(accounts[1], limit + 1, {"from": accounts[2]})
