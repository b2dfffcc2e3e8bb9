// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Hook of a ReentrantToken recipient, called after each transfer to it (as ERC-777's tokensReceived).
interface IReentrantTokenReceiver {
    function tokensReceived(address operator, address from, uint256 amount) external;
}

/// @title ReentrantToken
/// @notice A 6-decimal ERC-20 with an open faucet and an ERC-777-like receive hook: after every transfer or
/// mint to an account that registered for it, the token calls the account's `tokensReceived`, handing
/// control to the recipient in the middle of the sender's transaction. A revert in the hook reverts the
/// transfer, as in ERC-777.
/// @dev Development and tests only: a hostile payment token for reentrancy tests.
contract ReentrantToken is ERC20 {
    mapping(address account => bool) private _hookRegistered;

    /// @notice `account` registered (or unregistered) its receive hook.
    event HookRegistered(address indexed account, bool registered);

    constructor() ERC20("Reentrant Token", "REENT") {}

    /// @notice Mints `amount` to `to` (no limit).
    function faucet(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Registers or unregisters the caller's receive hook (as ERC-1820's interface registration).
    function registerHook(bool registered) external {
        _hookRegistered[msg.sender] = registered;
        emit HookRegistered(msg.sender, registered);
    }

    /// @notice Whether transfers to `account` call its hook.
    function hookRegistered(address account) external view returns (bool) {
        return _hookRegistered[account];
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @dev Moves the balance first, then calls the recipient's hook.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (_hookRegistered[to]) IReentrantTokenReceiver(to).tokensReceived(msg.sender, from, value);
    }
}
