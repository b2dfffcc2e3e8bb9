// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Terms, EdgeType} from "./ILicenseTypes.sol";

/// @title ILicenseManager
/// @notice Licence terms per model (versioned), licences as ERC-721 tokens bound to the terms version they
/// were bought under, usage credit and per-epoch settlement of metered calls.
/// @dev The model's owner sets the first terms when registering it (through the asset registry); every later
/// change is made by the DAO's timelock alone (DEFAULT_ADMIN_ROLE). Every terms field is bounded by a MAX_*
/// constant, so settlement arithmetic is total: `settleUsage` succeeds for any set of licences or reverts with
/// a named error for a mistake of the oracle (an unknown licence, an epoch not yet over), never because of a
/// value a registrant chose.
///
/// A licence is valid while `block.timestamp < expiresAt` and its credit is not negative. Epochs are fixed
/// windows of `epochLength` seconds from `epochGenesis`: epoch n is [genesis + (n-1) * length, genesis +
/// n * length), epoch 0 is everything before genesis. The oracle settles each ended epoch once per licence
/// with the calls made in that epoch; an epoch already settled for a licence is skipped, so a replayed batch
/// changes nothing. Of the calls reported, a licence is charged at most its holder's metering limit per
/// settlement, and at most MAX_CALLS over its life; the rest is refused (UsageRefused) and never becomes
/// debt. A fee larger than the credit takes what credit there is and leaves the rest as a debt that suspends
/// the licence until a top-up repays it.
interface ILicenseManager {
    /// @notice Permission bits of `Terms.permissions`.
    /// COMMERCIAL = 1, DERIVATIVES = 2, DISTILLATION = 4, TRAIN_ON_OUTPUTS = 8, ATTRIBUTION (required) = 16.

    /// @notice A licence: its model, the terms version it was bought under and its usage state.
    struct License {
        uint64 modelId;
        uint32 termsVersion;
        uint40 expiresAt;
        // Models derived with this licence (at most its terms' maxDerivatives).
        uint16 derivations;
        // Usage credit in payment-token units; negative while fees are owed (the licence is suspended).
        int128 credit;
        // Calls accepted by settlement so far (included and charged; refused calls are not counted).
        uint64 settledCalls;
        // Last epoch settled for this licence.
        uint32 lastSettledEpoch;
    }

    /// @notice A model's terms changed; `version` applies to licences sold from now on.
    event TermsPublished(uint256 indexed modelId, uint256 indexed version, Terms terms);
    /// @notice A licence was bought.
    event LicensePurchased(
        uint256 indexed licenceId,
        uint256 indexed modelId,
        address indexed holder,
        uint256 termsVersion,
        uint256 price,
        uint256 expiresAt
    );
    /// @notice Usage credit was added to a licence; `debtRepaid` of it settled earlier unpaid fees.
    event CreditDeposited(
        uint256 indexed licenceId,
        address indexed payer,
        uint256 amount,
        uint256 debtRepaid
    );
    /// @notice Credit left on an expired licence was paid out to `to`.
    event CreditWithdrawn(uint256 indexed licenceId, address indexed to, uint256 amount);
    /// @notice Usage of a licence was settled for `epoch`: `acceptedCalls` counted, `fee` charged of which
    /// `paid` came from credit (the rest is debt).
    event UsageSettled(
        uint256 indexed licenceId,
        uint256 indexed epoch,
        uint256 acceptedCalls,
        uint256 fee,
        uint256 paid
    );
    /// @notice Calls reported for `epoch` beyond the licence's metering limit or MAX_CALLS were not charged.
    event UsageRefused(uint256 indexed licenceId, uint256 indexed epoch, uint256 refusedCalls);
    /// @notice The holder set a metering limit, in force from `fromEpoch`.
    event MeteringLimitSet(uint256 indexed licenceId, uint256 callsPerEpoch, uint256 fromEpoch);
    /// @notice A licence's fees exceeded its credit; it stays suspended until the debt is repaid.
    event LicenseSuspended(uint256 indexed licenceId, uint256 debt);
    /// @notice A suspended licence's debt was repaid.
    event LicenseReinstated(uint256 indexed licenceId);
    /// @notice A licence was used to derive model `childId` (its `derivations`-th derivation).
    event LicenseUsedForDerivation(uint256 indexed licenceId, uint256 indexed childId, uint256 derivations);

