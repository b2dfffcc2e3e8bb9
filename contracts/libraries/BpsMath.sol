// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title BpsMath
/// @notice Basis-point shares, rounded down (the caller keeps the dust).
library BpsMath {
    uint256 internal constant BPS = 10_000;

    /// @notice `amount * bps / 10_000`, rounded down.
    function bps(uint256 amount, uint256 shareBps) internal pure returns (uint256) {
        return (amount * shareBps) / BPS;
    }
}
