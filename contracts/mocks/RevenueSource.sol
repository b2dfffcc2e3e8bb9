// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title RevenueSource
/// @notice Stands in for the royalty router's `withdraw` towards the distributor: hands over its whole balance.
/// @dev Tests only: lets the distributor's unit tests pull revenue without the licensing system.
contract RevenueSource {
    IERC20 private immutable _token;

    constructor(IERC20 token) {
        _token = token;
    }

    /// @notice Sends this contract's whole balance of the token to `to` and returns the amount.
    function withdraw(address to) external returns (uint256 amount) {
        amount = _token.balanceOf(address(this));
        _token.transfer(to, amount);
    }
}