    /// @notice `caller` may not do this.
    error LicenseManagerUnauthorized(address caller);
    /// @notice `modelId` is not a registered model.
    error LicenseManagerUnknownModel(uint256 modelId);
    /// @notice `version` is not a terms version of the model.
    error LicenseManagerUnknownTermsVersion(uint256 modelId, uint256 version);
    /// @notice `licenceId` does not exist.
    error LicenseManagerUnknownLicense(uint256 licenceId);
    /// @notice The model's terms were already initialised.
    error LicenseManagerTermsAlreadySet(uint256 modelId);
    /// @notice `Terms.price` above MAX_PRICE.
    error LicenseManagerPriceTooHigh(uint256 price, uint256 max);
    /// @notice `Terms.duration` outside [MIN_DURATION, MAX_DURATION].
    error LicenseManagerDurationOutOfRange(uint256 duration, uint256 min, uint256 max);
    /// @notice `Terms.contributorsBps` above MAX_CONTRIBUTORS_BPS.
    error LicenseManagerContributorsShareTooHigh(uint256 bps, uint256 max);
    /// @notice `Terms.derivativeRevShareBps` above MAX_DERIVATIVE_REV_SHARE_BPS.
    error LicenseManagerDerivativeShareTooHigh(uint256 bps, uint256 max);
    /// @notice `Terms.permissions` has bits outside ALL_PERMISSIONS.
    error LicenseManagerUnknownPermissions(uint256 permissions);
    /// @notice `Terms.maxDerivatives` above MAX_DERIVATIVES.
    error LicenseManagerDerivativesTooHigh(uint256 maxDerivatives, uint256 max);
    /// @notice `Terms.feePerCall` above MAX_FEE_PER_CALL.
    error LicenseManagerFeeTooHigh(uint256 feePerCall, uint256 max);
    /// @notice A call count (`Terms.includedCalls` or a metering limit) above MAX_CALLS.
    error LicenseManagerCallsTooHigh(uint256 calls, uint256 max);
    /// @notice The current price exceeds the buyer's `maxPrice`.
    error LicenseManagerPriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice The terms changed since the buyer saw version `expected`.
    error LicenseManagerTermsVersionMismatch(uint256 expected, uint256 current);
    /// @notice A zero address or amount where one is required.
    error LicenseManagerZeroValue();
    /// @notice The deposit would take the credit above what it can hold.
    error LicenseManagerCreditOverflow(uint256 licenceId);
    /// @notice Settlement arrays differ in length or exceed MAX_SETTLEMENT_BATCH.
    error LicenseManagerInvalidBatch(uint256 licenceCount, uint256 callCount);
    /// @notice `epoch` is epoch 0 or has not ended yet.
    error LicenseManagerEpochNotEnded(uint256 epoch);
    /// @notice The licence has not expired, or its last epoch is not settled yet.
    error LicenseManagerCreditLocked(uint256 licenceId);
    /// @notice The licence holds no positive credit.
    error LicenseManagerNoCredit(uint256 licenceId);
    /// @notice The licence derived as many models as its terms allow.
    error LicenseManagerDerivationLimitReached(uint256 licenceId, uint256 maxDerivatives);
    /// @notice The epoch clock's length is zero.
    error LicenseManagerInvalidEpochLength();

    function COMMERCIAL() external view returns (uint8);
    function DERIVATIVES() external view returns (uint8);
    function DISTILLATION() external view returns (uint8);
    function TRAIN_ON_OUTPUTS() external view returns (uint8);
    function ATTRIBUTION() external view returns (uint8);
    /// @notice Every permission bit; `Terms.permissions` may hold no other.
    function ALL_PERMISSIONS() external view returns (uint8);

    /// @notice Cap on `Terms.price` (1e30 units: a trillion trillion of a 6-decimal token).
    function MAX_PRICE() external view returns (uint256);
    /// @notice Shortest `Terms.duration` (seconds).
    function MIN_DURATION() external view returns (uint256);
    /// @notice Longest `Terms.duration` (ten years of 365 days).
    function MAX_DURATION() external view returns (uint256);
    /// @notice Cap on `Terms.contributorsBps` (all of the model's own revenue).
    function MAX_CONTRIBUTORS_BPS() external view returns (uint256);
    /// @notice Cap on `Terms.derivativeRevShareBps`.
    function MAX_DERIVATIVE_REV_SHARE_BPS() external view returns (uint256);
    /// @notice Cap on `Terms.maxDerivatives`.
    function MAX_DERIVATIVES() external view returns (uint256);
    /// @notice Cap on `Terms.feePerCall`.
    function MAX_FEE_PER_CALL() external view returns (uint256);
    /// @notice Cap on `Terms.includedCalls`, on a metering limit and on the calls a licence is charged over its
    /// life. With MAX_FEE_PER_CALL it bounds a licence's fees to 1e36, well inside the credit's int128.
    function MAX_CALLS() external view returns (uint256);
    /// @notice Most licences settled in one `settleUsage` call.
    function MAX_SETTLEMENT_BATCH() external view returns (uint256);
    /// @notice Role of the usage oracle that settles metered calls.
    function ORACLE_ROLE() external view returns (bytes32);

