import brownie
import pytest
from brownie import ZERO_ADDRESS

from tests.contracts.conftest import (
    ALL_PERMISSIONS,
    COMMERCIAL,
    DERIVATIVES,
    DISTILL,
    DISTILLATION,
    USDC,
    custom_error,
    make_terms,
    plain,
)


@pytest.fixture
def owner(accounts):
    return accounts[1]


@pytest.fixture
def buyer(accounts):
    return accounts[2]


@pytest.fixture
def model(system, owner):
    return system.register_model(
        owner, terms=make_terms(price=100 * USDC, fee_per_call=10, included_calls=100)
    )


def _licence(system, licence_id):
    fields = ("modelId", "termsVersion", "expiresAt", "credit", "settledCalls", "lastSettledEpoch")
    return dict(zip(fields, system.licenses.licenseOf(licence_id), strict=True))


def test_purchase_mintsLicenceAtCurrentTerms(system, model, buyer, accounts):
    system.fund(buyer, 100 * USDC)
    holder = accounts[3]
    tx = system.licenses.purchase(model, holder, 100 * USDC, {"from": buyer})
    licence_id = tx.return_value
    assert system.licenses.ownerOf(licence_id) == holder
    record = _licence(system, licence_id)
    assert (record["modelId"], record["termsVersion"]) == (model, 1)
    assert record["expiresAt"] == tx.timestamp + 30 * 86_400
    assert system.licenses.isValid(licence_id)
    assert system.usdc.balanceOf(buyer) == 0
    assert system.usdc.balanceOf(system.router) == 100 * USDC
    event = tx.events["LicensePurchased"]
    assert (event["licenceId"], event["modelId"], event["holder"]) == (licence_id, model, holder)
    assert (event["price"], event["termsVersion"]) == (100 * USDC, 1)
    assert tx.events["PaymentSplit"]["amount"] == 100 * USDC


def test_purchase_priceAboveMax_revertsAndChargesNothing(system, model, buyer):
    system.fund(buyer, 100 * USDC)
    with brownie.reverts(f"LicenseManagerPriceAboveMax: {100 * USDC}, {100 * USDC - 1}"):
        system.licenses.purchase(model, buyer, 100 * USDC - 1, {"from": buyer})
    assert system.usdc.balanceOf(buyer) == 100 * USDC


def test_purchase_unknownModel_reverts(system, buyer):
    with brownie.reverts("LicenseManagerUnknownModel: 42"):
        system.licenses.purchase(42, buyer, 10**30, {"from": buyer})


def test_purchase_dataset_reverts(system, owner, buyer):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts(f"LicenseManagerUnknownModel: {dataset_id}"):
        system.licenses.purchase(dataset_id, buyer, 10**30, {"from": buyer})


def test_purchase_zeroHolder_reverts(system, model, buyer):
    with brownie.reverts("LicenseManagerZeroValue: "):
        system.licenses.purchase(model, ZERO_ADDRESS, 10**30, {"from": buyer})


def test_purchase_withoutAllowance_reverts(system, model, buyer):
    system.usdc.faucet(buyer, 100 * USDC, {"from": buyer})
    with brownie.reverts():
        system.licenses.purchase(model, buyer, 100 * USDC, {"from": buyer})
    assert system.licenses.balanceOf(buyer) == 0


def test_purchase_freeModel_movesNoTokens(system, owner, buyer):
    free = system.register_model(owner, terms=make_terms(price=0), n=5)
    tx = system.licenses.purchase(free, buyer, 0, {"from": buyer})
    assert system.licenses.isValid(tx.return_value)
    assert "PaymentSplit" not in tx.events


def test_setTerms_byTimelock_newVersionForNewSalesOnly(system, model, buyer):
    old_licence = system.buy(buyer, model)
    new_terms = make_terms(price=250 * USDC, permissions=ALL_PERMISSIONS)
    tx = system.licenses.setTerms(model, new_terms, {"from": system.timelock_account})
    assert tx.return_value == 2
    assert tx.events["TermsPublished"]["version"] == 2
    assert system.licenses.currentTermsVersion(model) == 2
    new_licence = system.buy(buyer, model)
    assert system.licenses.licenseTerms(old_licence)[0] == 100 * USDC
    assert plain(system.licenses.licenseTerms(new_licence)) == plain(new_terms)
    assert not system.licenses.hasPermission(old_licence, DISTILLATION)
    assert system.licenses.hasPermission(new_licence, DISTILLATION)


