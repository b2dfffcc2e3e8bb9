// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GovernedCounter
/// @notice A value only its owner (the DAO's timelock) may set: a stand-in target for governance tests.
contract GovernedCounter {
    address private immutable _owner;
    uint256 private _value;

    /// @notice The value was set by the owner.
    event ValueSet(uint256 value);

    /// @notice `caller` is not the owner.
    error GovernedCounterUnauthorized(address caller);

    constructor(address owner_) {
        _owner = owner_;
    }

    /// @notice Sets the value. Only the owner.
    function setValue(uint256 newValue) external {
        if (msg.sender != _owner) revert GovernedCounterUnauthorized(msg.sender);
        _value = newValue;
        emit ValueSet(newValue);
    }

    /// @notice The account allowed to set the value.
    function owner() external view returns (address) {
        return _owner;
    }

    /// @notice The current value.
    function value() external view returns (uint256) {
        return _value;
    }
}