    /// @notice Start of epoch 1 (unix seconds).
    function epochGenesis() external view returns (uint256);
    /// @notice Length of an epoch (seconds).
    function epochLength() external view returns (uint256);
    /// @notice The epoch holding `timestamp` (0 before genesis).
    function epochAt(uint256 timestamp) external view returns (uint256);
    /// @notice Highest epoch the oracle has settled (any licence, or an empty batch).
    function highestSettledEpoch() external view returns (uint256);

    /// @notice Sets a new model's first terms. Only the asset registry, once per model.
    function initializeTerms(uint256 modelId, Terms calldata terms) external;

    /// @notice Publishes a new terms version for a model. Only the DAO's timelock.
    function setTerms(uint256 modelId, Terms calldata terms) external returns (uint256 version);

    /// @notice Buys a licence on `modelId` for `holder` at the current terms, paying with the payment token.
    /// @param maxPrice Reverts if the current price is higher.
    /// @param termsVersion The terms version the buyer saw; reverts if the model's terms changed since.
    function purchase(
        uint256 modelId,
        address holder,
        uint256 maxPrice,
        uint256 termsVersion
    ) external returns (uint256 licenceId);

    /// @notice Adds usage credit to a licence (anyone may pay); repays any debt first.
    function deposit(uint256 licenceId, uint256 amount) external;

    /// @notice Pays the credit left on an expired licence to `to`. Only its holder, once the oracle has
    /// settled an epoch later than the one the licence expired in (so its last calls are charged first).
    function withdrawCredit(uint256 licenceId, address to) external returns (uint256 amount);

    /// @notice Sets the most calls settlement may charge the licence per epoch (0 = no limit), in force from
    /// the next epoch on (calls already served in this one are charged under the limit they were served
    /// under). Only the licence's holder.
    function setMeteringLimit(uint256 licenceId, uint256 callsPerEpoch) external;

    /// @notice Settles metered usage for `epoch`, which must have ended. Only the oracle.
    /// @param calls Calls each licence made during `epoch`.
    /// @dev The oracle settles every ended epoch in order, with an empty batch when nothing was metered, so
    /// holders of expired licences can withdraw their credit.
    function settleUsage(uint256 epoch, uint256[] calldata licenceIds, uint256[] calldata calls) external;

    /// @notice Counts a derivation of model `childId` made with `licenceId` and returns the parent's share
    /// under the licence's terms. Only the asset registry, after checking `canDerive`.
    function recordDerivation(uint256 licenceId, uint256 childId) external returns (uint16 revShareBps);

    /// @notice Current terms version of a model (0 when none).
    function currentTermsVersion(uint256 modelId) external view returns (uint256);

    /// @notice Terms version `version` (1-based) of a model.
    function termsOf(uint256 modelId, uint256 version) external view returns (Terms memory);

    /// @notice The licence record.
    function licenseOf(uint256 licenceId) external view returns (License memory);

    /// @notice Terms the licence was bought under.
    function licenseTerms(uint256 licenceId) external view returns (Terms memory);

    /// @notice The metering limit in force for the licence in `epoch` (0 = no limit); for the epoch after the
    /// current one, the limit last set by the holder.
    function meteringLimitAt(uint256 licenceId, uint256 epoch) external view returns (uint256);

    /// @notice Whether the licence exists, has not expired and owes nothing.
    function isValid(uint256 licenceId) external view returns (bool);

    /// @notice Whether the licence is valid and its terms grant every bit of `permissions`.
    function hasPermission(uint256 licenceId, uint8 permissions) external view returns (bool);

    /// @notice Whether `account` may derive a model from `parentId` by `edgeType` with `licenceId`: it holds
    /// the licence, the licence is valid, grants the edge's permission and has derivations left.
    function canDerive(
        address account,
        uint256 parentId,
        EdgeType edgeType,
        uint256 licenceId
    ) external view returns (bool);
}
