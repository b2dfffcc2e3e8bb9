// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TimestampClock
/// @notice An ERC-6372 clock in seconds, as a timestamp-based votes token has: the governor must refuse it.
contract TimestampClock {
    /// @notice The current timestamp.
    function clock() external view returns (uint48) {
        return uint48(block.timestamp);
    }
}
