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
    fields = (
        "modelId",
        "termsVersion",
        "expiresAt",
        "derivations",
        "credit",
        "settledCalls",
        "lastSettledEpoch",
    )
    return dict(zip(fields, system.licenses.licenseOf(licence_id), strict=True))


def test_purchase_mintsLicenceAtCurrentTerms(system, model, buyer, accounts):
    system.fund(buyer, 100 * USDC)
    holder = accounts[3]
    tx = system.licenses.purchase(model, holder, 100 * USDC, 1, {"from": buyer})
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
        system.licenses.purchase(model, buyer, 100 * USDC - 1, 1, {"from": buyer})
    assert system.usdc.balanceOf(buyer) == 100 * USDC


def test_purchase_unknownModel_reverts(system, buyer):
    with brownie.reverts("LicenseManagerUnknownModel: 42"):
        system.licenses.purchase(42, buyer, 10**30, 1, {"from": buyer})


def test_purchase_dataset_reverts(system, owner, buyer):
    dataset_id = system.register_dataset(owner)
    with brownie.reverts(f"LicenseManagerUnknownModel: {dataset_id}"):
        system.licenses.purchase(dataset_id, buyer, 10**30, 1, {"from": buyer})


def test_purchase_zeroHolder_reverts(system, model, buyer):
    with brownie.reverts("LicenseManagerZeroValue: "):
        system.licenses.purchase(model, ZERO_ADDRESS, 10**30, 1, {"from": buyer})


def test_purchase_withoutAllowance_reverts(system, model, buyer):
    system.usdc.faucet(buyer, 100 * USDC, {"from": buyer})
    with brownie.reverts():
        system.licenses.purchase(model, buyer, 100 * USDC, 1, {"from": buyer})
    assert system.licenses.balanceOf(buyer) == 0


def test_purchase_freeModel_movesNoTokens(system, owner, buyer):
    free = system.register_model(owner, terms=make_terms(price=0), n=5)
    tx = system.licenses.purchase(free, buyer, 0, 1, {"from": buyer})
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
    assert "UsageRefused" not in tx.events
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


def test_settleUsage_callsPerEpoch_addUp(system, model, buyer):
    licence = system.buy(buyer, model)
    system.fund(buyer, 10_000)
    system.licenses.deposit(licence, 10_000, {"from": buyer})
    system.licenses.settleUsage(1, [licence], [60], {"from": system.oracle})  # within the 100 included
    tx = system.licenses.settleUsage(2, [licence], [60], {"from": system.oracle})  # 20 beyond: 200
    assert plain(list(tx.events["UsageSettled"].values())) == plain([licence, 2, 60, 200, 200])
    assert _licence(system, licence)["settledCalls"] == 120


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


# --- terms bounds -----------------------------------------------------------------------------------------

TYPE_MAX = {
    "price": 2**128 - 1,
    "duration": 2**32 - 1,
    "contributors_bps": 2**16 - 1,
    "derivative_rev_share_bps": 2**16 - 1,
    "permissions": 2**8 - 1,
    "max_derivatives": 2**16 - 1,
    "fee_per_call": 2**128 - 1,
    "included_calls": 2**64 - 1,
}
# Highest accepted value of each field, and the error (with its arguments) one above it.
BOUNDS = {
    "price": (10**30, "LicenseManagerPriceTooHigh: {value}, {bound}"),
    "duration": (3_650 * 86_400, "LicenseManagerDurationOutOfRange: {value}, 1, {bound}"),
    "contributors_bps": (10_000, "LicenseManagerContributorsShareTooHigh: {value}, {bound}"),
    "derivative_rev_share_bps": (5_000, "LicenseManagerDerivativeShareTooHigh: {value}, {bound}"),
    "permissions": (ALL_PERMISSIONS, "LicenseManagerUnknownPermissions: {value}"),
    "max_derivatives": (1_000, "LicenseManagerDerivativesTooHigh: {value}, {bound}"),
    "fee_per_call": (10**18, "LicenseManagerFeeTooHigh: {value}, {bound}"),
    "included_calls": (10**18, "LicenseManagerCallsTooHigh: {value}, {bound}"),
}


