// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAssetRegistry} from "../interfaces/IAssetRegistry.sol";
import {IRoyaltyRouter} from "../interfaces/IRoyaltyRouter.sol";
import {Terms} from "../interfaces/ILicenseTypes.sol";
import {IReentrantTokenReceiver, ReentrantToken} from "./ReentrantToken.sol";

/// @title ReentrantPayee
/// @notice Test payee that owns a model and, when the payment token's receive hook hands it control during a
/// withdrawal of the model's revenue from the royalty router, calls `withdrawModelRevenue` again.
/// @dev Development and tests only. In `CATCH` mode the reentrant call is wrapped in try/catch and its
/// outcome recorded (so the outer withdrawal can complete and be inspected); in `BUBBLE` mode its revert
/// propagates and fails the outer withdrawal.
contract ReentrantPayee is IReentrantTokenReceiver {
    enum Mode {
        OFF,
        CATCH,
        BUBBLE
    }

    IAssetRegistry private immutable _registry;
    IRoyaltyRouter private immutable _router;
    ReentrantToken private immutable _token;

    Mode private _mode;
    bool private _reentering;

    /// @notice The model this contract registered (and owns).
    uint256 public modelId;
    /// @notice Number of reentrant withdrawals attempted from the hook.
    uint256 public reentryAttempts;
    /// @notice Total the reentrant calls withdrew.
    uint256 public reentryWithdrawn;
    /// @notice Revert data of the last reentrant call that failed (empty if none failed).
    bytes public lastReentryError;

    /// @notice A reentrant withdrawal from the hook succeeded and returned `amount`.
    event ReentrySucceeded(uint256 amount);
    /// @notice A reentrant withdrawal from the hook reverted with `reason`.
    event ReentryFailed(bytes reason);

    constructor(IAssetRegistry registry, IRoyaltyRouter router, ReentrantToken token) {
        _registry = registry;
        _router = router;
        _token = token;
        token.registerHook(true);
    }

    /// @notice Sets what the hook does on the next incoming transfer from the router.
    function setMode(Mode mode) external {
        _mode = mode;
    }

    /// @notice Registers a model owned by this contract.
    function registerModel(
        IAssetRegistry.ModelRegistration calldata registration,
        Terms calldata terms
    ) external returns (uint256) {
        modelId = _registry.registerModel(registration, terms);
        return modelId;
    }

    /// @notice Withdraws the revenue of this contract's model to `to`.
    function withdraw(address to) external returns (uint256) {
        return _router.withdrawModelRevenue(modelId, to);
    }

    /// @inheritdoc IReentrantTokenReceiver
    function tokensReceived(address operator, address, uint256) external {
        if (msg.sender != address(_token) || operator != address(_router) || _reentering) return;
        if (_mode == Mode.OFF) return;
        _reentering = true;
        ++reentryAttempts;
        if (_mode == Mode.BUBBLE) {
            reentryWithdrawn += _router.withdrawModelRevenue(modelId, address(this));
        } else {
            try _router.withdrawModelRevenue(modelId, address(this)) returns (uint256 amount) {
                reentryWithdrawn += amount;
                emit ReentrySucceeded(amount);
            } catch (bytes memory reason) {
                lastReentryError = reason;
                emit ReentryFailed(reason);
            }
        }
        _reentering = false;
    }
}
