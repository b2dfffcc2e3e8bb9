// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title NonStandardToken
/// @notice An ERC-20 with an open faucet whose `transfer` answers as some deployed tokens do instead of returning
/// true: `Nothing` moves the tokens and returns no data (as USDT); `False` moves nothing and returns false.
/// @dev Development and tests only: a payment token for the distributor's handling of transfer results.
contract NonStandardToken is ERC20 {
    /// @notice What `transfer` returns.
    enum TransferReply {
        Nothing,
        False
    }

    TransferReply private immutable _reply;

    constructor(TransferReply reply) ERC20("Non-standard Token", "NSTD") {
        _reply = reply;
    }

    /// @notice Mints `amount` to `to` (no limit).
    function faucet(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool moved) {
        if (_reply == TransferReply.False) return false;
        _transfer(msg.sender, to, value);
        assembly ("memory-safe") {
            return(0, 0)
        }
    }
}