def test_boundConstants_matchInterface(system):
    lm = system.licenses
    assert (lm.MAX_PRICE(), lm.MIN_DURATION(), lm.MAX_DURATION()) == (10**30, 1, 3_650 * 86_400)
    assert (lm.MAX_CONTRIBUTORS_BPS(), lm.MAX_DERIVATIVE_REV_SHARE_BPS()) == (10_000, 5_000)
    assert (lm.ALL_PERMISSIONS(), lm.MAX_DERIVATIVES()) == (ALL_PERMISSIONS, 1_000)
    assert (lm.MAX_FEE_PER_CALL(), lm.MAX_CALLS()) == (10**18, 10**18)
    for field, (bound, _) in BOUNDS.items():
        assert bound < TYPE_MAX[field]


@pytest.mark.parametrize("field", BOUNDS)
@pytest.mark.parametrize("offset", [-1, 0])
def test_setTerms_atAndBelowBound_publishes(system, model, field, offset):
    value = BOUNDS[field][0] + offset
    terms = make_terms(**{field: value})
    system.licenses.setTerms(model, terms, {"from": system.timelock_account})
    assert plain(system.licenses.termsOf(model, 2)) == plain(terms)


@pytest.mark.parametrize("field", BOUNDS)
@pytest.mark.parametrize("where", ["bound+1", "type max"])
def test_setTerms_aboveBound_revertsWithFieldError(system, model, owner, field, where):
    bound, message = BOUNDS[field]
    value = bound + 1 if where == "bound+1" else TYPE_MAX[field]
    error = message.format(value=value, bound=bound)
    with brownie.reverts(error):
        system.licenses.setTerms(model, make_terms(**{field: value}), {"from": system.timelock_account})
    with brownie.reverts(error):  # registration checks the same bounds
        system.register_model(owner, terms=make_terms(**{field: value}), n=9)


def test_setTerms_zeroDuration_reverts(system, model):
    with brownie.reverts(f"LicenseManagerDurationOutOfRange: 0, 1, {3_650 * 86_400}"):
        system.licenses.setTerms(model, make_terms(duration=0), {"from": system.timelock_account})


def test_termsOf_unknownVersion_reverts(system, model):
    for version in (0, 2):
        with brownie.reverts(f"LicenseManagerUnknownTermsVersion: {model}, {version}"):
            system.licenses.termsOf(model, version)


def test_settleUsage_extremeTermsBesideOrdinary_settlesEveryLicence(system, model, owner, buyer, accounts):
    """The attack: a model registered with the largest fee a registrant may choose and a licence reporting
    absurd usage in the oracle's batch. Before the bounds a 2**127 fee made the whole batch revert."""
    extreme = system.register_model(
        accounts[7], terms=make_terms(price=0, fee_per_call=10**18, included_calls=0), n=7
    )
    extreme_licence = system.buy(accounts[7], extreme)
    ordinary = system.buy(buyer, model)
    system.fund(buyer, 10_000)
    system.licenses.deposit(ordinary, 10_000, {"from": buyer})

    tx = system.licenses.settleUsage(
        1, [extreme_licence, ordinary], [2**256 - 1, 150], {"from": system.oracle}
    )
    settled = {e["licenceId"]: (e["acceptedCalls"], e["fee"]) for e in tx.events["UsageSettled"]}
    assert settled == {extreme_licence: (10**18, 10**36), ordinary: (150, 500)}
    assert tx.events["UsageRefused"]["refusedCalls"] == 2**256 - 1 - 10**18
    assert _licence(system, extreme_licence)["credit"] == -(10**36)

    # The lifetime cap is spent: later reports are refused, never debt, never a revert.
    tx = system.licenses.settleUsage(2, [extreme_licence, ordinary], [10**30, 10], {"from": system.oracle})
    assert tx.events["UsageRefused"]["refusedCalls"] == 10**30
    assert _licence(system, extreme_licence)["credit"] == -(10**36)
    assert _licence(system, ordinary)["lastSettledEpoch"] == 2


def test_deposit_aboveCreditCapacity_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    with brownie.reverts(f"LicenseManagerCreditOverflow: {licence}"):
        system.licenses.deposit(licence, 2**127, {"from": buyer})


# --- epochs -----------------------------------------------------------------------------------------------


def _current_epoch(system) -> int:
    return system.licenses.epochAt(brownie.chain.time())


def test_epochAt_countsFromGenesis(system):
    genesis, length = system.licenses.epochGenesis(), system.licenses.epochLength()
    assert system.licenses.epochAt(genesis - 1) == 0
    assert system.licenses.epochAt(genesis) == 1
    assert system.licenses.epochAt(genesis + length - 1) == 1
    assert system.licenses.epochAt(genesis + length) == 2


