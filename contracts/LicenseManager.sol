// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {ILicenseManager} from "./interfaces/ILicenseManager.sol";
import {IRoyaltyRouter} from "./interfaces/IRoyaltyRouter.sol";
import {Terms, EdgeType} from "./interfaces/ILicenseTypes.sol";

/// @title LicenseManager
/// @notice Versioned licence terms, licence NFTs, usage credit and metered-usage settlement.
contract LicenseManager is ILicenseManager, ERC721, AccessControl {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using Checkpoints for Checkpoints.Trace224;

    /// @inheritdoc ILicenseManager
    uint8 public constant COMMERCIAL = 1;
    /// @inheritdoc ILicenseManager
    uint8 public constant DERIVATIVES = 2;
    /// @inheritdoc ILicenseManager
    uint8 public constant DISTILLATION = 4;
    /// @inheritdoc ILicenseManager
    uint8 public constant TRAIN_ON_OUTPUTS = 8;
    /// @inheritdoc ILicenseManager
    uint8 public constant ATTRIBUTION = 16;
    /// @inheritdoc ILicenseManager
    uint8 public constant ALL_PERMISSIONS = 31;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_PRICE = 1e30;
    /// @inheritdoc ILicenseManager
    uint256 public constant MIN_DURATION = 1;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_DURATION = 3_650 days;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_CONTRIBUTORS_BPS = 10_000;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_DERIVATIVE_REV_SHARE_BPS = 5_000;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_DERIVATIVES = 1_000;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_FEE_PER_CALL = 1e18;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_CALLS = 1e18;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_SETTLEMENT_BATCH = 500;
    /// @inheritdoc ILicenseManager
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    IAssetRegistry private immutable _registry;
    IRoyaltyRouter private immutable _router;
    IERC20 private immutable _paymentToken;
    uint256 private immutable _epochGenesis;
    uint256 private immutable _epochLength;

    uint256 private _lastLicenceId;
    uint256 private _highestSettledEpoch;
    mapping(uint256 modelId => Terms[]) private _terms;
    mapping(uint256 licenceId => License) private _licenses;
    // Each licence's metering limits by the epoch they apply from.
    mapping(uint256 licenceId => Checkpoints.Trace224) private _meteringLimits;

    /// @param admin The DAO's timelock: the only account that changes terms after registration.
    /// @param oracle The usage oracle that settles metered calls.
    /// @param epochGenesis_ Start of epoch 1 (unix seconds); the backend's epoch clock must be the same.
    /// @param epochLength_ Length of an epoch in seconds.
    constructor(
        address admin,
        address oracle,
        IAssetRegistry registry,
        IRoyaltyRouter router,
        IERC20 paymentToken,
        uint256 epochGenesis_,
        uint256 epochLength_
    ) ERC721("Provenant Licence", "PVL") {
        if (epochLength_ == 0) revert LicenseManagerInvalidEpochLength();
        _registry = registry;
        _router = router;
        _paymentToken = paymentToken;
        _epochGenesis = epochGenesis_;
        _epochLength = epochLength_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ORACLE_ROLE, oracle);
    }

    /// @inheritdoc ILicenseManager
    function initializeTerms(uint256 modelId, Terms calldata terms) external {
        if (msg.sender != address(_registry)) revert LicenseManagerUnauthorized(msg.sender);
        if (_terms[modelId].length != 0) revert LicenseManagerTermsAlreadySet(modelId);
        _publishTerms(modelId, terms);
    }

    /// @inheritdoc ILicenseManager
    function setTerms(
        uint256 modelId,
        Terms calldata terms
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 version) {
        if (_terms[modelId].length == 0) revert LicenseManagerUnknownModel(modelId);
        return _publishTerms(modelId, terms);
    }

    /// @inheritdoc ILicenseManager
    function purchase(
        uint256 modelId,
        address holder,
        uint256 maxPrice,
        uint256 termsVersion
    ) external returns (uint256 licenceId) {
        if (holder == address(0)) revert LicenseManagerZeroValue();
        Terms[] storage versions = _terms[modelId];
        uint256 version = versions.length;
        if (version == 0) revert LicenseManagerUnknownModel(modelId);
        if (version != termsVersion) revert LicenseManagerTermsVersionMismatch(termsVersion, version);
        Terms storage terms = versions[version - 1];
        uint256 price = terms.price;
        if (price > maxPrice) revert LicenseManagerPriceAboveMax(price, maxPrice);

        licenceId = ++_lastLicenceId;
        uint256 expiresAt = block.timestamp + terms.duration;
        License storage licence = _licenses[licenceId];
        licence.modelId = uint64(modelId);
        licence.termsVersion = uint32(version);
        licence.expiresAt = uint40(expiresAt);
        _mint(holder, licenceId);
        emit LicensePurchased(licenceId, modelId, holder, version, price, expiresAt);

        if (price != 0) {
            _paymentToken.safeTransferFrom(msg.sender, address(_router), price);
            _router.distribute(modelId, price, terms.contributorsBps);
        }
    }

    /// @inheritdoc ILicenseManager
    function deposit(uint256 licenceId, uint256 amount) external {
        if (amount == 0) revert LicenseManagerZeroValue();
        License storage licence = _existingLicense(licenceId);
        int256 creditBefore = licence.credit;
        // Fees are bounded (MAX_CALLS * MAX_FEE_PER_CALL), so only an absurd deposit can overflow.
        if (amount > uint256(int256(type(int128).max) - creditBefore)) {
            revert LicenseManagerCreditOverflow(licenceId);
        }
        licence.credit = int128(creditBefore + int256(amount));

        uint256 debtRepaid;
        if (creditBefore < 0) {
            uint256 debt = uint256(-creditBefore);
            debtRepaid = amount < debt ? amount : debt;
        }
        emit CreditDeposited(licenceId, msg.sender, amount, debtRepaid);
        if (creditBefore < 0 && licence.credit >= 0) emit LicenseReinstated(licenceId);

        if (amount != debtRepaid)
            _paymentToken.safeTransferFrom(msg.sender, address(this), amount - debtRepaid);
        if (debtRepaid != 0) {
            _paymentToken.safeTransferFrom(msg.sender, address(_router), debtRepaid);
            uint256 modelId = licence.modelId;
            _router.distribute(
                modelId,
                debtRepaid,
                _terms[modelId][licence.termsVersion - 1].contributorsBps
            );
        }
    }

    /// @inheritdoc ILicenseManager
    /// @dev Consecutive licences of the same model and contributor share are paid to the router in one
    /// `distribute` call, so an oracle that sorts its batch by model pays one split per model.
    function settleUsage(
        uint256 epoch,
        uint256[] calldata licenceIds,
        uint256[] calldata calls
    ) external onlyRole(ORACLE_ROLE) {
        if (licenceIds.length != calls.length || licenceIds.length > MAX_SETTLEMENT_BATCH) {
            revert LicenseManagerInvalidBatch(licenceIds.length, calls.length);
        }
        // Also bounds the epoch to uint32: the current epoch is far below it for any sane clock.
        if (epoch == 0 || epoch >= epochAt(block.timestamp)) revert LicenseManagerEpochNotEnded(epoch);
        if (epoch > _highestSettledEpoch) _highestSettledEpoch = epoch;
        uint32 epoch32 = uint32(epoch);
        uint256 runModelId;
        uint256 runContributorsBps;
        uint256 runPaid;
        uint256 totalPaid;
        for (uint256 i; i < licenceIds.length; ++i) {
            (uint256 modelId, uint256 contributorsBps, uint256 paid) = _settle(
                epoch32,
                licenceIds[i],
                calls[i]
            );
            if (paid == 0) continue;
            if (modelId != runModelId || contributorsBps != runContributorsBps) {
                if (runPaid != 0) _router.distribute(runModelId, runPaid, runContributorsBps);
                (runModelId, runContributorsBps, runPaid) = (modelId, contributorsBps, 0);
            }
            runPaid += paid;
            totalPaid += paid;
        }
        if (totalPaid != 0) {
            _paymentToken.safeTransfer(address(_router), totalPaid);
            _router.distribute(runModelId, runPaid, runContributorsBps);
        }
    }

    /// @inheritdoc ILicenseManager
    function withdrawCredit(uint256 licenceId, address to) external returns (uint256 amount) {
        if (to == address(0)) revert LicenseManagerZeroValue();
        if (_ownerOf(licenceId) != msg.sender) revert LicenseManagerUnauthorized(msg.sender);
        License storage licence = _licenses[licenceId];
        uint256 expiresAt = licence.expiresAt;
        if (block.timestamp < expiresAt || _highestSettledEpoch <= epochAt(expiresAt - 1)) {
            revert LicenseManagerCreditLocked(licenceId);
        }
        int256 credit = licence.credit;
        if (credit <= 0) revert LicenseManagerNoCredit(licenceId);
        amount = uint256(credit);
        licence.credit = 0;
        emit CreditWithdrawn(licenceId, to, amount);
        _paymentToken.safeTransfer(to, amount);
    }

    /// @inheritdoc ILicenseManager
    function setMeteringLimit(uint256 licenceId, uint256 callsPerEpoch) external {
        if (_ownerOf(licenceId) != msg.sender) revert LicenseManagerUnauthorized(msg.sender);
        if (callsPerEpoch > MAX_CALLS) revert LicenseManagerCallsTooHigh(callsPerEpoch, MAX_CALLS);
        uint256 fromEpoch = epochAt(block.timestamp) + 1;
        _meteringLimits[licenceId].push(fromEpoch.toUint32(), uint224(callsPerEpoch));
        emit MeteringLimitSet(licenceId, callsPerEpoch, fromEpoch);
    }

    /// @inheritdoc ILicenseManager
    function recordDerivation(uint256 licenceId, uint256 childId) external returns (uint16 revShareBps) {
        if (msg.sender != address(_registry)) revert LicenseManagerUnauthorized(msg.sender);
        License storage licence = _existingLicense(licenceId);
        Terms storage terms = _terms[licence.modelId][licence.termsVersion - 1];
        uint16 derivations = licence.derivations;
        if (derivations >= terms.maxDerivatives) {
            revert LicenseManagerDerivationLimitReached(licenceId, terms.maxDerivatives);
        }
        licence.derivations = ++derivations;
        emit LicenseUsedForDerivation(licenceId, childId, derivations);
        return terms.derivativeRevShareBps;
    }

    /// @inheritdoc ILicenseManager
    function epochGenesis() external view returns (uint256) {
        return _epochGenesis;
    }

    /// @inheritdoc ILicenseManager
    function epochLength() external view returns (uint256) {
        return _epochLength;
    }

    /// @inheritdoc ILicenseManager
    function epochAt(uint256 timestamp) public view returns (uint256) {
        if (timestamp < _epochGenesis) return 0;
        return (timestamp - _epochGenesis) / _epochLength + 1;
    }

    /// @inheritdoc ILicenseManager
    function highestSettledEpoch() external view returns (uint256) {
        return _highestSettledEpoch;
    }

    /// @inheritdoc ILicenseManager
    function currentTermsVersion(uint256 modelId) external view returns (uint256) {
        return _terms[modelId].length;
    }

    /// @inheritdoc ILicenseManager
    function termsOf(uint256 modelId, uint256 version) external view returns (Terms memory) {
        Terms[] storage versions = _terms[modelId];
        if (versions.length == 0) revert LicenseManagerUnknownModel(modelId);
        if (version == 0 || version > versions.length)
            revert LicenseManagerUnknownTermsVersion(modelId, version);
        return versions[version - 1];
    }

    /// @inheritdoc ILicenseManager
    function licenseOf(uint256 licenceId) external view returns (License memory) {
        return _existingLicense(licenceId);
    }

    /// @inheritdoc ILicenseManager
    function licenseTerms(uint256 licenceId) public view returns (Terms memory) {
        License storage licence = _existingLicense(licenceId);
        return _terms[licence.modelId][licence.termsVersion - 1];
    }

    /// @inheritdoc ILicenseManager
    function meteringLimitAt(uint256 licenceId, uint256 epoch) external view returns (uint256) {
        _existingLicense(licenceId);
        return _meteringLimits[licenceId].upperLookupRecent(epoch.toUint32());
    }

    /// @inheritdoc ILicenseManager
    function isValid(uint256 licenceId) public view returns (bool) {
        License storage licence = _licenses[licenceId];
        return licence.modelId != 0 && block.timestamp < licence.expiresAt && licence.credit >= 0;
    }

    /// @inheritdoc ILicenseManager
    function hasPermission(uint256 licenceId, uint8 permissions) public view returns (bool) {
        if (!isValid(licenceId)) return false;
        License storage licence = _licenses[licenceId];
        return _terms[licence.modelId][licence.termsVersion - 1].permissions & permissions == permissions;
    }

    /// @inheritdoc ILicenseManager
    function canDerive(
        address account,
        uint256 parentId,
        EdgeType edgeType,
        uint256 licenceId
    ) external view returns (bool) {
        License storage licence = _licenses[licenceId];
        return
            _ownerOf(licenceId) == account &&
            account != address(0) &&
            licence.modelId == parentId &&
            hasPermission(licenceId, _permissionFor(edgeType)) &&
            licence.derivations < _terms[parentId][licence.termsVersion - 1].maxDerivatives;
    }

    /// @inheritdoc ERC721
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Charges one licence for its calls in `epoch`, at most its metering limit and what is left of
    /// MAX_CALLS; the rest is refused. An epoch already settled for the licence is skipped. Total: with the
    /// bounds on the terms, no value reached here overflows. Returns what was paid and whom it is for.
    function _settle(
        uint32 epoch,
        uint256 licenceId,
        uint256 calls
    ) private returns (uint256 modelId, uint256 contributorsBps, uint256 paid) {
        License storage licence = _existingLicense(licenceId);
        if (epoch <= licence.lastSettledEpoch) return (0, 0, 0);

        uint256 settledCalls = licence.settledCalls;
        uint256 accepted = _acceptedCalls(licenceId, epoch, calls, settledCalls);
        modelId = licence.modelId;
        Terms storage terms = _terms[modelId][licence.termsVersion - 1];
        contributorsBps = terms.contributorsBps;
        uint256 fee = _fee(terms, settledCalls, settledCalls + accepted);
        licence.settledCalls = uint64(settledCalls + accepted);

        int256 credit = licence.credit;
        if (credit > 0) paid = Math.min(fee, uint256(credit));
        // |credit| <= 1e36 + deposits: fee and credit both fit int128 (see MAX_CALLS).
        int256 creditAfter = credit - int256(fee);
        licence.credit = int128(creditAfter);
        licence.lastSettledEpoch = epoch;

        emit UsageSettled(licenceId, epoch, accepted, fee, paid);
        if (creditAfter < 0 && credit >= 0) emit LicenseSuspended(licenceId, uint256(-creditAfter));
    }

    /// @dev What settlement charges of `calls`: at most the limit in force in `epoch` and what is left of
    /// MAX_CALLS. The rest is refused.
    function _acceptedCalls(
        uint256 licenceId,
        uint256 epoch,
        uint256 calls,
        uint256 settledCalls
    ) private returns (uint256 accepted) {
        accepted = Math.min(calls, MAX_CALLS - settledCalls);
        uint256 limit = _meteringLimits[licenceId].upperLookupRecent(uint32(epoch));
        if (limit != 0 && accepted > limit) accepted = limit;
        if (accepted != calls) emit UsageRefused(licenceId, epoch, calls - accepted);
    }

    /// @dev The fee for going from `callsBefore` to `callsAfter` settled calls: those beyond the included ones.
    function _fee(
        Terms storage terms,
        uint256 callsBefore,
        uint256 callsAfter
    ) private view returns (uint256) {
        uint256 included = terms.includedCalls;
        uint256 billableBefore = callsBefore > included ? callsBefore - included : 0;
        uint256 billableAfter = callsAfter > included ? callsAfter - included : 0;
        return (billableAfter - billableBefore) * terms.feePerCall;
    }

    function _publishTerms(uint256 modelId, Terms calldata terms) private returns (uint256 version) {
        if (terms.price > MAX_PRICE) revert LicenseManagerPriceTooHigh(terms.price, MAX_PRICE);
        if (terms.duration < MIN_DURATION || terms.duration > MAX_DURATION) {
            revert LicenseManagerDurationOutOfRange(terms.duration, MIN_DURATION, MAX_DURATION);
        }
        if (terms.contributorsBps > MAX_CONTRIBUTORS_BPS) {
            revert LicenseManagerContributorsShareTooHigh(terms.contributorsBps, MAX_CONTRIBUTORS_BPS);
        }
        if (terms.derivativeRevShareBps > MAX_DERIVATIVE_REV_SHARE_BPS) {
            revert LicenseManagerDerivativeShareTooHigh(
                terms.derivativeRevShareBps,
                MAX_DERIVATIVE_REV_SHARE_BPS
            );
        }
        if (terms.permissions & ~ALL_PERMISSIONS != 0)
            revert LicenseManagerUnknownPermissions(terms.permissions);
        if (terms.maxDerivatives > MAX_DERIVATIVES) {
            revert LicenseManagerDerivativesTooHigh(terms.maxDerivatives, MAX_DERIVATIVES);
        }
        if (terms.feePerCall > MAX_FEE_PER_CALL)
            revert LicenseManagerFeeTooHigh(terms.feePerCall, MAX_FEE_PER_CALL);
        if (terms.includedCalls > MAX_CALLS)
            revert LicenseManagerCallsTooHigh(terms.includedCalls, MAX_CALLS);

        Terms[] storage versions = _terms[modelId];
        versions.push(terms);
        version = versions.length;
        emit TermsPublished(modelId, version, terms);
    }

    function _existingLicense(uint256 licenceId) private view returns (License storage licence) {
        licence = _licenses[licenceId];
        if (licence.modelId == 0) revert LicenseManagerUnknownLicense(licenceId);
    }

    function _permissionFor(EdgeType edgeType) private pure returns (uint8) {
        if (edgeType == EdgeType.DISTILL) return DISTILLATION;
        if (edgeType == EdgeType.TRAIN_ON_OUTPUTS) return TRAIN_ON_OUTPUTS;
        return DERIVATIVES;
    }
}