@pytest.mark.parametrize("caller_index", [0, 1, 9])
def test_setTerms_byAnyoneButTimelock_reverts(system, model, accounts, caller_index):
    caller = accounts[caller_index]  # deployer, model owner, oracle
    with brownie.reverts(
        custom_error("AccessControlUnauthorizedAccount", caller, system.licenses.DEFAULT_ADMIN_ROLE())
    ):
        system.licenses.setTerms(model, make_terms(), {"from": caller})


def test_setTerms_unknownModel_reverts(system):
    with brownie.reverts("LicenseManagerUnknownModel: 77"):
        system.licenses.setTerms(77, make_terms(), {"from": system.timelock_account})


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration": 0}, "duration"),
        ({"permissions": 32}, "permissions"),
        ({"derivative_rev_share_bps": 5_001}, "derivativeRevShareBps"),
        ({"contributors_bps": 10_001}, "contributorsBps"),
    ],
)
def test_setTerms_outOfBounds_reverts(system, model, overrides, field):
    with brownie.reverts(f"LicenseManagerInvalidTerms: {field}"):
        system.licenses.setTerms(model, make_terms(**overrides), {"from": system.timelock_account})


def test_initializeTerms_byAnyoneButRegistry_reverts(system, model, owner):
    with brownie.reverts(custom_error("LicenseManagerUnauthorized", owner)):
        system.licenses.initializeTerms(model, make_terms(), {"from": owner})


def test_deposit_addsCredit(system, model, buyer, accounts):
    licence = system.buy(buyer, model)
    payer = accounts[4]
    system.fund(payer, 50 * USDC)
    tx = system.licenses.deposit(licence, 50 * USDC, {"from": payer})
    assert _licence(system, licence)["credit"] == 50 * USDC
    assert system.usdc.balanceOf(system.licenses) == 50 * USDC
    assert plain(list(tx.events["CreditDeposited"].values())) == plain([licence, payer, 50 * USDC, 0])


def test_deposit_zeroOrUnknown_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    with brownie.reverts("LicenseManagerZeroValue: "):
        system.licenses.deposit(licence, 0, {"from": buyer})
    with brownie.reverts("LicenseManagerUnknownLicense: 999"):
        system.licenses.deposit(999, 1, {"from": buyer})


def test_settleUsage_chargesCallsBeyondIncluded(system, model, buyer):
    licence = system.buy(buyer, model)
    system.fund(buyer, 10_000)
    system.licenses.deposit(licence, 10_000, {"from": buyer})
    owner_before = system.router.modelBalanceOf(model)

    tx = system.licenses.settleUsage(1, [licence], [150], {"from": system.oracle})
    assert plain(list(tx.events["UsageSettled"].values())) == plain([licence, 1, 150, 500, 500])
    record = _licence(system, licence)
    assert (record["credit"], record["settledCalls"], record["lastSettledEpoch"]) == (9_500, 150, 1)
    assert system.usdc.balanceOf(system.licenses) == 9_500
    assert tx.events["PaymentSplit"]["amount"] == 500
    assert system.router.modelBalanceOf(model) - owner_before == tx.events["PaymentSplit"]["ownerAmount"] > 0


def test_settleUsage_replayedEpoch_changesNothing(system, model, buyer):
    licence = system.buy(buyer, model)
    system.fund(buyer, 10_000)
    system.licenses.deposit(licence, 10_000, {"from": buyer})
    system.licenses.settleUsage(3, [licence], [200], {"from": system.oracle})
    before = _licence(system, licence)
    for epoch in (3, 2):
        tx = system.licenses.settleUsage(epoch, [licence], [900], {"from": system.oracle})
        assert "UsageSettled" not in tx.events
        assert _licence(system, licence) == before


def test_settleUsage_feeAboveCredit_takesCreditAndSuspends(system, model, buyer):
    licence = system.buy(buyer, model)
    system.fund(buyer, 300)
    system.licenses.deposit(licence, 300, {"from": buyer})
    tx = system.licenses.settleUsage(1, [licence], [150], {"from": system.oracle})
    assert plain(list(tx.events["UsageSettled"].values())) == plain([licence, 1, 150, 500, 300])
    assert plain(list(tx.events["LicenseSuspended"].values())) == plain([licence, 200])
    assert _licence(system, licence)["credit"] == -200
    assert not system.licenses.isValid(licence)
    assert not system.licenses.hasPermission(licence, COMMERCIAL)


