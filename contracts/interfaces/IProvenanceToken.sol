// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IProvenanceToken
/// @notice PROV, the governance token (ERC20Votes with EIP-2612 permit), with a hard supply cap. Besides
/// the genesis allocation minted at deployment, only the reward distributor mints, within the emission
/// rate the DAO sets there.
interface IProvenanceToken {
    /// @notice `caller` is not the minter.
    error ProvenanceTokenUnauthorizedMinter(address caller);

    /// @notice The only account allowed to mint (the reward distributor).
    function minter() external view returns (address);

    /// @notice Mints `amount` to `to`. Only the minter; reverts above the cap.
    function mint(address to, uint256 amount) external;
}
