"""Gas of the licensing hot paths: a warm licence purchase and a batch of metered-usage settlements."""

from __future__ import annotations

from scripts.deploy import DeployConfig, deploy

USDC = 10**6
SETTLEMENT_BATCH = 100


def _terms(price: int) -> tuple:
    # price, duration, contributorsBps, derivativeRevShareBps, permissions, maxDerivatives, feePerCall,
    # includedCalls
    return (price, 30 * 86_400, 2_000, 1_000, 3, 1, 1_000, 100)


def measure_licensing_gas(accounts) -> list[dict]:
    """Purchase: owner + one dataset pool + treasury, with the buyer, payees and router already warm
    (second purchase). Settlement: 100 licences of one model, each billed for calls beyond its quota."""
    deployer, owner, buyer, oracle = accounts[0], accounts[1], accounts[2], accounts[9]
    system = deploy(deployer, DeployConfig(oracle=oracle.address, guardian=deployer.address))
    registry, licenses, usdc = system["AssetRegistry"], system["LicenseManager"], system["MockUSDC"]

    dataset_id = registry.registerDataset("QmDataset", {"from": owner}).return_value
    registry.commitDatasetVersion(dataset_id, "0x" + "11" * 32, "QmDatasetV1", {"from": owner})
    registration = ("QmModel", "0x" + "22" * 32, [], [(dataset_id, 1, 10_000)])
    model_id = registry.registerModel(registration, _terms(100 * USDC), {"from": owner}).return_value

    usdc.faucet(buyer, 1_000_000 * USDC, {"from": buyer})
    usdc.approve(licenses, 2**256 - 1, {"from": buyer})
    licenses.purchase(model_id, buyer, 100 * USDC, 1, {"from": buyer})
    warm_purchase = licenses.purchase(model_id, buyer, 100 * USDC, 1, {"from": buyer})

    licence_ids = [
        licenses.purchase(model_id, buyer, 100 * USDC, 1, {"from": buyer}).return_value
        for _ in range(SETTLEMENT_BATCH)
    ]
    for licence_id in licence_ids:
        licenses.deposit(licence_id, 1_000 * USDC, {"from": buyer})
    settle = licenses.settleUsage(1, licence_ids, [250] * SETTLEMENT_BATCH, {"from": oracle})
    replay = licenses.settleUsage(1, licence_ids, [250] * SETTLEMENT_BATCH, {"from": oracle})

    return [
        {
            "operation": "licence purchase (owner + 1 dataset pool + treasury, warm)",
            "gas": warm_purchase.gas_used,
            "target": 140_000,
        },
        {
            "operation": f"settleUsage per licence (batch of {SETTLEMENT_BATCH})",
            "gas": settle.gas_used // SETTLEMENT_BATCH,
            "target": 25_000,
        },
        {
            "operation": f"settleUsage replayed epoch per licence (batch of {SETTLEMENT_BATCH})",
            "gas": replay.gas_used // SETTLEMENT_BATCH,
            "target": 25_000,
        },
    ]
