import json

import pytest
from brownie import ZERO_ADDRESS

from scripts.deploy import (
    DEPLOY_ORDER,
    DeployConfig,
    UnsafeDeployment,
    audit,
    check_live_config,
    write_manifest,
)


def test_deploy_deployerHoldsNoRole(system):
    deployer = system.deployer
    for contract in (system.registry, system.licenses, system.router, system.rewards):
        admin = contract.DEFAULT_ADMIN_ROLE()
        assert contract.hasRole(admin, system.timelock)
        assert not contract.hasRole(admin, deployer)
    for role in ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE"):
        assert not system.timelock.hasRole(getattr(system.timelock, role)(), deployer)


def test_deploy_timelockHasNoAdminAndGovernorProposes(system):
    timelock = system.timelock
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), system.deployer)
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), system.governor)
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), ZERO_ADDRESS)
    assert system.governor.timelock() == timelock


def test_deploy_wiresOracleGuardianAndMinter(system):
    assert system.licenses.hasRole(system.licenses.ORACLE_ROLE(), system.oracle)
    assert system.registry.hasRole(system.registry.ORACLE_ROLE(), system.oracle)
    assert system.rewards.hasRole(system.rewards.ORACLE_ROLE(), system.oracle)
    assert system.rewards.hasRole(system.rewards.GUARDIAN_ROLE(), system.guardian)
    assert system.prov.minter() == system.rewards
    assert system.router.treasury() == system.timelock
    assert system.router.protocolFeeBps() == 250


def _deployed(system) -> dict:
    return {
        "ProvenanceToken": system.prov,
        "TimelockController": system.timelock,
        "ProvenantGovernor": system.governor,
        "AssetRegistry": system.registry,
        "LicenseManager": system.licenses,
        "RoyaltyRouter": system.router,
        "RewardDistributor": system.rewards,
    }


def test_writeManifest_recordsChainAddressesAndAbis(system, tmp_path, chain):
    deployed = {**_deployed(system), "MockUSDC": system.usdc, "_deployment_block": 1}
    config = DeployConfig(oracle=system.oracle.address, guardian=system.guardian.address)
    path = write_manifest(deployed, config, tmp_path / "manifest.json")

    manifest = json.loads(path.read_text())
    assert manifest["chainId"] == chain.id
    assert manifest["deploymentBlock"] == 1
    assert manifest["paymentToken"] == system.usdc.address
    assert set(manifest["contracts"]) == {*DEPLOY_ORDER, "MockUSDC"}
    registry = manifest["contracts"]["AssetRegistry"]
    assert registry["address"] == system.registry.address
    assert any(item.get("name") == "registerModel" for item in registry["abi"])
    assert manifest["config"]["oracle"] == system.oracle.address


def test_audit_freshDeployment_findsNoRoleAndNoQuorumHolder(system):
    config = DeployConfig(oracle=system.oracle.address, guardian=system.guardian.address)

    findings = audit(_deployed(system), system.deployer.address, config)

    assert f"the deployer {system.deployer.address} holds no admin role" in findings


def test_audit_deployerDelegatedGenesisToItself_isUnsafe(system, chain):
    config = DeployConfig(oracle=system.oracle.address, guardian=system.guardian.address)
    system.prov.delegate(system.deployer, {"from": system.deployer})  # the genesis allocation, as votes
    chain.mine()
    try:
        with pytest.raises(UnsafeDeployment, match="at or above quorum"):
            audit(_deployed(system), system.deployer.address, config)
    finally:
        system.prov.delegate(ZERO_ADDRESS, {"from": system.deployer})


@pytest.mark.parametrize("chain_id", [31337, 1337])
def test_checkLiveConfig_developmentChain_allowsDefaults(chain_id):
    check_live_config({}, "0x" + "ab" * 20, chain_id)


def test_checkLiveConfig_liveChain_namesEveryMissingOrDeployerRole():
    deployer = "0x" + "ab" * 20
    env = {"PROVENANT_ORACLE": deployer.upper().replace("0X", "0x"), "PROVENANT_TREASURY": "timelock"}
    with pytest.raises(UnsafeDeployment) as refused:
        check_live_config(env, deployer, 1)
    message = str(refused.value)
    assert "PROVENANT_GUARDIAN must be given explicitly on chain 1" in message
    assert "PROVENANT_PAYMENT_TOKEN must be given explicitly on chain 1" in message
    assert "PROVENANT_ORACLE must not be the deployer" in message  # whatever the letter case
    assert "PROVENANT_TREASURY" not in message  # the DAO's timelock is a fine treasury
