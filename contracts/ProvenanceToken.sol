// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Capped} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Capped.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IProvenanceToken} from "./interfaces/IProvenanceToken.sol";

/// @title ProvenanceToken
/// @notice PROV: the capped governance token of the Provenant DAO.
contract ProvenanceToken is IProvenanceToken, ERC20, ERC20Permit, ERC20Votes, ERC20Capped {
    address private immutable _minter;

    /// @param genesisRecipient Receives the genesis allocation.
    /// @param genesisAmount The genesis allocation, counted against the cap.
    /// @param cap_ The most PROV that can ever exist.
    /// @param minter_ The reward distributor, the only account that may mint after deployment.
    constructor(
        address genesisRecipient,
        uint256 genesisAmount,
        uint256 cap_,
        address minter_
    ) ERC20("Provenant", "PROV") ERC20Permit("Provenant") ERC20Capped(cap_) {
        _minter = minter_;
        _mint(genesisRecipient, genesisAmount);
    }

    /// @inheritdoc IProvenanceToken
    function minter() external view returns (address) {
        return _minter;
    }

    /// @inheritdoc IProvenanceToken
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert ProvenanceTokenUnauthorizedMinter(msg.sender);
        _mint(to, amount);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    // Capped checks the cap on mints, Votes moves the voting checkpoints.
    function _update(
        address from,
        address to,
        uint256 value
    ) internal override(ERC20, ERC20Votes, ERC20Capped) {
        super._update(from, to, value);
    }
}
