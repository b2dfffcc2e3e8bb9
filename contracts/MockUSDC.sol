// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockUSDC
/// @notice A 6-decimal stand-in for USDC with an open faucet. Development networks only.
contract MockUSDC is ERC20 {
    /// @notice The most one faucet call mints (1,000,000 USDC).
    uint256 public constant FAUCET_LIMIT = 1_000_000e6;

    /// @notice The faucet was asked for more than `limit`.
    error MockUSDCFaucetLimitExceeded(uint256 requested, uint256 limit);

    constructor() ERC20("Mock USD Coin", "USDC") {}

    /// @notice Mints `amount` to `to`, at most FAUCET_LIMIT per call.
    function faucet(address to, uint256 amount) external {
        if (amount > FAUCET_LIMIT) revert MockUSDCFaucetLimitExceeded(amount, FAUCET_LIMIT);
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