def test_deposit_afterSuspension_repaysDebtThenReinstates(system, model, buyer):
    licence = system.buy(buyer, model)
    system.licenses.settleUsage(1, [licence], [120], {"from": system.oracle})  # 20 calls x 10 = 200 owed
    assert not system.licenses.isValid(licence)
    system.fund(buyer, 1_000)
    router_before = system.usdc.balanceOf(system.router)

    tx = system.licenses.deposit(licence, 150, {"from": buyer})
    assert tx.events["CreditDeposited"]["debtRepaid"] == 150
    assert "LicenseReinstated" not in tx.events
    assert not system.licenses.isValid(licence)

    tx = system.licenses.deposit(licence, 100, {"from": buyer})
    assert tx.events["CreditDeposited"]["debtRepaid"] == 50
    assert "LicenseReinstated" in tx.events
    assert system.licenses.isValid(licence)
    assert _licence(system, licence)["credit"] == 50
    assert system.usdc.balanceOf(system.router) - router_before == 200
    assert system.usdc.balanceOf(system.licenses) == 50


def test_settleUsage_callsDecreased_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    system.licenses.settleUsage(1, [licence], [50], {"from": system.oracle})
    with brownie.reverts(f"LicenseManagerCallsDecreased: {licence}, 50, 49"):
        system.licenses.settleUsage(2, [licence], [49], {"from": system.oracle})


def test_settleUsage_byAnyoneButOracle_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    role = system.licenses.ORACLE_ROLE()
    for caller in (buyer, system.timelock_account):
        with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", caller, role)):
            system.licenses.settleUsage(1, [licence], [500], {"from": caller})


def test_settleUsage_badBatch_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    with brownie.reverts("LicenseManagerInvalidBatch: 1, 2"):
        system.licenses.settleUsage(1, [licence], [1, 2], {"from": system.oracle})
    with brownie.reverts("LicenseManagerInvalidBatch: 501, 501"):
        system.licenses.settleUsage(1, [licence] * 501, [1] * 501, {"from": system.oracle})
    with brownie.reverts("LicenseManagerUnknownLicense: 12345"):
        system.licenses.settleUsage(1, [licence, 12345], [1, 1], {"from": system.oracle})


def test_settleUsage_manyModels_paysEachModelItsFees(system, owner, buyer, accounts):
    other_owner = accounts[5]
    first = system.register_model(owner, terms=make_terms(fee_per_call=10, included_calls=0), n=1)
    second = system.register_model(other_owner, terms=make_terms(fee_per_call=7, included_calls=0), n=2)
    licences = [system.buy(buyer, m) for m in (first, first, second, first)]
    system.fund(buyer, 10_000)
    for licence in licences:
        system.licenses.deposit(licence, 2_000, {"from": buyer})
    tx = system.licenses.settleUsage(1, licences, [10, 20, 30, 40], {"from": system.oracle})
    splits = [(e["modelId"], e["amount"]) for e in tx.events["PaymentSplit"]]
    assert splits == [(first, 300), (second, 210), (first, 400)]


def test_isValid_unknownLicence_isFalse(system):
    assert not system.licenses.isValid(12345)


def test_canDerive_checksHolderModelAndPermission(system, owner, buyer, accounts):
    parent = system.register_model(owner, terms=make_terms(permissions=COMMERCIAL | DISTILLATION))
    licence = system.buy(buyer, parent)
    assert system.licenses.canDerive(buyer, parent, DISTILL, licence)
    assert not system.licenses.canDerive(accounts[6], parent, DISTILL, licence)
    assert not system.licenses.canDerive(buyer, parent + 1, DISTILL, licence)
    assert not system.licenses.hasPermission(licence, DERIVATIVES)
    assert not system.licenses.canDerive(ZERO_ADDRESS, parent, DISTILL, 9999)


def test_transferFrom_movesDerivationRight(system, owner, buyer, accounts):
    parent = system.register_model(owner, terms=make_terms(permissions=COMMERCIAL | DISTILLATION))
    licence = system.buy(buyer, parent)
    system.licenses.transferFrom(buyer, accounts[6], licence, {"from": buyer})
    assert system.licenses.canDerive(accounts[6], parent, DISTILL, licence)
    assert not system.licenses.canDerive(buyer, parent, DISTILL, licence)


def test_permissionConstants_matchInterface(system):
    constants = (
        system.licenses.COMMERCIAL(),
        system.licenses.DERIVATIVES(),
        system.licenses.DISTILLATION(),
        system.licenses.TRAIN_ON_OUTPUTS(),
        system.licenses.ATTRIBUTION(),
    )
    assert constants == (1, 2, 4, 8, 16)
    assert system.licenses.MAX_SETTLEMENT_BATCH() == 500
    assert system.licenses.MAX_DERIVATIVE_REV_SHARE_BPS() == 5_000