def test_settleUsage_epochNotEnded_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    current = _current_epoch(system)
    for epoch in (0, current, current + 1, 2**32, 2**256 - 1):
        with brownie.reverts(f"LicenseManagerEpochNotEnded: {epoch}"):
            system.licenses.settleUsage(epoch, [licence], [1], {"from": system.oracle})


def test_settleUsage_emptyBatch_recordsHighestEpoch(system):
    system.licenses.settleUsage(5, [], [], {"from": system.oracle})
    system.licenses.settleUsage(3, [], [], {"from": system.oracle})
    assert system.licenses.highestSettledEpoch() == 5


# --- a licensee's metering limit --------------------------------------------------------------------------


def test_settleUsage_overLimit_chargesLimitOnly(system, model, buyer):
    """The attack: an oracle reports 10**9 calls against a licence limited to 1,000 per epoch."""
    licence = system.buy(buyer, model)
    system.fund(buyer, 100_000)
    system.licenses.deposit(licence, 100_000, {"from": buyer})
    system.licenses.setMeteringLimit(licence, 1_000, {"from": buyer})
    epoch = _current_epoch(system) + 1
    assert system.licenses.meteringLimitAt(licence, epoch - 1) == 0
    assert system.licenses.meteringLimitAt(licence, epoch) == 1_000
    brownie.chain.sleep(2 * system.licenses.epochLength())
    brownie.chain.mine()

    tx = system.licenses.settleUsage(epoch, [licence], [10**9], {"from": system.oracle})
    # 1,000 calls accepted, 100 of them included: 900 x 10 charged.
    assert plain(list(tx.events["UsageSettled"].values())) == plain([licence, epoch, 1_000, 9_000, 9_000])
    assert plain(list(tx.events["UsageRefused"].values())) == plain([licence, epoch, 10**9 - 1_000])
    assert _licence(system, licence)["credit"] == 91_000
    assert system.licenses.isValid(licence)


def test_setMeteringLimit_takesEffectNextEpoch(system, model, buyer):
    licence = system.buy(buyer, model)
    current = _current_epoch(system)
    tx = system.licenses.setMeteringLimit(licence, 500, {"from": buyer})
    assert plain(list(tx.events["MeteringLimitSet"].values())) == plain([licence, 500, current + 1])
    brownie.chain.sleep(system.licenses.epochLength())
    brownie.chain.mine()
    system.licenses.setMeteringLimit(licence, 0, {"from": buyer})  # lifted from the epoch after
    now = _current_epoch(system)
    assert now == current + 1
    assert system.licenses.meteringLimitAt(licence, current) == 0
    assert system.licenses.meteringLimitAt(licence, now) == 500
    assert system.licenses.meteringLimitAt(licence, now + 1) == 0


def test_setMeteringLimit_byAnyoneButHolder_reverts(system, model, buyer, owner, accounts):
    licence = system.buy(buyer, model)
    for caller in (owner, system.oracle, system.timelock_account, accounts[6]):
        with brownie.reverts(custom_error("LicenseManagerUnauthorized", caller)):
            system.licenses.setMeteringLimit(licence, 1, {"from": caller})
    with brownie.reverts(f"LicenseManagerCallsTooHigh: {10**18 + 1}, {10**18}"):
        system.licenses.setMeteringLimit(licence, 10**18 + 1, {"from": buyer})
    with brownie.reverts(custom_error("LicenseManagerUnauthorized", buyer)):
        system.licenses.setMeteringLimit(999, 1, {"from": buyer})


# --- the terms the buyer saw ------------------------------------------------------------------------------


def test_purchase_termsChangedInFlight_revertsAndChargesNothing(system, model, buyer):
    system.fund(buyer, 100 * USDC)
    system.licenses.setTerms(
        model, make_terms(price=100 * USDC, duration=1), {"from": system.timelock_account}
    )
    with brownie.reverts("LicenseManagerTermsVersionMismatch: 1, 2"):
        system.licenses.purchase(model, buyer, 100 * USDC, 1, {"from": buyer})
    assert system.usdc.balanceOf(buyer) == 100 * USDC
    licence = system.licenses.purchase(model, buyer, 100 * USDC, 2, {"from": buyer}).return_value
    assert _licence(system, licence)["termsVersion"] == 2


# --- credit left on an expired licence --------------------------------------------------------------------


