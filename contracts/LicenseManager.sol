// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {ILicenseManager} from "./interfaces/ILicenseManager.sol";
import {IRoyaltyRouter} from "./interfaces/IRoyaltyRouter.sol";
import {Terms, EdgeType} from "./interfaces/ILicenseTypes.sol";

/// @title LicenseManager
/// @notice Versioned licence terms, licence NFTs, usage credit and metered-usage settlement.
contract LicenseManager is ILicenseManager, ERC721, AccessControl {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

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
    uint256 public constant MAX_DERIVATIVE_REV_SHARE_BPS = 5_000;
    /// @inheritdoc ILicenseManager
    uint256 public constant MAX_SETTLEMENT_BATCH = 500;
    /// @inheritdoc ILicenseManager
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    uint8 private constant _ALL_PERMISSIONS = 31;
    uint256 private constant _BPS = 10_000;

    IAssetRegistry private immutable _registry;
    IRoyaltyRouter private immutable _router;
    IERC20 private immutable _paymentToken;

    uint256 private _lastLicenceId;
    mapping(uint256 modelId => Terms[]) private _terms;
    mapping(uint256 licenceId => License) private _licenses;

    /// @param admin The DAO's timelock: the only account that changes terms after registration.
    /// @param oracle The usage oracle that settles metered calls.
    constructor(
        address admin,
        address oracle,
        IAssetRegistry registry,
        IRoyaltyRouter router,
        IERC20 paymentToken
    ) ERC721("Provenant Licence", "PVL") {
        _registry = registry;
        _router = router;
        _paymentToken = paymentToken;
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
        uint256 maxPrice
    ) external returns (uint256 licenceId) {
        if (holder == address(0)) revert LicenseManagerZeroValue();
        Terms[] storage versions = _terms[modelId];
        uint256 version = versions.length;
        if (version == 0) revert LicenseManagerUnknownModel(modelId);
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
        licence.credit = (creditBefore + amount.toInt256()).toInt128();

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
        uint256[] calldata cumulativeCalls
    ) external onlyRole(ORACLE_ROLE) {
        if (licenceIds.length != cumulativeCalls.length || licenceIds.length > MAX_SETTLEMENT_BATCH) {
            revert LicenseManagerInvalidBatch(licenceIds.length, cumulativeCalls.length);
        }
        uint32 epoch32 = epoch.toUint32();
        uint256 runModelId;
        uint256 runContributorsBps;
        uint256 runPaid;
        uint256 totalPaid;
        for (uint256 i; i < licenceIds.length; ++i) {
            (uint256 modelId, uint256 contributorsBps, uint256 paid) = _settle(
                epoch32,
                licenceIds[i],
                cumulativeCalls[i]
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
    function currentTermsVersion(uint256 modelId) external view returns (uint256) {
        return _terms[modelId].length;
    }

    /// @inheritdoc ILicenseManager
    function termsOf(uint256 modelId, uint256 version) external view returns (Terms memory) {
        Terms[] storage versions = _terms[modelId];
        if (versions.length == 0) revert LicenseManagerUnknownModel(modelId);
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
        return
            _ownerOf(licenceId) == account &&
            account != address(0) &&
            _licenses[licenceId].modelId == parentId &&
            hasPermission(licenceId, _permissionFor(edgeType));
    }

    /// @inheritdoc ERC721
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(ERC721, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Charges the calls of one licence since its last settlement against its credit. An epoch already
    /// settled for the licence is skipped. Returns what was paid and whom it is for.
    function _settle(
        uint32 epoch,
        uint256 licenceId,
        uint256 cumulativeCalls
    ) private returns (uint256 modelId, uint256 contributorsBps, uint256 paid) {
        License storage licence = _existingLicense(licenceId);
        if (epoch <= licence.lastSettledEpoch) return (0, 0, 0);
        uint256 settledCalls = licence.settledCalls;
        if (cumulativeCalls < settledCalls) {
            revert LicenseManagerCallsDecreased(licenceId, settledCalls, cumulativeCalls);
        }

        modelId = licence.modelId;
        Terms storage terms = _terms[modelId][licence.termsVersion - 1];
        contributorsBps = terms.contributorsBps;
        uint256 included = terms.includedCalls;
        uint256 billableBefore = settledCalls > included ? settledCalls - included : 0;
        uint256 billableNow = cumulativeCalls > included ? cumulativeCalls - included : 0;
        uint256 fee = (billableNow - billableBefore) * terms.feePerCall;

        int256 credit = licence.credit;
        if (credit > 0) paid = fee < uint256(credit) ? fee : uint256(credit);
        int256 creditAfter = credit - fee.toInt256();
        licence.credit = creditAfter.toInt128();
        licence.settledCalls = cumulativeCalls.toUint64();
        licence.lastSettledEpoch = epoch;

        emit UsageSettled(licenceId, epoch, cumulativeCalls, fee, paid);
        if (creditAfter < 0 && credit >= 0) emit LicenseSuspended(licenceId, uint256(-creditAfter));
    }

    function _publishTerms(uint256 modelId, Terms calldata terms) private returns (uint256 version) {
        if (terms.duration == 0) revert LicenseManagerInvalidTerms("duration");
        if (terms.permissions & ~_ALL_PERMISSIONS != 0) revert LicenseManagerInvalidTerms("permissions");
        if (terms.derivativeRevShareBps > MAX_DERIVATIVE_REV_SHARE_BPS) {
            revert LicenseManagerInvalidTerms("derivativeRevShareBps");
        }
        if (terms.contributorsBps > _BPS) revert LicenseManagerInvalidTerms("contributorsBps");

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
