// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IAssetRegistry} from "./interfaces/IAssetRegistry.sol";
import {ILicenseManager} from "./interfaces/ILicenseManager.sol";
import {IRoyaltyRouter} from "./interfaces/IRoyaltyRouter.sol";
import {BpsMath} from "./libraries/BpsMath.sol";

/// @title RoyaltyRouter
/// @notice Splits payments up a model's lineage and holds the credits until they are pulled.
contract RoyaltyRouter is IRoyaltyRouter, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using BpsMath for uint256;

    /// @inheritdoc IRoyaltyRouter
    uint256 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @inheritdoc IRoyaltyRouter
    uint256 public constant MAX_ANCESTORS = 16;
    /// @inheritdoc IRoyaltyRouter
    uint256 public constant MAX_STACK_BPS = 5_000;

    IAssetRegistry private immutable _registry;
    ILicenseManager private immutable _licenseManager;
    address private immutable _distributor;
    IERC20 private immutable _paymentToken;

    // One slot: both are read on every payment.
    address private _treasury;
    uint16 private _protocolFeeBps;

    mapping(address account => uint256) private _balances;
    mapping(uint256 modelId => uint256) private _modelBalances;
    mapping(uint256 modelId => Ancestor[]) private _royaltyStacks;
    mapping(uint256 modelId => Pool[]) private _pools;

    /// @param admin The DAO's timelock: sets the fee and the treasury.
    /// @param distributor The reward distributor, credited with every dataset pool's share.
    constructor(
        address admin,
        IAssetRegistry registry,
        ILicenseManager licenseManager,
        address distributor,
        IERC20 paymentToken,
        address treasury_,
        uint256 protocolFeeBps_
    ) {
        _registry = registry;
        _licenseManager = licenseManager;
        _distributor = distributor;
        _paymentToken = paymentToken;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setTreasury(treasury_);
        _setProtocolFee(protocolFeeBps_);
    }

    /// @inheritdoc IRoyaltyRouter
    function registerSplit(uint256 modelId, Ancestor[] calldata parents, Pool[] calldata pools) external {
        if (msg.sender != address(_registry)) revert RoyaltyRouterUnauthorized(msg.sender);
        Ancestor[] memory merged = new Ancestor[](MAX_ANCESTORS);
        uint256 size;
        for (uint256 i; i < parents.length; ++i) {
            size = _merge(merged, size, parents[i]);
            Ancestor[] storage inherited = _royaltyStacks[parents[i].modelId];
            for (uint256 j; j < inherited.length; ++j) {
                size = _merge(merged, size, inherited[j]);
            }
        }
        Ancestor[] storage stack = _royaltyStacks[modelId];
        uint256 totalBps;
        for (uint256 i; i < size; ++i) {
            Ancestor memory ancestor = merged[i];
            stack.push(ancestor);
            totalBps += ancestor.revShareBps;
            emit RoyaltyStackEntryAdded(modelId, ancestor.modelId, ancestor.revShareBps);
        }
        if (totalBps > MAX_STACK_BPS) revert RoyaltyRouterStackTooExpensive(totalBps, MAX_STACK_BPS);

        Pool[] storage stored = _pools[modelId];
        for (uint256 i; i < pools.length; ++i) {
            stored.push(pools[i]);
        }
    }

    /// @inheritdoc IRoyaltyRouter
    function distribute(uint256 modelId, uint256 amount, uint256 contributorsBps) external {
        if (msg.sender != address(_licenseManager)) revert RoyaltyRouterUnauthorized(msg.sender);

        uint256 protocolFee = amount.bps(_protocolFeeBps);
        _balances[_treasury] += protocolFee;
        uint256 remaining = amount - protocolFee;

        Ancestor[] storage stack = _royaltyStacks[modelId];
        for (uint256 i; i < stack.length; ++i) {
            Ancestor memory ancestor = stack[i];
            uint256 royalty = amount.bps(ancestor.revShareBps);
            remaining -= royalty;
            _creditAncestor(ancestor.modelId, royalty);
            emit AncestorRoyaltyCredited(modelId, ancestor.modelId, royalty);
        }

        uint256 ownerAmount = remaining - _creditPools(modelId, remaining.bps(contributorsBps));
        _modelBalances[modelId] += ownerAmount;
        emit PaymentSplit(modelId, amount, protocolFee, ownerAmount);
    }

    /// @inheritdoc IRoyaltyRouter
    function withdraw(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert RoyaltyRouterZeroAddress();
        amount = _balances[msg.sender];
        if (amount == 0) revert RoyaltyRouterNothingToWithdraw(msg.sender);
        _balances[msg.sender] = 0;
        _paymentToken.safeTransfer(to, amount);
        emit Withdrawn(msg.sender, to, amount);
    }

    /// @inheritdoc IRoyaltyRouter
    function withdrawModelRevenue(
        uint256 modelId,
        address to
    ) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert RoyaltyRouterZeroAddress();
        if (IERC721(address(_registry)).ownerOf(modelId) != msg.sender)
            revert RoyaltyRouterUnauthorized(msg.sender);
        amount = _modelBalances[modelId];
        if (amount == 0) revert RoyaltyRouterNoModelRevenue(modelId);
        _modelBalances[modelId] = 0;
        _paymentToken.safeTransfer(to, amount);
        emit ModelRevenueWithdrawn(modelId, msg.sender, to, amount);
    }

    /// @inheritdoc IRoyaltyRouter
    function setProtocolFee(uint256 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setProtocolFee(feeBps);
    }

    /// @inheritdoc IRoyaltyRouter
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IRoyaltyRouter
    function royaltyStackOf(uint256 modelId) external view returns (Ancestor[] memory) {
        return _royaltyStacks[modelId];
    }

    /// @inheritdoc IRoyaltyRouter
    function poolsOf(uint256 modelId) external view returns (Pool[] memory) {
        return _pools[modelId];
    }

    /// @inheritdoc IRoyaltyRouter
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IRoyaltyRouter
    function modelBalanceOf(uint256 modelId) external view returns (uint256) {
        return _modelBalances[modelId];
    }

    /// @inheritdoc IRoyaltyRouter
    function protocolFeeBps() external view returns (uint256) {
        return _protocolFeeBps;
    }

    /// @inheritdoc IRoyaltyRouter
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @dev An ancestor's royalty is split by its own current contributor share.
    function _creditAncestor(uint256 ancestorId, uint256 royalty) private {
        uint256 contributorsBps = _licenseManager
            .termsOf(ancestorId, _licenseManager.currentTermsVersion(ancestorId))
            .contributorsBps;
        _modelBalances[ancestorId] += royalty - _creditPools(ancestorId, royalty.bps(contributorsBps));
    }

    /// @dev Credits the pools of `modelId`'s datasets by weight; returns what was credited (the rounding dust
    /// and, without datasets, the whole share stay with the caller's remainder).
    function _creditPools(uint256 modelId, uint256 poolAmount) private returns (uint256 credited) {
        if (poolAmount == 0) return 0;
        Pool[] storage pools = _pools[modelId];
        for (uint256 i; i < pools.length; ++i) {
            Pool memory pool = pools[i];
            uint256 share = poolAmount.bps(pool.weightBps);
            credited += share;
            emit DatasetPoolCredited(pool.datasetId, modelId, share);
        }
        _balances[_distributor] += credited;
    }

    /// @dev Appends `ancestor` to `stack` unless it is already there.
    /// @dev Adds `ancestor` to the first `size` entries of `merged`, kept sorted by model id, at the higher
    /// of its shares when it is there already; returns the new size. Order-free by construction.
    function _merge(
        Ancestor[] memory merged,
        uint256 size,
        Ancestor memory ancestor
    ) private pure returns (uint256) {
        uint256 at;
        while (at < size && merged[at].modelId < ancestor.modelId) ++at;
        if (at < size && merged[at].modelId == ancestor.modelId) {
            if (ancestor.revShareBps > merged[at].revShareBps) merged[at].revShareBps = ancestor.revShareBps;
            return size;
        }
        if (size == MAX_ANCESTORS) revert RoyaltyRouterTooManyAncestors(size + 1, MAX_ANCESTORS);
        for (uint256 k = size; k > at; --k) merged[k] = merged[k - 1];
        merged[at] = ancestor;
        return size + 1;
    }

    function _setProtocolFee(uint256 feeBps) private {
        if (feeBps > MAX_PROTOCOL_FEE_BPS) revert RoyaltyRouterFeeTooHigh(feeBps, MAX_PROTOCOL_FEE_BPS);
        _protocolFeeBps = uint16(feeBps);
        emit ProtocolFeeSet(feeBps);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert RoyaltyRouterZeroAddress();
        _treasury = treasury_;
        emit TreasurySet(treasury_);
    }
}