def test_withdrawCredit_afterExpiryAndLastEpochSettled_paysHolder(system, owner, buyer, accounts):
    model = system.register_model(
        owner, terms=make_terms(duration=60, fee_per_call=10, included_calls=0), n=3
    )
    licence = system.buy(buyer, model)
    system.fund(buyer, 1_000)
    system.licenses.deposit(licence, 1_000, {"from": buyer})
    last_epoch = system.licenses.epochAt(_licence(system, licence)["expiresAt"] - 1)
    brownie.chain.sleep(2 * system.licenses.epochLength())
    brownie.chain.mine()
    with brownie.reverts(f"LicenseManagerCreditLocked: {licence}"):  # its last epoch is not settled yet
        system.licenses.withdrawCredit(licence, buyer, {"from": buyer})
    system.licenses.settleUsage(last_epoch, [licence], [30], {"from": system.oracle})
    with brownie.reverts(f"LicenseManagerCreditLocked: {licence}"):  # a later batch of it may follow
        system.licenses.withdrawCredit(licence, buyer, {"from": buyer})
    system.licenses.settleUsage(last_epoch + 1, [], [], {"from": system.oracle})

    for caller in (owner, accounts[6]):
        with brownie.reverts(custom_error("LicenseManagerUnauthorized", caller)):
            system.licenses.withdrawCredit(licence, caller, {"from": caller})
    receiver = accounts[6]
    tx = system.licenses.withdrawCredit(licence, receiver, {"from": buyer})
    assert tx.return_value == 700
    assert plain(list(tx.events["CreditWithdrawn"].values())) == plain([licence, receiver, 700])
    assert system.usdc.balanceOf(receiver) == 700
    assert system.usdc.balanceOf(system.licenses) == 0
    with brownie.reverts(f"LicenseManagerNoCredit: {licence}"):
        system.licenses.withdrawCredit(licence, buyer, {"from": buyer})


def test_withdrawCredit_beforeExpiry_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    system.fund(buyer, 100)
    system.licenses.deposit(licence, 100, {"from": buyer})
    system.licenses.settleUsage(_current_epoch(system) - 1, [], [], {"from": system.oracle})
    with brownie.reverts(f"LicenseManagerCreditLocked: {licence}"):
        system.licenses.withdrawCredit(licence, buyer, {"from": buyer})
    with brownie.reverts("LicenseManagerZeroValue: "):
        system.licenses.withdrawCredit(licence, ZERO_ADDRESS, {"from": buyer})


# --- derivation -------------------------------------------------------------------------------------------


def _derive(system, holder, parent, licence, *, n):
    registration = (f"bafy-child-{n}", "0x" + f"{n:064x}", [(parent, DISTILL, licence)], [])
    return system.registry.registerModel(registration, make_terms(), {"from": holder})


def test_recordDerivation_limitCountsPerLicence(system, owner, buyer, accounts):
    parent = system.register_model(
        owner, terms=make_terms(permissions=COMMERCIAL | DISTILLATION, max_derivatives=2)
    )
    licence = system.buy(buyer, parent)
    tx = _derive(system, buyer, parent, licence, n=20)
    assert plain(list(tx.events["LicenseUsedForDerivation"].values())) == plain([licence, tx.return_value, 1])
    # Lending the licence gains nothing: the count belongs to the licence.
    system.licenses.transferFrom(buyer, accounts[6], licence, {"from": buyer})
    _derive(system, accounts[6], parent, licence, n=21)
    assert _licence(system, licence)["derivations"] == 2
    assert not system.licenses.canDerive(accounts[6], parent, DISTILL, licence)
    system.licenses.transferFrom(accounts[6], buyer, licence, {"from": accounts[6]})
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        _derive(system, buyer, parent, licence, n=22)


def test_recordDerivation_byAnyoneButRegistry_reverts(system, model, buyer):
    licence = system.buy(buyer, model)
    with brownie.reverts(custom_error("LicenseManagerUnauthorized", buyer)):
        system.licenses.recordDerivation(licence, 99, {"from": buyer})


def test_canDerive_suspendedLicence_isFalse(system, owner, buyer):
    parent = system.register_model(
        owner, terms=make_terms(permissions=COMMERCIAL | DISTILLATION, fee_per_call=10, included_calls=0)
    )
    licence = system.buy(buyer, parent)
    assert system.licenses.canDerive(buyer, parent, DISTILL, licence)
    system.licenses.settleUsage(1, [licence], [1], {"from": system.oracle})  # 10 owed, no credit
    assert not system.licenses.isValid(licence)
    assert not system.licenses.canDerive(buyer, parent, DISTILL, licence)
    with brownie.reverts(f"AssetRegistryDerivationNotLicensed: {parent}, {DISTILL}, {licence}"):
        _derive(system, buyer, parent, licence, n=23)
