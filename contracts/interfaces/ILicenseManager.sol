// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Terms, EdgeType} from "./ILicenseTypes.sol";

/// @title ILicenseManager
/// @notice Licence terms per model (versioned), licences as ERC-721 tokens bound to the terms version they
/// were bought under, usage credit and per-epoch settlement of metered calls.
/// @dev The model's owner sets the first terms when registering it (through the asset registry); every later
/// change is made by the DAO's timelock alone (DEFAULT_ADMIN_ROLE). A licence is valid while
/// `block.timestamp < expiresAt` and its credit is not negative. Usage is settled by the oracle with
/// cumulative call counts per licence: an epoch already settled for a licence is skipped, so a replayed
/// batch changes nothing. A fee larger than the credit takes what credit there is and leaves the rest as a
/// debt that suspends the licence until a top-up repays it.
interface ILicenseManager {
    /// @notice Permission bits of `Terms.permissions`.
    /// COMMERCIAL = 1, DERIVATIVES = 2, DISTILLATION = 4, TRAIN_ON_OUTPUTS = 8, ATTRIBUTION (required) = 16.

    /// @notice A licence: its model, the terms version it was bought under and its usage state.
    struct License {
        uint64 modelId;
        uint32 termsVersion;
        uint40 expiresAt;
        // Usage credit in payment-token units; negative while fees are owed (the licence is suspended).
        int128 credit;
        // Calls settled so far (cumulative since purchase).
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
    /// @notice Usage of a licence was settled for `epoch`.
    event UsageSettled(
        uint256 indexed licenceId,
        uint256 indexed epoch,
        uint256 cumulativeCalls,
        uint256 fee,
        uint256 paid
    );
    /// @notice A licence's fees exceeded its credit; it stays suspended until the debt is repaid.
    event LicenseSuspended(uint256 indexed licenceId, uint256 debt);
    /// @notice A suspended licence's debt was repaid.
    event LicenseReinstated(uint256 indexed licenceId);

    /// @notice `caller` may not do this.
    error LicenseManagerUnauthorized(address caller);
    /// @notice `modelId` is not a registered model.
    error LicenseManagerUnknownModel(uint256 modelId);
    /// @notice `licenceId` does not exist.
    error LicenseManagerUnknownLicense(uint256 licenceId);
    /// @notice The model's terms were already initialised.
    error LicenseManagerTermsAlreadySet(uint256 modelId);
    /// @notice A terms field is out of bounds (`field` names it).
    error LicenseManagerInvalidTerms(string field);
    /// @notice The current price exceeds the buyer's `maxPrice`.
    error LicenseManagerPriceAboveMax(uint256 price, uint256 maxPrice);
    /// @notice A zero address or amount where one is required.
    error LicenseManagerZeroValue();
    /// @notice Settlement arrays differ in length or exceed MAX_SETTLEMENT_BATCH.
    error LicenseManagerInvalidBatch(uint256 licenceCount, uint256 callCount);
    /// @notice A cumulative call count went down.
    error LicenseManagerCallsDecreased(uint256 licenceId, uint256 settledCalls, uint256 cumulativeCalls);

    function COMMERCIAL() external view returns (uint8);
    function DERIVATIVES() external view returns (uint8);
    function DISTILLATION() external view returns (uint8);
    function TRAIN_ON_OUTPUTS() external view returns (uint8);
    function ATTRIBUTION() external view returns (uint8);

    /// @notice Cap on `Terms.derivativeRevShareBps`.
    function MAX_DERIVATIVE_REV_SHARE_BPS() external view returns (uint256);
    /// @notice Most licences settled in one `settleUsage` call.
    function MAX_SETTLEMENT_BATCH() external view returns (uint256);
    /// @notice Role of the usage oracle that settles metered calls.
    function ORACLE_ROLE() external view returns (bytes32);

    /// @notice Sets a new model's first terms. Only the asset registry, once per model.
    function initializeTerms(uint256 modelId, Terms calldata terms) external;

    /// @notice Publishes a new terms version for a model. Only the DAO's timelock.
    function setTerms(uint256 modelId, Terms calldata terms) external returns (uint256 version);

    /// @notice Buys a licence on `modelId` for `holder` at the current terms, paying with the payment token.
    /// @param maxPrice Reverts if the current price is higher (guards against a terms change in flight).
    function purchase(uint256 modelId, address holder, uint256 maxPrice) external returns (uint256 licenceId);

    /// @notice Adds usage credit to a licence (anyone may pay); repays any debt first.
    function deposit(uint256 licenceId, uint256 amount) external;

    /// @notice Settles metered usage for `epoch`. Only the oracle.
    /// @param cumulativeCalls Total calls of each licence up to the end of `epoch`.
    function settleUsage(
        uint256 epoch,
        uint256[] calldata licenceIds,
        uint256[] calldata cumulativeCalls
    ) external;

    /// @notice Current terms version of a model (0 when none).
    function currentTermsVersion(uint256 modelId) external view returns (uint256);

    /// @notice Terms version `version` (1-based) of a model.
    function termsOf(uint256 modelId, uint256 version) external view returns (Terms memory);

    /// @notice The licence record.
    function licenseOf(uint256 licenceId) external view returns (License memory);

    /// @notice Terms the licence was bought under.
    function licenseTerms(uint256 licenceId) external view returns (Terms memory);

    /// @notice Whether the licence exists, has not expired and owes nothing.
    function isValid(uint256 licenceId) external view returns (bool);

    /// @notice Whether the licence is valid and its terms grant every bit of `permissions`.
    function hasPermission(uint256 licenceId, uint8 permissions) external view returns (bool);

    /// @notice Whether `account` may derive a model from `parentId` by `edgeType` with `licenceId`.
    function canDerive(
        address account,
        uint256 parentId,
        EdgeType edgeType,
        uint256 licenceId
    ) external view returns (bool);
}
